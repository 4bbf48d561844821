// Reads an ELF core file: the notes the kernel wrote (threads, signal, process, file mappings,
// auxiliary vector) and its PT_LOAD segments as readable memory. Malformed input is reported as a
// UserError; nothing in here trusts a size or an offset it has not checked against the file.
#pragma once

#include "coroner/arch/arch.hpp"
#include "coroner/base/model.hpp"
#include "coroner/core/memory.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace coroner {

struct CoreThread {
    std::int64_t tid = 0;
    int current_signal = 0;                // pr_cursig
    std::vector<std::uint64_t> registers;  // the raw general-purpose register set, in the kernel's order
    std::uint64_t pc = 0;
    std::uint64_t sp = 0;
};

struct CoreProcess {
    std::int64_t pid = 0;
    std::int64_t uid = 0;
    std::string program;  // pr_fname
    std::string args;     // pr_psargs
};

struct CoreSegment {
    std::uint64_t vaddr = 0;
    std::uint64_t memsz = 0;
    std::uint64_t filesz = 0;  // 0 when the kernel left the contents out (coredump_filter)
    std::uint64_t offset = 0;
    bool readable = false, writable = false, executable = false;
};

struct CoreFileMapping {
    std::uint64_t start = 0, end = 0, file_offset = 0;
    std::string path;
};

class ElfCore final : public MemoryReader {
public:
    // Opens and validates the whole file; throws UserError on anything malformed, and on a core of a CPU
    // coroner does not read (naming it).
    static std::unique_ptr<ElfCore> open(const std::string& path);
    // The same, over bytes already in memory (the unit tests build cores this way).
    static std::unique_ptr<ElfCore> from_bytes(std::vector<std::uint8_t> bytes, std::string name);
    ~ElfCore() override;

    const std::string& path() const { return path_; }
    // The CPU the process ran on.
    const Arch& arch() const { return *arch_; }
    // Threads in note order: the kernel writes the thread that took the fatal signal first.
    const std::vector<CoreThread>& threads() const { return threads_; }
    const std::optional<SignalInfo>& siginfo() const { return siginfo_; }
    const std::optional<CoreProcess>& process() const { return process_; }
    const std::vector<CoreFileMapping>& file_mappings() const { return file_mappings_; }
    const std::vector<std::pair<std::uint64_t, std::uint64_t>>& auxv() const { return auxv_; }
    const std::vector<CoreSegment>& segments() const { return segments_; }
    // Where the notes are in the file ({offset, size} of each PT_NOTE): text of the process (its arguments,
    // its mapped files' paths) that a redacted copy must not keep either.
    const std::vector<std::pair<std::uint64_t, std::uint64_t>>& note_ranges() const { return note_ranges_; }
    // Where NT_PRPSINFO's 80-byte command line is in the file.
    std::optional<std::uint64_t> psargs_offset() const { return psargs_offset_; }
    // Bytes of the file itself, for scanning the notes.
    const std::uint8_t* file_bytes(std::uint64_t offset) const { return data_ + offset; }

    // The process's arguments, from the strings on its main thread's stack (found through the auxiliary
    // vector the kernel put after them), joined by spaces; nothing if the core does not hold them.
    std::optional<std::string> command_line() const;

    // The facts common analyses use, merged from the notes and segments.
    ProcessFacts facts() const;

    std::optional<std::vector<std::uint8_t>> read(std::uint64_t address, std::size_t size) override;
    // The dumped bytes of a segment (filesz of them), straight from the mapped file, for scanning.
    const std::uint8_t* segment_bytes(const CoreSegment& segment) const { return data_ + segment.offset; }
    // The parts of a segment's dumped bytes that the file stores, as (offset in the segment, length): the
    // holes of a sparse core read as zeros and are left out, so that a core claiming a terabyte costs
    // what it holds, not what it claims.
    std::vector<std::pair<std::uint64_t, std::uint64_t>> stored_parts(const CoreSegment& segment) const;
    // Lets the kernel drop scanned bytes of the mapped file from this process (they are read from the file
    // again if touched), so that scanning a core of any size keeps only a window of it resident.
    void release(const std::uint8_t* bytes, std::size_t size) const;
    // Copies `size` bytes of the file from `offset` into `out`: read from the file (pread) when it was
    // opened from a path, which for bytes read once costs a quarter of mapping their pages and dropping
    // them again. Throws the user error of a file that is shorter than the headers said.
    void copy_file_bytes(std::uint64_t offset, std::uint8_t* out, std::size_t size) const;

private:
    ElfCore() = default;
    void parse();
    void parse_note(std::uint32_t type, const std::uint8_t* desc, std::size_t size, std::uint64_t desc_offset);

    std::string path_;
    const std::uint8_t* data_ = nullptr;
    std::size_t size_ = 0;
    void* mapping_ = nullptr;          // mmap of the file, when opened from a path
    int fd_ = -1;                      // the file, when opened from a path (to find its holes)
    std::vector<std::uint8_t> owned_;  // the bytes, when built from memory
    const Arch* arch_ = nullptr;
    std::vector<CoreThread> threads_;
    std::optional<SignalInfo> siginfo_;
    std::optional<CoreProcess> process_;
    std::vector<CoreFileMapping> file_mappings_;
    std::vector<std::pair<std::uint64_t, std::uint64_t>> auxv_;
    std::vector<CoreSegment> segments_;
    std::vector<std::pair<std::uint64_t, std::uint64_t>> note_ranges_;
    std::optional<std::uint64_t> psargs_offset_;
    std::optional<std::int64_t> mtime_;  // when the file was last written: when the core was
};

}  // namespace coroner
