#include "coroner/core/module_file.hpp"

#include "coroner/core/elf_notes.hpp"
#include "coroner/core/process_map.hpp"
#include "elf_descriptor.hpp"

#include <fmt/format.h>
#include <gelf.h>
#include <libelf.h>

#include <fcntl.h>
#include <unistd.h>
#include <algorithm>
#include <cstring>
#include <map>
#include <mutex>
#include <string_view>

namespace coroner {
namespace {

constexpr std::uint32_t nt_gnu_build_id = 3;

std::string hex(const std::uint8_t* p, std::size_t n) {
    std::string s;
    for (std::size_t i = 0; i < n; i++) s += fmt::format("{:02x}", p[i]);
    return s;
}

// The GNU build-id among the notes in [buf, buf+size).
std::optional<std::string> build_id_in_notes(const std::uint8_t* buf, std::size_t size) {
    ElfNotes notes(buf, size);
    while (auto note = notes.next())
        if (note->type == nt_gnu_build_id && note->name == std::string_view("GNU", 4) && note->desc_size > 0)
            return hex(note->desc, note->desc_size);
    return std::nullopt;
}

}  // namespace

ModuleFile read_module_file_uncached(const std::string& path) {
    ModuleFile mf;
    ElfDescriptor file = ElfDescriptor::open_file(path);
    Elf* elf = file.get();
    std::size_t shstrndx = 0;
    if (elf && elf_kind(elf) == ELF_K_ELF && elf_getshdrstrndx(elf, &shstrndx) == 0) {
        mf.readable = true;
        if (GElf_Ehdr eh; gelf_getehdr(elf, &eh)) {
            mf.machine = eh.e_machine;
            mf.fixed_address = eh.e_type == ET_EXEC;
        }
        std::size_t phnum = 0;
        if (elf_getphdrnum(elf, &phnum) == 0)
            for (std::size_t i = 0; i < phnum; i++) {
                GElf_Phdr ph;
                if (!gelf_getphdr(elf, static_cast<int>(i), &ph) || ph.p_type != PT_LOAD) continue;
                if (mf.loads.empty()) mf.link_base = ph.p_vaddr - ph.p_offset;
                mf.loads.push_back({ph.p_vaddr, ph.p_vaddr + ph.p_memsz, ph.p_offset});
            }
        for (Elf_Scn* scn = elf_nextscn(elf, nullptr); scn; scn = elf_nextscn(elf, scn)) {
            GElf_Shdr sh;
            if (!gelf_getshdr(scn, &sh)) continue;
            const char* name = elf_strptr(elf, shstrndx, sh.sh_name);
            if (!name) continue;
            if ((std::strcmp(name, ".debug_info") == 0 || std::strcmp(name, ".zdebug_info") == 0) &&
                sh.sh_type != SHT_NOBITS && sh.sh_size > 0)
                mf.has_debug_info = true;
            if (sh.sh_type == SHT_NOTE && !mf.build_id) {
                if (Elf_Data* d = elf_getdata(scn, nullptr); d && d->d_buf)
                    mf.build_id = build_id_in_notes(static_cast<const std::uint8_t*>(d->d_buf), d->d_size);
            }
            if (std::strcmp(name, ".gnu_debuglink") == 0) {
                if (Elf_Data* d = elf_getdata(scn, nullptr); d && d->d_buf && d->d_size > 0)
                    mf.debuglink = std::string(static_cast<const char*>(d->d_buf),
                                               strnlen(static_cast<const char*>(d->d_buf), d->d_size));
            }
        }
    }
    return mf;
}

namespace {

bool exists(const std::string& path) { return ::access(path.c_str(), R_OK) == 0; }

std::string dirname_of(const std::string& path) {
    auto slash = path.rfind('/');
    return slash == std::string::npos ? "." : path.substr(0, slash == 0 ? 1 : slash);
}

}  // namespace

const ModuleFile& read_module_file(const std::string& path) {
    static std::mutex lock;
    static std::map<std::string, ModuleFile> cache;
    std::lock_guard<std::mutex> guard(lock);
    auto it = cache.find(path);
    if (it == cache.end()) it = cache.emplace(path, read_module_file_uncached(path)).first;
    return it->second;
}

DebugInfo find_debug_info(const std::string& path) {
    const ModuleFile& mf = read_module_file(path);
    if (mf.has_debug_info) return {DebugInfoKind::embedded, std::nullopt};
    std::vector<std::string> candidates;
    if (mf.build_id && mf.build_id->size() > 2)
        candidates.push_back(
            fmt::format("/usr/lib/debug/.build-id/{}/{}.debug", mf.build_id->substr(0, 2), mf.build_id->substr(2)));
    if (mf.debuglink) {
        std::string dir = dirname_of(path);
        candidates.push_back(dir + "/" + *mf.debuglink);
        candidates.push_back(dir + "/.debug/" + *mf.debuglink);
        candidates.push_back("/usr/lib/debug" + dir + "/" + *mf.debuglink);
    }
    for (const auto& candidate : candidates)
        if (candidate != path && exists(candidate) && read_module_file(candidate).has_debug_info)
            return {DebugInfoKind::separate, candidate};
    return {DebugInfoKind::none, std::nullopt};
}

std::optional<std::string> build_id_in_memory(MemoryReader& memory, std::uint64_t base) {
    auto header = memory.read(base, sizeof(Elf64_Ehdr));
    if (!header || std::memcmp(header->data(), ELFMAG, SELFMAG) != 0 || (*header)[EI_CLASS] != ELFCLASS64)
        return std::nullopt;
    Elf64_Ehdr eh;
    std::memcpy(&eh, header->data(), sizeof eh);
    if (eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum == 0 || eh.e_phnum > 256) return std::nullopt;
    auto table = memory.read(base + eh.e_phoff, std::size_t{eh.e_phnum} * sizeof(Elf64_Phdr));
    if (!table) return std::nullopt;
    std::vector<Elf64_Phdr> phdrs(eh.e_phnum);
    std::memcpy(phdrs.data(), table->data(), table->size());
    // The load bias: where the first PT_LOAD (file offset 0) ended up relative to its p_vaddr.
    std::optional<std::uint64_t> first_load;
    for (const auto& ph : phdrs)
        if (ph.p_type == PT_LOAD && !first_load) first_load = ph.p_vaddr - ph.p_offset;
    if (!first_load) return std::nullopt;
    std::uint64_t bias = base - *first_load;
    for (const auto& ph : phdrs) {
        if (ph.p_type != PT_NOTE || ph.p_filesz == 0 || ph.p_filesz > 65536) continue;
        if (auto notes = memory.read(bias + ph.p_vaddr, ph.p_filesz))
            if (auto id = build_id_in_notes(notes->data(), notes->size())) return id;
    }
    return std::nullopt;
}

std::optional<std::uint64_t> symbol_address(const std::string& path, const std::string& name) {
    ElfDescriptor file = ElfDescriptor::open_file(path);
    Elf* elf = file.get();
    std::optional<std::uint64_t> found;
    for (Elf64_Word wanted : {SHT_SYMTAB, SHT_DYNSYM}) {
        for (Elf_Scn* scn = elf ? elf_nextscn(elf, nullptr) : nullptr; scn && !found; scn = elf_nextscn(elf, scn)) {
            GElf_Shdr sh;
            if (!gelf_getshdr(scn, &sh) || sh.sh_type != wanted || sh.sh_entsize == 0) continue;
            Elf_Data* data = elf_getdata(scn, nullptr);
            if (!data) continue;
            std::size_t count = sh.sh_size / sh.sh_entsize;
            for (std::size_t i = 0; i < count; i++) {
                GElf_Sym sym;
                if (!gelf_getsym(data, static_cast<int>(i), &sym) || sym.st_shndx == SHN_UNDEF) continue;
                const char* n = elf_strptr(elf, sh.sh_link, sym.st_name);
                if (n && name == n) {
                    found = sym.st_value;
                    break;
                }
            }
        }
        if (found) break;
    }
    return found;
}

std::optional<std::string> object_symbol_at(const std::string& path, std::uint64_t value) {
    struct Object {
        std::uint64_t start, size;
        std::string name;
    };
    static std::mutex lock;
    static std::map<std::string, std::vector<Object>> cache;
    std::lock_guard<std::mutex> guard(lock);
    auto it = cache.find(path);
    if (it == cache.end()) {
        std::vector<Object> objects;
        if (ElfDescriptor file = ElfDescriptor::open_file(path)) {
            Elf* elf = file.get();
            for (Elf_Scn* scn = elf_nextscn(elf, nullptr); scn; scn = elf_nextscn(elf, scn)) {
                GElf_Shdr sh;
                if (!gelf_getshdr(scn, &sh) || (sh.sh_type != SHT_SYMTAB && sh.sh_type != SHT_DYNSYM) || !sh.sh_entsize)
                    continue;
                Elf_Data* data = elf_getdata(scn, nullptr);
                for (std::size_t i = 0; data && i < sh.sh_size / sh.sh_entsize; i++) {
                    GElf_Sym sym;
                    if (!gelf_getsym(data, static_cast<int>(i), &sym) || GELF_ST_TYPE(sym.st_info) != STT_OBJECT ||
                        sym.st_size == 0)
                        continue;
                    if (const char* n = elf_strptr(elf, sh.sh_link, sym.st_name); n && *n)
                        objects.push_back({sym.st_value, sym.st_size, n});
                }
            }
        }
        std::sort(objects.begin(), objects.end(), [](const Object& a, const Object& b) { return a.start < b.start; });
        it = cache.emplace(path, std::move(objects)).first;
    }
    for (const auto& o : it->second)
        if (value >= o.start && value < o.start + o.size) return o.name;
    return std::nullopt;
}

std::optional<std::uint64_t> loaded_symbol_address(ProcessMap mappings, const std::string& path,
                                                   const std::string& name) {
    auto base = mappings.module_base(path);
    auto value = base ? symbol_address(path, name) : std::nullopt;
    if (!value) return std::nullopt;
    return *base - read_module_file(path).link_base + *value;
}

}  // namespace coroner
