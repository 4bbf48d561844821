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

namespace {

// An AArch64 instruction's 4 bytes, little-endian, from its encoding as objdump prints it.
std::vector<std::uint8_t> a64(std::uint32_t encoding) {
    return {static_cast<std::uint8_t>(encoding), static_cast<std::uint8_t>(encoding >> 8),
            static_cast<std::uint8_t>(encoding >> 16), static_cast<std::uint8_t>(encoding >> 24)};
}

MemoryOperand only_operand(const std::optional<Instruction>& insn) {
    REQUIRE(insn);
    REQUIRE(insn->memory.size() == 1);
    return insn->memory[0];
}

}  // namespace

TEST_CASE("AArch64: user_pt_regs, 48-bit user space, tagged pointers") {
    const Arch& arm = aarch64_arch();
    CHECK(arm.elf_machine == EM_AARCH64);
    REQUIRE(arm.prstatus_registers.size() == 34);
    CHECK(arm.prstatus_index("x0") == 0);
    CHECK(arm.prstatus_index("x30") == 30);
    CHECK(arm.prstatus_index("sp") == 31);
    CHECK(arm.prstatus_index("pc") == 32);
    CHECK(arm.fp == "x29");
    CHECK_FALSE(arm.return_address_on_stack);
    CHECK(arm.canonical(0x0000ffffffffffffULL));
    CHECK(arm.canonical(0xb400ffffa0001000ULL));        // a tagged heap pointer (top byte: MTE / HWASan tag)
    CHECK(arm.canonical(0xffff000008000000ULL));        // the kernel's half
    CHECK_FALSE(arm.canonical(0x0010000000000000ULL));  // above the widest (52-bit) user space
    CHECK_FALSE(arm.canonical(0x0080000000000000ULL));  // bit 55 set, the bits below it not
    std::vector<std::uint64_t> prstatus(34, 0);
    prstatus[2] = 0xaaaabbbbccccddddULL;
    prstatus[32] = 0x400580;
    auto named = arm.named_registers(prstatus);
    CHECK(named["pc"] == 0x400580);
    CHECK(named["w2"] == 0xccccddddULL);
}

TEST_CASE("AArch64 loads and stores decode to the register that held the address") {
    const Arch& arm = aarch64_arch();
    auto load = arm.decode(a64(0xf9400c20), 0x400000);  // ldr x0, [x1, #24]
    auto m = only_operand(load);
    CHECK(load->text == "ldr x0, [x1, #0x18]");
    CHECK(load->size == 4);
    CHECK(m.base == "x1");
    CHECK(m.displacement == 24);
    CHECK(m.read);

    m = only_operand(arm.decode(a64(0xb9000062), 0x400000));  // str w2, [x3]
    CHECK(m.base == "x3");
    CHECK_FALSE(m.read);

    m = only_operand(arm.decode(a64(0xf8627820), 0x400000));  // ldr x0, [x1, x2, lsl #3]
    CHECK(m.base == "x1");
    CHECK(m.index == "x2");
    CHECK(m.scale == 8);

    m = only_operand(arm.decode(a64(0xb8625820), 0x400000));  // ldr w0, [x1, w2, uxtw #2]
    CHECK(m.index == "w2");
    CHECK(m.scale == 4);

    m = only_operand(arm.decode(a64(0xa9ff7bfd), 0x400000));  // ldp x29, x30, [sp, #-16]!  (pre-index)
    CHECK(m.base == "sp");
    CHECK(m.displacement == -16);
    CHECK(m.read);

    m = only_operand(arm.decode(a64(0xa9010440), 0x400000));  // stp x0, x1, [x2, #16]
    CHECK(m.base == "x2");
    CHECK(m.displacement == 16);
    CHECK_FALSE(m.read);

    m = only_operand(arm.decode(a64(0xf8408420), 0x400000));  // ldr x0, [x1], #8  (post-index: at x1)
    CHECK(m.base == "x1");
    CHECK(m.displacement == 0);

    m = only_operand(arm.decode(a64(0xf8008c20), 0x400000));  // str x0, [x1, #8]!
    CHECK(m.displacement == 8);
    CHECK_FALSE(m.read);

    m = only_operand(arm.decode(a64(0xf85f8020), 0x400000));  // ldur x0, [x1, #-8]
    CHECK(m.displacement == -8);
}

TEST_CASE("AArch64 exclusive and atomic forms: loads read, stores and read-modify-writes write") {
    const Arch& arm = aarch64_arch();
    auto m = only_operand(arm.decode(a64(0xc85f7c80), 0x400000));  // ldxr x0, [x4]
    CHECK(m.base == "x4");
    CHECK(m.read);
    m = only_operand(arm.decode(a64(0xc805fc80), 0x400000));  // stlxr w5, x0, [x4]
    CHECK(m.base == "x4");
    CHECK_FALSE(m.read);
    m = only_operand(arm.decode(a64(0xb8210062), 0x400000));  // ldadd w1, w2, [x3]
    CHECK(m.base == "x3");
    CHECK_FALSE(m.read);
    m = only_operand(arm.decode(a64(0xc8e0fcc1), 0x400000));  // casal x0, x1, [x6]
    CHECK(m.base == "x6");
    CHECK_FALSE(m.read);
}

TEST_CASE("AArch64 control transfers: ret through x30, calls and jumps by register or offset; brk and udf") {
    const Arch& arm = aarch64_arch();
    auto ret = arm.decode(a64(0xd65f03c0), 0x400000);
    REQUIRE(ret);
    CHECK(ret->transfer == "ret");
    REQUIRE(ret->target);
    CHECK(ret->target->reg == "x30");
    auto blr = arm.decode(a64(0xd63f0100), 0x400000);  // blr x8
    REQUIRE(blr);
    CHECK(blr->transfer == "call");
    CHECK(blr->target->reg == "x8");
    auto bl = arm.decode(a64(0x94000040), 0x400044);  // bl .+0x100
    REQUIRE(bl);
    CHECK(bl->transfer == "call");
    CHECK(bl->target->immediate == 0x400144);
    auto br = arm.decode(a64(0xd61f0120), 0x400000);  // br x9
    REQUIRE(br);
    CHECK(br->transfer == "jmp");
    auto b = arm.decode(a64(0x17fffff8), 0x40004c);  // b .-0x20
    REQUIRE(b);
    CHECK(b->target->immediate == 0x40002c);
    auto trap = arm.decode(a64(0xd4207d00), 0x400000);  // brk #0x3e8: GCC's __builtin_trap
    REQUIRE(trap);
    CHECK(trap->text == "brk #0x3e8");
    CHECK(trap->memory.empty());
    CHECK_FALSE(trap->transfer);
    auto udf = arm.decode(a64(0x00000000), 0x400000);
    REQUIRE(udf);
    CHECK(udf->text.rfind("udf", 0) == 0);
    CHECK(arm.decode({0x20, 0x0c}, 0x400000) == std::nullopt);  // fewer than 4 bytes
}

TEST_CASE("ELF machines are named for users, and x86-64 and AArch64 are read") {
    CHECK(arch_for_elf_machine(EM_AARCH64) == &aarch64_arch());
    CHECK(arch_for_elf_machine(EM_386) == nullptr);
    CHECK(elf_machine_name(EM_AARCH64) == "an AArch64 (aarch64)");
    CHECK(elf_machine_name(EM_386) == "an i386 (32-bit x86)");
    CHECK(elf_machine_name(4242) == "an unknown CPU (ELF machine 4242)");
    CHECK(supported_arch_names() == "x86-64 and AArch64");
}

TEST_CASE("a core of another CPU is refused in one line that names its CPU, not half-read") {
    auto bytes = x86_core();
    REQUIRE(ElfCore::from_bytes(bytes, "x86.core")->arch().name == "x86-64");

    put16(bytes, offsetof(Elf64_Ehdr, e_machine), EM_RISCV);
    CHECK(refusal(bytes) ==
          "core file other.core is of a RISC-V (riscv) process; coroner reads x86-64 and AArch64 cores only");

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
