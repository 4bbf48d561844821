#include "coroner/core/elf_core.hpp"
#include "coroner/arch/arch.hpp"

#include "coroner/base/error.hpp"
#include "coroner/core/siginfo.hpp"

#include <fmt/format.h>
#include <gelf.h>
#include <libelf.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace coroner {
namespace {

constexpr std::uint32_t nt_prstatus = 1;
constexpr std::uint32_t nt_prpsinfo = 3;
constexpr std::uint32_t nt_auxv = 6;
constexpr std::uint32_t nt_siginfo = 0x53494749;
constexpr std::uint32_t nt_file = 0x46494c45;

// Layout of the notes on 64-bit Linux (struct elf_prstatus, elf_prpsinfo, siginfo_t).
constexpr std::size_t prstatus_cursig = 12;
constexpr std::size_t prstatus_pid = 32;
constexpr std::size_t prstatus_regs = 112;
constexpr std::size_t prpsinfo_uid = 16;
constexpr std::size_t prpsinfo_pid = 24;
constexpr std::size_t prpsinfo_ppid = 28;
constexpr std::size_t prpsinfo_fname = 40;
constexpr std::size_t prpsinfo_psargs = 56;
constexpr std::size_t prpsinfo_size = 136;
constexpr std::size_t siginfo_size = 128;

struct RegisterLayout {
    std::size_t count, pc, sp;
};
constexpr RegisterLayout x86_64_regs{27, 16, 19};   // user_regs_struct: rip, rsp
constexpr RegisterLayout aarch64_regs{34, 32, 31};  // user_pt_regs: x0..x30, sp, pc, pstate

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

std::string iso_utc(std::int64_t seconds) {
    std::time_t t = static_cast<std::time_t>(seconds);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

[[noreturn]] void corrupt(const std::string& path, const std::string& what) {
    throw UserError(fmt::format("core file {} is corrupt: {}", path, what),
                    "re-collect the core, or check that the file was copied whole");
}

struct ElfHandle {
    Elf* elf = nullptr;
    ~ElfHandle() {
        if (elf) elf_end(elf);
    }
};

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
    const void* found = ::memmem(window, *execfn - window_start, needle, sizeof needle);
    if (!found) return std::nullopt;
    std::uint64_t at = stack->vaddr + static_cast<std::uint64_t>(static_cast<const std::uint8_t*>(found) - bytes);
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
        if (data < 0) return {{0, segment.filesz}};      // cannot tell: all of it, as read
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
    if (data_[EI_CLASS] != ELFCLASS64 || data_[EI_DATA] != ELFDATA2LSB)
        throw UserError(fmt::format("core file {} is not a 64-bit little-endian core", path_),
                        "coroner reads x86-64 and AArch64 cores");
    auto ehdr = load<Elf64_Ehdr>(data_);
    if (ehdr.e_type != ET_CORE)
        throw UserError(fmt::format("{} is an ELF file but not a core dump", path_),
                        "give the core file, not a program or a library");
    if (ehdr.e_machine == EM_X86_64)
        arch_ = CoreArch::x86_64;
    else if (ehdr.e_machine == EM_AARCH64)
        arch_ = CoreArch::aarch64;
    else
        throw UserError(fmt::format("core file {} is for an unsupported machine ({})", path_, ehdr.e_machine),
                        "coroner reads x86-64 and AArch64 cores");

    elf_version(EV_CURRENT);
    ElfHandle h;
    h.elf = elf_memory(reinterpret_cast<char*>(const_cast<std::uint8_t*>(data_)), size_);
    if (!h.elf) corrupt(path_, elf_errmsg(-1));

    std::size_t phnum = 0;
    if (elf_getphdrnum(h.elf, &phnum) != 0) corrupt(path_, "unreadable program header count");
    if (phnum == 0) corrupt(path_, "no program headers");
    if (ehdr.e_phoff > size_ || phnum > (size_ - ehdr.e_phoff) / sizeof(Elf64_Phdr))
        throw UserError(fmt::format("core file {} is truncated: its {} program headers end past its {} bytes",
                                    path_, phnum, size_),
                        "re-collect the core; check `ulimit -c` and the free disk space where it was written");

    std::uint64_t needed = 0;
    std::vector<GElf_Phdr> notes;
    for (std::size_t i = 0; i < phnum; i++) {
        GElf_Phdr ph;
        if (!gelf_getphdr(h.elf, static_cast<int>(i), &ph)) corrupt(path_, fmt::format("program header {}", i));
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
        throw UserError(fmt::format("core file {} is truncated: it has {} of the {} bytes its segments need",
                                    path_, size_, needed),
                        "re-collect the core; check `ulimit -c` and the free disk space where it was written");
    if (notes.empty()) corrupt(path_, "no note segment");
    std::sort(segments_.begin(), segments_.end(), [](auto& a, auto& b) { return a.vaddr < b.vaddr; });

    for (const auto& ph : notes) {
        note_ranges_.emplace_back(ph.p_offset, ph.p_filesz);
        Elf_Data* data = elf_getdata_rawchunk(h.elf, static_cast<int64_t>(ph.p_offset), ph.p_filesz, ELF_T_NHDR);
        if (!data) corrupt(path_, "unreadable note segment");
        std::size_t offset = 0;
        while (offset < data->d_size) {
            GElf_Nhdr nhdr;
            std::size_t name_off = 0, desc_off = 0;
            std::size_t next = gelf_getnote(data, offset, &nhdr, &name_off, &desc_off);
            if (next == 0 || next <= offset) corrupt(path_, fmt::format("malformed note at offset {}", offset));
            if (desc_off > data->d_size || nhdr.n_descsz > data->d_size - desc_off)
                corrupt(path_, fmt::format("note at offset {} runs past its segment", offset));
            const char* name = static_cast<const char*>(data->d_buf) + name_off;
            if (nhdr.n_namesz == 5 && std::memcmp(name, "CORE", 5) == 0)
                parse_note(nhdr.n_type, static_cast<const std::uint8_t*>(data->d_buf) + desc_off, nhdr.n_descsz,
                           ph.p_offset + desc_off);
            offset = next;
        }
    }
    if (threads_.empty()) corrupt(path_, "no thread status (NT_PRSTATUS) note");
}

void ElfCore::parse_note(std::uint32_t type, const std::uint8_t* desc, std::size_t size, std::uint64_t desc_offset) {
    switch (type) {
    case nt_prstatus: {
        const RegisterLayout& layout = arch_ == CoreArch::x86_64 ? x86_64_regs : aarch64_regs;
        if (size < prstatus_regs + layout.count * 8) corrupt(path_, "short NT_PRSTATUS note");
        CoreThread t;
        t.current_signal = load<std::int16_t>(desc + prstatus_cursig);
        t.tid = load<std::int32_t>(desc + prstatus_pid);
        t.registers.resize(layout.count);
        std::memcpy(t.registers.data(), desc + prstatus_regs, layout.count * 8);
        t.pc = t.registers[layout.pc];
        t.sp = t.registers[layout.sp];
        threads_.push_back(std::move(t));
        break;
    }
    case nt_prpsinfo: {
        if (size < prpsinfo_size) corrupt(path_, "short NT_PRPSINFO note");
        CoreProcess p;
        p.uid = load<std::uint32_t>(desc + prpsinfo_uid);
        p.pid = load<std::int32_t>(desc + prpsinfo_pid);
        p.ppid = load<std::int32_t>(desc + prpsinfo_ppid);
        p.program = fixed_string(desc + prpsinfo_fname, 16);
        p.args = fixed_string(desc + prpsinfo_psargs, 80);
        process_ = std::move(p);
        psargs_offset_ = desc_offset + prpsinfo_psargs;
        break;
    }
    case nt_siginfo: {
        if (size < siginfo_size) corrupt(path_, "short NT_SIGINFO note");
        SignalInfo raw;
        raw.number = load<std::int32_t>(desc + 0);
        raw.code = load<std::int32_t>(desc + 8);
        raw.fault_address = load<std::uint64_t>(desc + 16);
        raw.sender_pid = load<std::int32_t>(desc + 16);
        raw.sender_uid = load<std::uint32_t>(desc + 20);
        SignalInfo s = keep_meaningful_fields(raw);
        siginfo_ = s;
        break;
    }
    case nt_file: {
        if (size < 16) corrupt(path_, "short NT_FILE note");
        auto count = load<std::uint64_t>(desc);
        auto page_size = load<std::uint64_t>(desc + 8);
        if (count > (size - 16) / 24) corrupt(path_, "NT_FILE note counts more files than it holds");
        const std::uint8_t* names = desc + 16 + count * 24;
        const std::uint8_t* end = desc + size;
        for (std::uint64_t i = 0; i < count; i++) {
            const std::uint8_t* entry = desc + 16 + i * 24;
            CoreFileMapping m;
            m.start = load<std::uint64_t>(entry);
            m.end = load<std::uint64_t>(entry + 8);
            m.file_offset = load<std::uint64_t>(entry + 16) * page_size;
            const std::uint8_t* nul = std::find(names, end, std::uint8_t{0});
            m.path.assign(reinterpret_cast<const char*>(names), static_cast<std::size_t>(nul - names));
            names = nul == end ? end : nul + 1;
            file_mappings_.push_back(std::move(m));
        }
        break;
    }
    case nt_auxv:
        for (std::size_t off = 0; off + 16 <= size; off += 16) {
            auto key = load<std::uint64_t>(desc + off);
            if (key == 0) break;
            auxv_.emplace_back(key, load<std::uint64_t>(desc + off + 8));
        }
        break;
    default:
        break;
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
    if (arch_ == CoreArch::x86_64) {
        // user_regs_struct order.
        static const char* const names[] = {"r15", "r14", "r13", "r12", "rbp", "rbx", "r11", "r10", "r9",
                                            "r8",  "rax", "rcx", "rdx", "rsi", "rdi", "orig_rax", "rip",
                                            "cs",  "eflags", "rsp", "ss", "fs_base", "gs_base", "ds", "es",
                                            "fs",  "gs"};
        for (std::size_t i = 0; i < crashing.registers.size() && i < std::size(names); i++)
            f.crash_registers[names[i]] = crashing.registers[i];
        add_32bit_register_names(f.crash_registers);
    }
    if (siginfo_) {
        f.signal = siginfo_;
    } else if (crashing.current_signal != 0) {
        SignalInfo s;
        s.number = crashing.current_signal;
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

void ElfCore::release(const CoreSegment& segment) const {
    if (segment.filesz > 0) release(data_ + segment.offset, static_cast<std::size_t>(segment.filesz));
}

void ElfCore::populate(const std::uint8_t* bytes, std::size_t size) const {
#ifndef MADV_POPULATE_READ
    constexpr int MADV_POPULATE_READ = 22;
#endif
    if (!mapping_ || size == 0) return;
    const std::uintptr_t page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
    auto start = reinterpret_cast<std::uintptr_t>(bytes) & ~(page - 1);
    ::madvise(reinterpret_cast<void*>(start), reinterpret_cast<std::uintptr_t>(bytes) + size - start, MADV_POPULATE_READ);
}

void ElfCore::release(const std::uint8_t* bytes, std::size_t size) const {
    if (!mapping_ || size == 0) return;
    const std::uintptr_t page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
    auto start = (reinterpret_cast<std::uintptr_t>(bytes) + page - 1) & ~(page - 1);
    auto end = (reinterpret_cast<std::uintptr_t>(bytes) + size) & ~(page - 1);
    if (end > start) ::madvise(reinterpret_cast<void*>(start), end - start, MADV_DONTNEED);
}

}  // namespace coroner
