// The Go runtime reader over arbitrary memory: runtime.allgs, each goroutine's _panic, the panic value's
// type descriptor and name, its string or error text, and the frame-pointer walk of the goroutine's stack.
// The input is the process's memory at 0xc000000000 (where Go's heap starts), and a small executable
// written once to a file puts the symbols runtime.allgs and runtime.types at the input's first byte.
#include "coroner/analysis/runtimes/go_panic.hpp"

#include "fuzz_support.hpp"

#include <elf.h>

#include <cstdint>
#include <cstring>
#include <vector>

using namespace coroner;

namespace {

constexpr std::uint64_t memory_base = 0xc000000000, link_base = 0x400000;

template <typename T>
void append(std::vector<std::uint8_t>& out, const T& value) {
    auto p = reinterpret_cast<const std::uint8_t*>(&value);
    out.insert(out.end(), p, p + sizeof value);
}

// An ELF executable with one PT_LOAD and a .symtab holding the two symbols go_panic() looks up.
std::vector<std::uint8_t> go_executable() {
    const char strtab[] = "\0runtime.allgs\0runtime.types";
    const char shstrtab[] = "\0.symtab\0.strtab\0.shstrtab";
    std::vector<Elf64_Sym> symbols(3);
    symbols[1] = {1, ELF64_ST_INFO(STB_GLOBAL, STT_OBJECT), 0, SHN_ABS, memory_base, 16};
    symbols[2] = {15, ELF64_ST_INFO(STB_GLOBAL, STT_OBJECT), 0, SHN_ABS, memory_base, 8};
    std::size_t symtab_at = sizeof(Elf64_Ehdr) + sizeof(Elf64_Phdr);
    std::size_t strtab_at = symtab_at + symbols.size() * sizeof(Elf64_Sym);
    std::size_t shstrtab_at = strtab_at + sizeof strtab;
    std::size_t sections_at = (shstrtab_at + sizeof shstrtab + 7) & ~std::size_t{7};

    Elf64_Ehdr eh{};
    std::memcpy(eh.e_ident, ELFMAG, SELFMAG);
    eh.e_ident[EI_CLASS] = ELFCLASS64;
    eh.e_ident[EI_DATA] = ELFDATA2LSB;
    eh.e_ident[EI_VERSION] = EV_CURRENT;
    eh.e_type = ET_EXEC;
    eh.e_machine = EM_X86_64;
    eh.e_version = EV_CURRENT;
    eh.e_phoff = sizeof(Elf64_Ehdr);
    eh.e_shoff = sections_at;
    eh.e_ehsize = sizeof(Elf64_Ehdr);
    eh.e_phentsize = sizeof(Elf64_Phdr);
    eh.e_phnum = 1;
    eh.e_shentsize = sizeof(Elf64_Shdr);
    eh.e_shnum = 4;
    eh.e_shstrndx = 3;
    Elf64_Phdr load{};
    load.p_type = PT_LOAD;
    load.p_vaddr = link_base;
    load.p_filesz = load.p_memsz = sections_at + 4 * sizeof(Elf64_Shdr);
    load.p_flags = PF_R | PF_X;
    std::vector<Elf64_Shdr> sections(4);
    sections[1] = {1, SHT_SYMTAB, 0, 0, symtab_at, symbols.size() * sizeof(Elf64_Sym), 2, 1, 8, sizeof(Elf64_Sym)};
    sections[2] = {9, SHT_STRTAB, 0, 0, strtab_at, sizeof strtab, 0, 0, 1, 0};
    sections[3] = {17, SHT_STRTAB, 0, 0, shstrtab_at, sizeof shstrtab, 0, 0, 1, 0};

    std::vector<std::uint8_t> out;
    append(out, eh);
    append(out, load);
    for (const auto& s : symbols) append(out, s);
    out.insert(out.end(), strtab, strtab + sizeof strtab);
    out.insert(out.end(), shstrtab, shstrtab + sizeof shstrtab);
    out.resize(sections_at, 0);
    for (const auto& s : sections) append(out, s);
    return out;
}

const std::string& executable() {
    static const std::string path = [] {
        const std::string& p = fuzz::scratch_path("go-executable");
        std::vector<std::uint8_t> bytes = go_executable();
        if (!fuzz::write_file(p, bytes.data(), bytes.size())) __builtin_trap();
        return p;
    }();
    return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string& exe = executable();
    fuzz::ByteMemory memory(data, size, memory_base);
    std::vector<Mapping> mappings{{link_base, link_base + 0x1000, 0, true, false, true, exe},
                                  {memory.base(), memory.end(), 0, true, true, false, ""}};
    if (auto panic = go_panic(x86_64_arch(), memory, mappings, exe)) {
        volatile std::size_t sink =
            panic->type.size() + panic->stack.size() + (panic->message ? panic->message->size() : 0);
        (void)sink;
    }
    // At most four reads per goroutine slot the memory holds, one walk of at most 512 frames, one type name.
    fuzz::check_reads(memory, size / 2 + 4096, "go_panic");
    return 0;
}
