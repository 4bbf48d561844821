// The architecture descriptor: what coroner knows of x86-64, and how a core of another CPU is told apart.
#include "coroner/arch/arch.hpp"
#include "coroner/base/error.hpp"
#include "coroner/core/elf_core.hpp"

#include "../support/core_builder.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>

using namespace coroner;

namespace {

bool has(const std::vector<std::string>& names, const std::string& name) {
    return std::find(names.begin(), names.end(), name) != names.end();
}

std::vector<std::uint8_t> x86_core() {
    test::CoreBuilder b;
    b.thread(7, 0x401136, 0x7ffc0000f000)
        .siginfo(11, 1, 0x18)
        .segment(0x400000, std::vector<std::uint8_t>(4096, 1), PF_R);
    return b.build();
}

void put16(std::vector<std::uint8_t>& bytes, std::size_t at, std::uint16_t value, bool big_endian = false) {
    if (big_endian) value = static_cast<std::uint16_t>(value >> 8 | value << 8);
    std::memcpy(bytes.data() + at, &value, 2);
}

std::string refusal(const std::vector<std::uint8_t>& bytes) {
    try {
        ElfCore::from_bytes(bytes, "other.core");
    } catch (const UserError& e) {
        return e.what();
    }
    return "(accepted)";
}

}  // namespace

TEST_CASE("every CPU's descriptor names its pc, sp and frame pointer among the registers of its core notes") {
    REQUIRE_FALSE(supported_arches().empty());
    for (const Arch* arch : supported_arches()) {
        CAPTURE(arch->name);
        CHECK(arch_for_elf_machine(arch->elf_machine) == arch);
        for (const std::string& name : {arch->pc, arch->sp, arch->fp}) CHECK(has(arch->prstatus_registers, name));
        for (const std::string& name : arch->debugger_registers) CHECK(has(arch->prstatus_registers, name));
        for (const auto& [wide, narrow] : arch->low32_names) CHECK(has(arch->prstatus_registers, wide));
        CHECK(arch->instruction_window > 0);
        CHECK(arch->canonical(0));
        CHECK(arch->canonical(arch->user_space_top));
    }
}

TEST_CASE("x86-64: user_regs_struct, 47-bit user space and sign-extended canonical addresses") {
    const Arch& x86 = x86_64_arch();
    CHECK(x86.elf_machine == EM_X86_64);
    REQUIRE(x86.prstatus_registers.size() == 27);
    CHECK(x86.prstatus_index("rip") == 16);
    CHECK(x86.prstatus_index("rsp") == 19);
    CHECK(x86.user_space_top == 0x00007fffffffffffULL);
    CHECK_FALSE(x86.canonical(0x0000800000000000ULL));
    CHECK_FALSE(x86.canonical(0xffff7fffffffffffULL));
    CHECK_FALSE(x86.canonical(0x8000deadbeef0000ULL));
    CHECK(x86.canonical(0xffff800000000000ULL));
    CHECK(x86.canonical(0xffffffffff600000ULL));  // the vsyscall page

    std::vector<std::uint64_t> prstatus(27, 0);
    prstatus[16] = 0x401136;
    prstatus[10] = 0x1122334455667788ULL;  // rax
    auto named = x86.named_registers(prstatus);
    CHECK(named["rip"] == 0x401136);
    CHECK(named["eax"] == 0x55667788);
    CHECK(named.count("orig_rax") == 1);
}

TEST_CASE("x86-64 decodes into operands in no CPU's terms") {
    const Arch& x86 = x86_64_arch();
    auto load = x86.decode({0x48, 0x8b, 0x40, 0x18}, 0x401000);  // mov rax, qword ptr [rax + 0x18]
    REQUIRE(load);
    CHECK(load->text == "mov rax, qword ptr [rax + 0x18]");
    CHECK(load->size == 4);
    REQUIRE(load->memory.size() == 1);
    CHECK(load->memory[0].base == "rax");
    CHECK(load->memory[0].displacement == 0x18);
    CHECK(load->memory[0].read);
    CHECK_FALSE(load->transfer);

    auto ret = x86.decode({0xc3}, 0x401000);
    REQUIRE(ret);
    CHECK(ret->transfer == "ret");
    REQUIRE(ret->target);
    REQUIRE(ret->target->memory);
    CHECK(ret->target->memory->base == x86.sp);  // the return address is at the stack pointer

    auto jump = x86.decode({0xff, 0x25, 0x10, 0, 0, 0}, 0x401000);  // jmp qword ptr [rip + 0x10]
    REQUIRE(jump);
    CHECK(jump->transfer == "jmp");
    REQUIRE(jump->target);
    REQUIRE(jump->target->memory);
    CHECK(jump->target->memory->pc_relative);

    auto push = x86.decode({0x55}, 0x401000);  // push rbp
    REQUIRE(push);
    CHECK(push->stores_to_stack);
    CHECK(push->memory.empty());

    CHECK(x86.decode({0x06}, 0x401000) == std::nullopt);  // push es: no such instruction in 64-bit mode
}

TEST_CASE("ELF machines are named for users, and only x86-64 is read") {
    CHECK(arch_for_elf_machine(EM_AARCH64) == nullptr);
    CHECK(arch_for_elf_machine(EM_386) == nullptr);
    CHECK(elf_machine_name(EM_AARCH64) == "an AArch64 (aarch64)");
    CHECK(elf_machine_name(EM_386) == "an i386 (32-bit x86)");
    CHECK(elf_machine_name(4242) == "an unknown CPU (ELF machine 4242)");
    CHECK(supported_arch_names() == "x86-64");
}

TEST_CASE("a core of another CPU is refused in one line that names its CPU, not half-read") {
    auto bytes = x86_core();
    REQUIRE(ElfCore::from_bytes(bytes, "x86.core")->arch().name == "x86-64");

    put16(bytes, offsetof(Elf64_Ehdr, e_machine), EM_AARCH64);
    CHECK(refusal(bytes) == "core file other.core is of an AArch64 (aarch64) process; coroner reads x86-64 cores only");

    auto i386 = x86_core();
    i386[EI_CLASS] = ELFCLASS32;
    put16(i386, offsetof(Elf64_Ehdr, e_machine), EM_386);
    CHECK(refusal(i386).find("is of an i386 (32-bit x86) process") != std::string::npos);

    // A big-endian core (IBM Z): its type and machine are read in its byte order.
    auto s390 = x86_core();
    s390[EI_DATA] = ELFDATA2MSB;
    put16(s390, offsetof(Elf64_Ehdr, e_type), ET_CORE, true);
    put16(s390, offsetof(Elf64_Ehdr, e_machine), EM_S390, true);
    CHECK(refusal(s390).find("is of an IBM Z (s390x) process") != std::string::npos);

    // x86-64's machine with 32-bit pointers (x32) is not read either, and says why.
    auto x32 = x86_core();
    x32[EI_CLASS] = ELFCLASS32;
    CHECK(refusal(x32).find("not a 64-bit little-endian core") != std::string::npos);
}

TEST_CASE("a core's crashing registers are named by its CPU's descriptor") {
    auto core = ElfCore::from_bytes(x86_core(), "x86.core");
    ProcessFacts facts = core->facts();
    CHECK(facts.crash_pc == 0x401136u);
    CHECK(facts.crash_registers.at("rip") == 0x401136u);
    CHECK(facts.crash_registers.at("rsp") == 0x7ffc0000f000u);
    CHECK(facts.crash_registers.at("esp") == 0x0000f000u);
}
