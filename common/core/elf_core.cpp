#include "coroner/core/elf_core.hpp"
#include "coroner/base/utc_time.hpp"

#include "coroner/base/error.hpp"
#include "coroner/core/elf_notes.hpp"
#include "coroner/core/siginfo.hpp"
#include "elf_descriptor.hpp"

#include <fmt/format.h>
#include <gelf.h>
#include <libelf.h>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <ctime>
#include <string_view>

namespace coroner {
namespace {

constexpr std::uint32_t nt_prstatus = 1;
constexpr std::uint32_t nt_prpsinfo = 3;
constexpr std::uint32_t nt_auxv = 6;
constexpr std::uint32_t nt_siginfo = 0x53494749;
constexpr std::uint32_t nt_file = 0x46494c45;

// Layout of the notes on 64-bit Linux, the same on every CPU (struct elf_prstatus, elf_prpsinfo,
// siginfo_t, and NT_FILE's table); the registers in pr_reg are the CPU's (Arch::prstatus_registers).
constexpr std::size_t prstatus_cursig = 12;
constexpr std::size_t prstatus_pid = 32;
constexpr std::size_t prstatus_regs = 112;
constexpr std::size_t prpsinfo_uid = 16;
constexpr std::size_t prpsinfo_pid = 24;
constexpr std::size_t prpsinfo_fname = 40, prpsinfo_fname_size = 16;
constexpr std::size_t prpsinfo_psargs = 56, prpsinfo_psargs_size = 80;
constexpr std::size_t prpsinfo_size = 136;
constexpr std::size_t siginfo_signo = 0;
constexpr std::size_t siginfo_code = 8;
constexpr std::size_t siginfo_addr = 16;  // _sifields._sigfault.si_addr, for a fault
constexpr std::size_t siginfo_pid = 16;   // _sifields._kill.si_pid, for a signal a process sent: the same bytes
constexpr std::size_t siginfo_uid = 20;   // _sifields._kill.si_uid
constexpr std::size_t siginfo_size = 128;
// NT_FILE: {count, page_size}, then `count` entries {start, end, offset in pages}, then their paths.
constexpr std::size_t file_count = 0, file_page_size = 8, file_header_size = 16;
constexpr std::size_t file_start = 0, file_end = 8, file_offset_pages = 16, file_entry_size = 24;
constexpr std::size_t auxv_entry_size = 16;  // NT_AUXV: {a_type, a_val} pairs up to AT_NULL

template <typename T>
T load(const std::uint8_t* p) {
    T value;
    std::memcpy(&value, p, sizeof value);
    return value;
}

std::string fixed_string(const std::uint8_t* p, std::size_t max) {
    std::size_t n = 0;
    while (n < max && p[n] != 0) n++;
    std::string s(reinterpret_cast<const char*>(p), n);
    while (!s.empty() && s.back() == ' ') s.pop_back();
    return s;
}

[[noreturn]] void corrupt(const std::string& path, const std::string& what) {
    throw UserError(fmt::format("core file {} is corrupt: {}", path, what),
                    "re-collect the core, or check that the file was copied whole");
}

constexpr std::uint64_t at_execfn = 31;
constexpr std::uint64_t strings_reach = 16ull << 20;
constexpr std::size_t longest_argument = 32 << 10, longest_command_line = 256 << 10, most_arguments = 1 << 16;

}  // namespace

std::optional<std::string> ElfCore::command_line() const {
    // AT_EXECFN points at the program's path in the string area at the top of the main thread's stack;
    // the stack segment holds the auxiliary vector too, right after argc, argv[] and envp[].
    std::optional<std::uint64_t> execfn;
    for (auto [key, value] : auxv_)
        if (key == at_execfn) execfn = value;
    if (!execfn || auxv_.size() < 2) return std::nullopt;
    const CoreSegment* stack = nullptr;
    for (const auto& seg : segments_)
        if (seg.vaddr <= *execfn && *execfn - seg.vaddr < seg.filesz) stack = &seg;
    if (!stack) return std::nullopt;
    std::uint8_t needle[32];
    for (int i = 0; i < 2; i++) {
        std::memcpy(needle + 16 * i, &auxv_[static_cast<std::size_t>(i)].first, 8);
        std::memcpy(needle + 16 * i + 8, &auxv_[static_cast<std::size_t>(i)].second, 8);
    }
    const std::uint8_t* bytes = data_ + stack->offset;
    // The vector lies below the strings, which Linux limits to a quarter of the stack limit: search only
    // that far below them (a core may claim a segment of a terabyte).
    std::uint64_t window_start = std::max(stack->vaddr, *execfn > strings_reach ? *execfn - strings_reach : 0);
    const std::uint8_t* window = bytes + (window_start - stack->vaddr);
    // Searched down from the strings: the vector lies a few kilobytes below them, above all the stack in use
    // (a copy in a frame lies lower). The kernel puts it at an address that is a multiple of 8.
    if (*execfn - window_start < sizeof needle) return std::nullopt;
    const std::uint8_t* found = nullptr;
    for (std::uint64_t at = (*execfn - sizeof needle) & ~std::uint64_t{7}; at >= window_start && !found; at -= 8) {
        const std::uint8_t* p = window + (at - window_start);
        if (std::memcmp(p, needle, sizeof needle) == 0) found = p;
        if (at < 8) break;
    }
    if (!found) return std::nullopt;
    std::uint64_t at = stack->vaddr + static_cast<std::uint64_t>(found - bytes);
    auto word = [&](std::uint64_t address) -> std::optional<std::uint64_t> {
        if (address < stack->vaddr || address - stack->vaddr + 8 > stack->filesz) return std::nullopt;
        return load<std::uint64_t>(bytes + (address - stack->vaddr));
    };
    auto in_stack = [&](std::uint64_t value) { return value >= stack->vaddr && value - stack->vaddr < stack->filesz; };
    // Back from the auxiliary vector: envp's NULL, envp[], argv's NULL, argv[], argc.
    std::uint64_t p = at - 8;
    if (word(p) != 0u) return std::nullopt;
    std::size_t envc = 0;
    for (p -= 8; word(p) && *word(p) != 0 && in_stack(*word(p)) && envc < most_arguments; p -= 8) envc++;
    if (word(p) != 0u) return std::nullopt;
    std::size_t argc = 0;
    for (p -= 8; word(p) && in_stack(*word(p)) && argc < most_arguments; p -= 8) argc++;
    if (argc == 0 || word(p) != std::optional<std::uint64_t>(argc)) return std::nullopt;
    std::string line;
    for (std::size_t i = 0; i < argc && line.size() < longest_command_line; i++) {
        std::uint64_t arg = *word(p + 8 * (i + 1));
        std::uint64_t room = std::min<std::uint64_t>(stack->filesz - (arg - stack->vaddr), longest_argument);
        const char* text = reinterpret_cast<const char*>(bytes + (arg - stack->vaddr));
        if (i > 0) line += ' ';
        line.append(text, ::strnlen(text, room));
    }
    return line;
}

std::unique_ptr<ElfCore> ElfCore::open(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        throw UserError(fmt::format("cannot read core file {}: {}", path, std::strerror(errno)),
                        "check the path and its permissions");
    struct stat st {};
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        throw UserError(fmt::format("core file {} is not a regular file", path), "give the path of a core dump");
    }
    std::unique_ptr<ElfCore> core(new ElfCore());
    core->path_ = path;
    core->size_ = static_cast<std::size_t>(st.st_size);
    core->mtime_ = static_cast<std::int64_t>(st.st_mtim.tv_sec);
    if (core->size_ > 0) {
        // Read-only: the file can never change through it, and a read-only mapping is not counted against
        // the commit limit (a writable private one is, so a sparse 30 GiB core failed with ENOMEM). libelf
        // only reads the image: elf_memory's headers, elf_getphdr and elf_getdata_rawchunk of a native
        // little-endian file point into it, and copy (never convert in place) what they must realign.
        void* m = mmap(nullptr, core->size_, PROT_READ, MAP_PRIVATE | MAP_NORESERVE, fd, 0);
        if (m == MAP_FAILED) {
            ::close(fd);
            throw UserError(fmt::format("cannot map core file {}: {}", path, std::strerror(errno)),
                            "check the free address space and the file");
        }
        core->mapping_ = m;
        core->data_ = static_cast<const std::uint8_t*>(m);
    }
    core->fd_ = fd;
    core->parse();
    return core;
}

std::unique_ptr<ElfCore> ElfCore::from_bytes(std::vector<std::uint8_t> bytes, std::string name) {
    std::unique_ptr<ElfCore> core(new ElfCore());
    core->path_ = std::move(name);
    core->owned_ = std::move(bytes);
    core->data_ = core->owned_.data();
    core->size_ = core->owned_.size();
    core->parse();
    return core;
}

ElfCore::~ElfCore() {
    if (mapping_) munmap(mapping_, size_);
    if (fd_ >= 0) ::close(fd_);
}

std::vector<std::pair<std::uint64_t, std::uint64_t>> ElfCore::stored_parts(const CoreSegment& segment) const {
    std::vector<std::pair<std::uint64_t, std::uint64_t>> parts;
    if (segment.filesz == 0) return parts;
    const auto begin = static_cast<off_t>(segment.offset), end = static_cast<off_t>(segment.offset + segment.filesz);
    for (off_t at = begin; fd_ >= 0 && at < end;) {
        off_t data = ::lseek(fd_, at, SEEK_DATA);
        if (data < 0 && errno == ENXIO) return parts;  // only a hole from here to the end of the file
        if (data < 0) return {{0, segment.filesz}};    // cannot tell: all of it, as read
        if (data >= end) return parts;
        off_t hole = ::lseek(fd_, data, SEEK_HOLE);
        if (hole < 0 || hole > end) hole = end;
        parts.emplace_back(static_cast<std::uint64_t>(data - begin), static_cast<std::uint64_t>(hole - data));
        at = hole;
    }
    if (fd_ < 0) return {{0, segment.filesz}};
    return parts;
}

void ElfCore::parse() {
    if (size_ < sizeof(Elf64_Ehdr) || std::memcmp(data_, ELFMAG, SELFMAG) != 0)
        throw UserError(fmt::format("{} is not an ELF core file ({} bytes, no ELF header)", path_, size_),
                        "give the path of a core dump");
    // e_type and e_machine are where they are in every ELF header, in the byte order the header gives.
    bool big_endian = data_[EI_DATA] == ELFDATA2MSB;
    auto half = [&](std::size_t offset) {
        auto value = load<std::uint16_t>(data_ + offset);
        return big_endian ? static_cast<std::uint16_t>(value >> 8 | value << 8) : value;
    };
    if (half(offsetof(Elf64_Ehdr, e_type)) != ET_CORE)
        throw UserError(fmt::format("{} is an ELF file but not a core dump", path_),
                        "give the core file, not a program or a library");
    std::uint16_t machine = half(offsetof(Elf64_Ehdr, e_machine));
    arch_ = arch_for_elf_machine(machine);
    if (!arch_)
        throw UserError(fmt::format("core file {} is of {} process; coroner reads {} cores only", path_,
                                    elf_machine_name(machine), supported_arch_names()),
                        "the debugger's own commands still work on it: a backtrace, the registers");
    if (data_[EI_CLASS] != ELFCLASS64 || data_[EI_DATA] != ELFDATA2LSB)
        throw UserError(fmt::format("core file {} is not a 64-bit little-endian core", path_),
                        fmt::format("coroner reads 64-bit {} cores", supported_arch_names()));
    auto ehdr = load<Elf64_Ehdr>(data_);

    ElfDescriptor elf = ElfDescriptor::over_memory(data_, size_);
    if (!elf) corrupt(path_, elf_errmsg(-1));

    std::size_t phnum = 0;
    if (elf_getphdrnum(elf.get(), &phnum) != 0) corrupt(path_, "unreadable program header count");
    if (phnum == 0) corrupt(path_, "no program headers");
    if (ehdr.e_phoff > size_ || phnum > (size_ - ehdr.e_phoff) / sizeof(Elf64_Phdr))
        throw UserError(
            fmt::format("core file {} is truncated: its {} program headers end past its {} bytes", path_, phnum, size_),
            "re-collect the core; check `ulimit -c` and the free disk space where it was written");

    std::uint64_t needed = 0;
    std::vector<GElf_Phdr> notes;
    for (std::size_t i = 0; i < phnum; i++) {
        GElf_Phdr ph;
        if (!gelf_getphdr(elf.get(), static_cast<int>(i), &ph)) corrupt(path_, fmt::format("program header {}", i));
        if (ph.p_offset > UINT64_MAX - ph.p_filesz) corrupt(path_, fmt::format("segment {} has an absurd size", i));
        needed = std::max<std::uint64_t>(needed, ph.p_offset + ph.p_filesz);
        if (ph.p_type == PT_NOTE) notes.push_back(ph);
        if (ph.p_type == PT_LOAD) {
            if (ph.p_filesz > ph.p_memsz) corrupt(path_, fmt::format("segment {} has more file than memory", i));
            segments_.push_back({ph.p_vaddr, ph.p_memsz, ph.p_filesz, ph.p_offset, (ph.p_flags & PF_R) != 0,
                                 (ph.p_flags & PF_W) != 0, (ph.p_flags & PF_X) != 0});
        }
    }
    if (needed > size_)
        throw UserError(
            fmt::format("core file {} is truncated: it has {} of the {} bytes its segments need", path_, size_, needed),
            "re-collect the core; check `ulimit -c` and the free disk space where it was written");
    if (notes.empty()) corrupt(path_, "no note segment");
    std::sort(segments_.begin(), segments_.end(), [](auto& a, auto& b) { return a.vaddr < b.vaddr; });

    for (const auto& ph : notes) {
        note_ranges_.emplace_back(ph.p_offset, ph.p_filesz);
        Elf_Data* data = elf_getdata_rawchunk(elf.get(), static_cast<int64_t>(ph.p_offset), ph.p_filesz, ELF_T_NHDR);
        if (!data) corrupt(path_, "unreadable note segment");
        ElfNotes notes_in_segment(static_cast<const std::uint8_t*>(data->d_buf), data->d_size);
        while (auto note = notes_in_segment.next())
            if (note->name == std::string_view("CORE", 5))
                parse_note(note->type, note->desc, note->desc_size, ph.p_offset + note->desc_offset);
        if (auto at = notes_in_segment.malformed_at()) corrupt(path_, fmt::format("malformed note at offset {}", *at));
    }
    if (threads_.empty()) corrupt(path_, "no thread status (NT_PRSTATUS) note");
}

void ElfCore::parse_note(std::uint32_t type, const std::uint8_t* desc, std::size_t size, std::uint64_t desc_offset) {
    switch (type) {
    case nt_prstatus: {
        std::size_t count = arch_->prstatus_registers.size();
        if (size < prstatus_regs + count * 8) corrupt(path_, "short NT_PRSTATUS note");
        CoreThread t;
        t.current_signal = load<std::int16_t>(desc + prstatus_cursig);
        t.tid = load<std::int32_t>(desc + prstatus_pid);
        t.registers.resize(count);
        std::memcpy(t.registers.data(), desc + prstatus_regs, count * 8);
        t.pc = t.registers[arch_->prstatus_index(arch_->pc)];
        t.sp = t.registers[arch_->prstatus_index(arch_->sp)];
        threads_.push_back(std::move(t));
        break;
    }
    case nt_prpsinfo: {
        if (size < prpsinfo_size) corrupt(path_, "short NT_PRPSINFO note");
        CoreProcess p;
        p.uid = load<std::uint32_t>(desc + prpsinfo_uid);
        p.pid = load<std::int32_t>(desc + prpsinfo_pid);
        p.program = fixed_string(desc + prpsinfo_fname, prpsinfo_fname_size);
        p.args = fixed_string(desc + prpsinfo_psargs, prpsinfo_psargs_size);
        process_ = std::move(p);
        psargs_offset_ = desc_offset + prpsinfo_psargs;
        break;
    }
    case nt_siginfo: {
        if (size < siginfo_size) corrupt(path_, "short NT_SIGINFO note");
        SignalInfo raw;
        raw.number = load<std::int32_t>(desc + siginfo_signo);
        raw.code = load<std::int32_t>(desc + siginfo_code);
        raw.fault_address = load<std::uint64_t>(desc + siginfo_addr);
        raw.sender_pid = load<std::int32_t>(desc + siginfo_pid);
        raw.sender_uid = load<std::uint32_t>(desc + siginfo_uid);
        SignalInfo s = keep_meaningful_fields(raw);
        siginfo_ = s;
        break;
    }
    case nt_file: {
        if (size < file_header_size) corrupt(path_, "short NT_FILE note");
        auto count = load<std::uint64_t>(desc + file_count);
        auto page_size = load<std::uint64_t>(desc + file_page_size);
        if (count > (size - file_header_size) / file_entry_size)
            corrupt(path_, "NT_FILE note counts more files than it holds");
        const std::uint8_t* names = desc + file_header_size + count * file_entry_size;
        const std::uint8_t* end = desc + size;
        for (std::uint64_t i = 0; i < count; i++) {
            const std::uint8_t* entry = desc + file_header_size + i * file_entry_size;
            CoreFileMapping m;
            m.start = load<std::uint64_t>(entry + file_start);
            m.end = load<std::uint64_t>(entry + file_end);
            m.file_offset = load<std::uint64_t>(entry + file_offset_pages) * page_size;
            const std::uint8_t* nul = std::find(names, end, std::uint8_t{0});
            m.path.assign(reinterpret_cast<const char*>(names), static_cast<std::size_t>(nul - names));
            names = nul == end ? end : nul + 1;
            file_mappings_.push_back(std::move(m));
        }
        break;
    }
    case nt_auxv:
        for (std::size_t off = 0; off + auxv_entry_size <= size; off += auxv_entry_size) {
            auto key = load<std::uint64_t>(desc + off);
            if (key == 0) break;
            auxv_.emplace_back(key, load<std::uint64_t>(desc + off + 8));
        }
        break;
    default: break;
    }
}

std::optional<std::vector<std::uint8_t>> ElfCore::read(std::uint64_t address, std::size_t size) {
    // Segments are sorted; find the last one starting at or below the address.
    auto it = std::upper_bound(segments_.begin(), segments_.end(), address,
                               [](std::uint64_t a, const CoreSegment& s) { return a < s.vaddr; });
    if (it == segments_.begin()) return std::nullopt;
    const CoreSegment& s = *std::prev(it);
    if (address - s.vaddr >= s.filesz || size > s.filesz - (address - s.vaddr)) return std::nullopt;
    const std::uint8_t* p = data_ + s.offset + (address - s.vaddr);
    return std::vector<std::uint8_t>(p, p + size);
}

ProcessFacts ElfCore::facts() const {
    ProcessFacts f;
    if (process_) {
        f.pid = process_->pid;
        f.program = process_->program;
        // The whole command line where the stack still holds it; NT_PRPSINFO keeps its first 80 bytes only,
        // which can cut a credential so that no rule knows what is left.
        f.args = command_line().value_or(process_->args);
    } else {
        f.pid = threads_.front().tid;
    }
    const CoreThread& crashing = threads_.front();
    f.crashing_tid = crashing.tid;
    f.crash_pc = crashing.pc;
    f.crash_sp = crashing.sp;
    f.crash_registers = arch_->named_registers(crashing.registers);
    if (siginfo_) {
        f.signal = siginfo_;
    } else if (crashing.current_signal != 0) {
        SignalInfo s;
        s.number = crashing.current_signal;
        s.siginfo_recorded = false;
        f.signal = s;
    }
    // Mappings: every PT_LOAD (with its permissions), named from NT_FILE where a file backs it.
    for (const auto& seg : segments_) {
        Mapping m;
        m.start = seg.vaddr;
        m.end = seg.vaddr + seg.memsz;
        m.readable = seg.readable;
        m.writable = seg.writable;
        m.executable = seg.executable;
        for (const auto& fm : file_mappings_)
            if (fm.start <= m.start && m.start < fm.end) {
                m.path = fm.path;
                m.file_offset = fm.file_offset + (m.start - fm.start);
                break;
            }
        f.mappings.push_back(std::move(m));
    }
    if (mtime_) f.core_time = iso_utc(*mtime_);
    return f;
}

void ElfCore::copy_file_bytes(std::uint64_t offset, std::uint8_t* out, std::size_t size) const {
    auto shorter = [&] {
        return UserError(fmt::format("core file {} ends before its offset {:#x}, which its headers said it held "
                                     "(was it truncated while being read?)",
                                     path_, offset + size),
                         "read a complete copy of the core");
    };
    if (fd_ < 0) {
        if (offset > size_ || size > size_ - offset) throw shorter();
        std::memcpy(out, data_ + offset, size);
        return;
    }
    for (std::size_t done = 0; done < size;) {
        ssize_t n = ::pread(fd_, out + done, size - done, static_cast<off_t>(offset + done));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0)
            throw UserError(fmt::format("cannot read core file {}: {}", path_, std::strerror(errno)),
                            "check the file and the disk it is on");
        if (n == 0) throw shorter();
        done += static_cast<std::size_t>(n);
    }
}

void ElfCore::release(const std::uint8_t* bytes, std::size_t size) const {
    if (!mapping_ || size == 0) return;
    const std::uintptr_t page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
    auto start = (reinterpret_cast<std::uintptr_t>(bytes) + page - 1) & ~(page - 1);
    auto end = (reinterpret_cast<std::uintptr_t>(bytes) + size) & ~(page - 1);
    if (end > start) ::madvise(reinterpret_cast<void*>(start), end - start, MADV_DONTNEED);
}

}  // namespace coroner
