// Cores as systems store them: a plain ELF core, a zstd / lz4 / xz (or gzip) compressed one as
// systemd-coredump writes them, or an apport .crash report holding the core in its `CoreDump: base64` field.
// Recognised by their first bytes, never by name; unpacked as a stream (no size needs to be known) into a
// sparse plain ELF core that GDB and LLDB open; and their facts (systemd's extended attributes and file
// name, apport's fields, the core's own notes) merged into one record.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace coroner {

enum class StoredFormat { elf, zstd, lz4, xz, gzip, apport };

// The format's name as the batch output gives it ("elf", "zstd", "lz4", "xz", "gzip", "apport").
const char* stored_format_name(StoredFormat format);

// What the first bytes of `path` say it is. Throws UserError for an unreadable or empty file and for
// anything that is none of the above (an ELF file that is not a core is named as such).
StoredFormat detect_stored_format(const std::string& path);

// Called between chunks of long work (unpacking); throws to stop it (Ctrl-C, a time limit).
using StepCheck = std::function<void()>;

// Writes the plain ELF core held by `path` to `out_fd` (empty, at offset 0), leaving holes for pages of
// zeros. Returns how the core was stored ("zstd", "apport-gzip"...). Throws UserError for a stream cut
// short or corrupt, an apport report without a core, or contents that are not an ELF core.
std::string unpack_stored_core(const std::string& path, int out_fd, const StepCheck& check = {});

// The facts of one crash, from wherever they were found. Absent facts stay empty.
struct CoreMetadata {
    std::optional<std::string> program;  // the program's path
    std::optional<std::string> comm;     // the kernel's 15-character name
    std::optional<std::string> command_line;
    std::optional<std::int64_t> pid, uid;
    std::optional<int> signal;
    std::optional<std::string> time;         // ISO 8601 UTC ("2026-11-29T21:34:00Z")
    std::optional<std::string> time_source;  // where `time` came from, in words
    std::optional<std::string> host;
    std::optional<std::string> package;
    std::optional<std::string> build_id;  // of the program, as the core's memory holds it
    bool truncated = false;
    std::optional<std::string> truncation;  // why it is called truncated
    std::vector<std::string> sources;       // "systemd xattrs", "systemd file name", "apport", "core notes"
};

// systemd-coredump's extended attributes (user.coredump.*) and, where they are gone (a copy), the facts
// its file name `core.COMM.UID.BOOTID.PID.USEC[.zst|.lz4|.xz]` carries.
void read_systemd_metadata(const std::string& path, CoreMetadata& metadata);

// An apport report's fields (ExecutablePath, Date, Package, ProcCmdline, Signal, ProcStatus's Pid and Uid).
// Its Date is the crashing host's local time without a zone: the zone is taken from the report's
// modification time when the two agree to a whole quarter hour.
void read_apport_metadata(const std::string& path, CoreMetadata& metadata);

// Fills what is still missing from the plain core's notes (NT_PRPSINFO, NT_SIGINFO, NT_FILE and the
// auxiliary vector for the program's path, the program's build-id from its first page in memory).
void read_core_metadata(const std::string& core_path, CoreMetadata& metadata);

// How many bytes a plain ELF core needs to hold everything its program headers promise; throws UserError
// when even the headers are not in the file.
std::uint64_t elf_core_needed_size(int fd, const std::string& name);

// A private folder (mode 0700) under $TMPDIR (or /tmp), removed with everything in it when destroyed.
class TemporaryFolder {
public:
    explicit TemporaryFolder(const std::string& prefix = "coroner");
    ~TemporaryFolder();
    TemporaryFolder(const TemporaryFolder&) = delete;
    TemporaryFolder& operator=(const TemporaryFolder&) = delete;
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

// Removes a folder and everything below it (not following links); quietly does what it can.
void remove_tree(const std::string& path);

// One input made ready for a debugger: its plain core (the input itself when it is a whole plain core,
// else an unpacked or completed copy in `scratch`) and its facts.
struct TakenCore {
    StoredFormat format = StoredFormat::elf;
    std::string format_detail;  // "elf", "zstd", "apport-gzip"...
    std::string core_path;
    CoreMetadata metadata;
};

// Recognises, unpacks into `scratch` (a folder the caller owns) when needed, and reads every source of
// facts. A truncated core is completed with holes to the size its headers promise, so that the debugger
// loads it (the missing bytes read as zeros) and it is triaged as far as it goes; metadata.truncated says
// so. Throws UserError for what cannot be read as a core.
TakenCore take_in_core(const std::string& input, const std::string& scratch, const StepCheck& check = {});

}  // namespace coroner
