// AArch64 (ARMv8-A, 64-bit) on Linux: the ARM servers whose cores are analysed on x86-64 workstations.
#include "coroner/arch/arch.hpp"

#include "capstone_handle.hpp"

#include <capstone/capstone.h>
#include <elf.h>
#include <fmt/format.h>

#include <cstring>
#include <string_view>

namespace coroner {
namespace {

bool starts_with(std::string_view text, std::string_view prefix) { return text.substr(0, prefix.size()) == prefix; }

// Whether the instruction writes memory. Capstone 4 does not say reliably for AArch64, so the mnemonic
// decides: stores (st*), and the atomics that read, change and write (ld<op>, swp, cas), which fault as writes
// on memory that is not writable.
bool writes_memory(std::string_view mnemonic) {
    if (starts_with(mnemonic, "st")) return true;
    if (starts_with(mnemonic, "swp") || starts_with(mnemonic, "cas")) return true;
    for (std::string_view op : {"ldadd", "ldclr", "ldeor", "ldset", "ldsmax", "ldsmin", "ldumax", "ldumin"})
        if (starts_with(mnemonic, op)) return true;
    return false;
}

// `[base, index, lsl #n]`, `[base, #imm]`, `[base, #imm]!` (pre-index) and `[base], #imm` (post-index: the
// access is at base itself, the immediate is added after): the registers are the ones before the faulting
// instruction ran, so the operand as decoded is the address it used. A 32-bit index (uxtw, sxtw) is named by
// its w register; a sign-extended negative index is read as unsigned.
MemoryOperand memory_operand(const Capstone& cs, const cs_arm64_op& op, bool read) {
    MemoryOperand m;
    if (op.mem.base != ARM64_REG_INVALID) m.base = cs.register_name(op.mem.base);
    if (op.mem.index != ARM64_REG_INVALID) {
        m.index = cs.register_name(op.mem.index);
        if (op.shift.type == ARM64_SFT_LSL) m.scale = std::uint64_t{1} << op.shift.value;
    }
    m.displacement = op.mem.disp;
    m.read = read;
    return m;
}

// ret (to x30 unless it names another register), bl/blr (calls), b/br (jumps): where each sends the pc.
void add_branch(const Capstone& cs, const cs_insn& insn, Instruction& out) {
    std::string_view mnemonic = insn.mnemonic;
    const cs_arm64& a64 = insn.detail->arm64;
    if (mnemonic == "ret") {
        out.transfer = "ret";
        std::string reg =
            a64.op_count == 1 && a64.operands[0].type == ARM64_OP_REG ? cs.register_name(a64.operands[0].reg) : "x30";
        out.target = TransferTarget{std::nullopt, reg, std::nullopt};
        return;
    }
    bool call = mnemonic == "bl" || mnemonic == "blr";
    bool jump = mnemonic == "b" || mnemonic == "br";
    if (!call && !jump) return;
    out.transfer = call ? "call" : "jmp";
    if (a64.op_count != 1) return;
    const cs_arm64_op& op = a64.operands[0];
    if (op.type == ARM64_OP_IMM)
        out.target = TransferTarget{static_cast<std::uint64_t>(op.imm), std::nullopt, std::nullopt};
    else if (op.type == ARM64_OP_REG)
        out.target = TransferTarget{std::nullopt, cs.register_name(op.reg), std::nullopt};
}

// What capstone 4 (Debian 12's) does not decode: the ARMv8.1 atomics (LSE: ld<op>, swp, cas), which
// compilers emit for std::atomic with -march=armv8.1-a and later, and udf. Only what the analyses ask: the
// text, and the one memory operand (the base register; these have no offset), which they write.
std::string general_register(std::uint32_t number, bool wide) {
    if (number == 31) return wide ? "xzr" : "wzr";
    return fmt::format("{}{}", wide ? 'x' : 'w', number);
}

std::optional<Instruction> decode_beyond_capstone(std::uint32_t word, std::uint64_t address) {
    Instruction out;
    out.address = address;
    out.size = 4;
    if ((word & 0xffff0000u) == 0) {
        out.text = fmt::format("udf #{:#x}", word & 0xffff);
        return out;
    }
    std::uint32_t size = word >> 30, rs = (word >> 16) & 31, rn = (word >> 5) & 31, rt = word & 31;
    const char* width = size == 0 ? "b" : size == 1 ? "h" : "";
    bool wide = size == 3;
    std::string mnemonic;
    if ((word & 0x3f200c00u) == 0x38200000u) {  // atomic memory operation: size 111000 A R 1 Rs o3 opc 00 Rn Rt
        static const char* const ops[] = {"ldadd", "ldclr", "ldeor", "ldset", "ldsmax", "ldsmin", "ldumax", "ldumin"};
        bool o3 = (word >> 15) & 1;
        std::uint32_t opc = (word >> 12) & 7;
        if (o3 && opc != 0) return std::nullopt;
        bool acquire = (word >> 23) & 1, release = (word >> 22) & 1;
        mnemonic = fmt::format("{}{}{}{}", o3 ? "swp" : ops[opc], acquire ? "a" : "", release ? "l" : "", width);
    } else if ((word & 0x3fa07c00u) == 0x08a07c00u) {  // compare and swap: size 0010001 L 1 Rs o0 11111 Rn Rt
        bool acquire = (word >> 22) & 1, release = (word >> 15) & 1;
        mnemonic = fmt::format("cas{}{}{}", acquire ? "a" : "", release ? "l" : "", width);
    } else {
        return std::nullopt;
    }
    std::string base = rn == 31 ? "sp" : fmt::format("x{}", rn);
    out.text = fmt::format("{} {}, {}, [{}]", mnemonic, general_register(rs, wide), general_register(rt, wide), base);
    MemoryOperand m;
    m.base = base;
    m.read = false;
    out.memory.push_back(m);
    return out;
}

std::vector<std::string> prstatus_names() {
    // struct user_pt_regs (arch/arm64/include/uapi/asm/ptrace.h): regs[31], sp, pc, pstate.
    std::vector<std::string> names;
    for (int i = 0; i <= 30; i++) names.push_back(fmt::format("x{}", i));
    names.insert(names.end(), {"sp", "pc", "pstate"});
    return names;
}

class AArch64 final : public Arch {
public:
    AArch64() {
        name = "AArch64";
        elf_machine = EM_AARCH64;
        prstatus_registers = prstatus_names();
        debugger_registers = prstatus_registers;
        debugger_registers.pop_back();  // pstate: GDB calls it cpsr, LLDB too; nothing reads it
        pc = "pc";
        sp = "sp";
        fp = "x29";
        for (int i = 0; i <= 30; i++) low32_names.emplace_back(fmt::format("x{}", i), fmt::format("w{}", i));
        // 48-bit user space (Linux's default VA_BITS; 52 bits only for a process that maps above 2^48 on
        // request, which then also ends below 2^52).
        user_space_top = 0x0000ffffffffffffULL;
        heap_randomization = (1ull << 30) + (32ull << 20);  // arch_randomize_brk: as on x86-64
        fault_without_address = "fault without an address";
        trap_instruction = "udf";
        breakpoint_instruction = "brk";
        // GCC's __builtin_trap is brk #0x3e8, Clang's (and Rust's abort) brk #0x1; debuggers' breakpoints are
        // brk #0 (GDB) and brk #0xf000 (LLDB, Clang's __builtin_debugtrap).
        trap_breakpoints = {"brk #0x3e8", "brk #0x1"};
        instruction_window = 4;           // every instruction is 4 bytes
        return_address_on_stack = false;  // bl leaves it in x30
        link_register = "x30";
        frame_record = {0, 8};  // a frame record: the caller's x29, then x30 (the return address)
        call_lengths = {4};     // bl, blr
        frame_alignment = 16;   // the stack pointer, and so a frame record, is 16-byte aligned
        // Go's arm64 runtime lays out g, gobuf, _panic and _type as on amd64 (8-byte words everywhere).
        go = {32, 56, 48, 8, 20, 23, 40};
    }

    // Top-byte-ignore: Linux enables TBI for user space, so bits 56-63 of a user pointer are a tag the CPU
    // does not translate. Without the tag, a user address is below 2^52 (the widest user space); the kernel's
    // half is sign-extended from bit 55.
    bool canonical(std::uint64_t address) const override {
        std::uint64_t untagged = address & 0x00ffffffffffffffULL;
        bool kernel_half = (untagged >> 55) & 1;
        return kernel_half ? untagged >= 0x00f0000000000000ULL : untagged < (1ull << 52);
    }

    std::optional<Instruction> decode(const std::vector<std::uint8_t>& bytes, std::uint64_t address) const override {
        Capstone cs(CS_ARCH_ARM64, CS_MODE_ARM);
        if (!cs.ok || bytes.size() < 4) return std::nullopt;
        cs_insn* insn = nullptr;
        std::size_t count = cs.disasm(bytes.data(), 4, address, &insn);
        if (count == 0) {
            std::uint32_t word = 0;
            std::memcpy(&word, bytes.data(), 4);  // little-endian, as the host
            return decode_beyond_capstone(word, address);
        }
        Instruction out;
        out.address = insn->address;
        out.size = insn->size;
        out.text = instruction_text(*insn);
        const cs_arm64& a64 = insn->detail->arm64;
        bool read = !writes_memory(insn->mnemonic);
        for (int i = 0; i < a64.op_count; i++)
            if (a64.operands[i].type == ARM64_OP_MEM) out.memory.push_back(memory_operand(cs, a64.operands[i], read));
        add_branch(cs, *insn, out);
        cs.free(insn, count);
        return out;
    }
};

}  // namespace

const Arch& aarch64_arch() {
    static const AArch64 arch;
    return arch;
}

}  // namespace coroner
