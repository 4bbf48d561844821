// The table of CPUs coroner reads (a new one is a row here), and what every descriptor does alike.
#include "coroner/arch/arch.hpp"

#include <elf.h>
#include <fmt/format.h>

#include <algorithm>

namespace coroner {

const std::vector<const Arch*>& supported_arches() {
    static const std::vector<const Arch*> arches{&x86_64_arch(), &aarch64_arch()};
    return arches;
}

const Arch* arch_for_elf_machine(std::uint16_t elf_machine) {
    for (const Arch* arch : supported_arches())
        if (arch->elf_machine == elf_machine) return arch;
    return nullptr;
}

std::string elf_machine_name(std::uint16_t elf_machine) {
    // The CPUs Linux runs on that a core is most likely to come from.
    static const std::map<std::uint16_t, const char*> names{
        {EM_X86_64, "an x86-64"},           {EM_AARCH64, "an AArch64 (aarch64)"},
        {EM_386, "an i386 (32-bit x86)"},   {EM_ARM, "a 32-bit ARM (arm)"},
        {EM_RISCV, "a RISC-V (riscv)"},     {EM_PPC64, "a 64-bit PowerPC (ppc64)"},
        {EM_PPC, "a 32-bit PowerPC (ppc)"}, {EM_S390, "an IBM Z (s390x)"},
        {EM_MIPS, "a MIPS (mips)"},         {EM_LOONGARCH, "a LoongArch (loongarch64)"},
        {EM_SPARCV9, "a SPARC (sparc64)"}};
    auto it = names.find(elf_machine);
    return it != names.end() ? it->second : fmt::format("an unknown CPU (ELF machine {})", elf_machine);
}

std::string supported_arch_names() {
    std::string names;
    const auto& arches = supported_arches();
    for (std::size_t i = 0; i < arches.size(); i++) {
        if (i > 0) names += i + 1 == arches.size() ? " and " : ", ";
        names += arches[i]->name;
    }
    return names;
}

std::map<std::string, std::uint64_t> Arch::named_registers(const std::vector<std::uint64_t>& prstatus) const {
    std::map<std::string, std::uint64_t> registers;
    for (std::size_t i = 0; i < prstatus.size() && i < prstatus_registers.size(); i++)
        registers[prstatus_registers[i]] = prstatus[i];
    add_low32_names(registers);
    return registers;
}

void Arch::add_low32_names(std::map<std::string, std::uint64_t>& registers) const {
    for (const auto& [wide, narrow] : low32_names)
        if (auto it = registers.find(wide); it != registers.end()) registers[narrow] = it->second & 0xffffffffu;
}

std::size_t Arch::prstatus_index(const std::string& register_name) const {
    return static_cast<std::size_t>(std::find(prstatus_registers.begin(), prstatus_registers.end(), register_name) -
                                    prstatus_registers.begin());
}

}  // namespace coroner
