// x86-64 (AMD64) on Linux: the only CPU coroner reads today.
#include "coroner/arch/arch.hpp"

#include "capstone_handle.hpp"

#include <capstone/capstone.h>
#include <elf.h>
#include <fmt/format.h>

#include <cstring>

namespace coroner {
namespace {

MemoryOperand memory_operand(const Capstone& cs, const cs_x86_op& op) {
    MemoryOperand m;
    if (op.mem.base != X86_REG_INVALID) m.base = cs.register_name(op.mem.base);
    m.pc_relative = op.mem.base == X86_REG_RIP;
    if (op.mem.index != X86_REG_INVALID) m.index = cs.register_name(op.mem.index);
    m.scale = static_cast<std::uint64_t>(op.mem.scale);
    m.displacement = op.mem.disp;
    m.read = (op.access & CS_AC_READ) != 0;
    return m;
}

// For ret, call and jmp: the transfer, and where its operand sends the program counter.
void add_control_transfer(const Capstone& cs, const cs_insn& insn, Instruction& out) {
    std::string mnemonic = insn.mnemonic;
    if (mnemonic.rfind("ret", 0) == 0) {
        out.transfer = "ret";
        MemoryOperand return_address;  // the word the call pushed, at the stack pointer
        return_address.base = "rsp";
        return_address.read = true;
        out.target = TransferTarget{std::nullopt, std::nullopt, return_address};
        return;
    }
    if (mnemonic != "call" && mnemonic != "jmp") return;
    out.transfer = mnemonic;
    const cs_x86& x86 = insn.detail->x86;
    if (x86.op_count != 1) return;
    const cs_x86_op& op = x86.operands[0];
    if (op.type == X86_OP_IMM)
        out.target = TransferTarget{static_cast<std::uint64_t>(op.imm), std::nullopt, std::nullopt};
    else if (op.type == X86_OP_REG)
        out.target = TransferTarget{std::nullopt, cs.register_name(op.reg), std::nullopt};
    else if (op.type == X86_OP_MEM && op.mem.index == X86_REG_INVALID)
        out.target = TransferTarget{std::nullopt, std::nullopt, memory_operand(cs, op)};
}

class X86_64 final : public Arch {
public:
    X86_64() {
        name = "x86-64";
        elf_machine = EM_X86_64;
        // struct user_regs_struct (arch/x86/include/asm/user_64.h).
        prstatus_registers = {"r15",    "r14", "r13", "r12",     "rbp",     "rbx", "r11",      "r10", "r9",
                              "r8",     "rax", "rcx", "rdx",     "rsi",     "rdi", "orig_rax", "rip", "cs",
                              "eflags", "rsp", "ss",  "fs_base", "gs_base", "ds",  "es",       "fs",  "gs"};
        debugger_registers = {"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp", "r8",
                              "r9",  "r10", "r11", "r12", "r13", "r14", "r15", "rip", "eflags"};
        pc = "rip";
        sp = "rsp";
        fp = "rbp";
        low32_names = {{"rax", "eax"},  {"rbx", "ebx"},  {"rcx", "ecx"},  {"rdx", "edx"},
                       {"rsi", "esi"},  {"rdi", "edi"},  {"rbp", "ebp"},  {"rsp", "esp"},
                       {"r8", "r8d"},   {"r9", "r9d"},   {"r10", "r10d"}, {"r11", "r11d"},
                       {"r12", "r12d"}, {"r13", "r13d"}, {"r14", "r14d"}, {"r15", "r15d"}};
        user_space_top = 0x00007fffffffffffULL;             // 47 bits: 4-level paging (5-level only on request)
        heap_randomization = (1ull << 30) + (32ull << 20);  // arch_randomize_brk: 1 GiB since Linux 5.18, 32 MiB before
        fault_without_address = "general protection fault";
        trap_instruction = "ud2";
        breakpoint_instruction = "int3";
        instruction_window = 16;  // an instruction is at most 15 bytes
        return_address_on_stack = true;
        frame_record = {0, 8};  // push rbp; mov rbp, rsp: the saved rbp, above it the return address
        // call rel32 (5), call *disp32(%rip) (6), call *%reg (2, 3 with REX), call *disp8(%reg) (3, 4),
        // call *disp32(%reg, index) (7).
        call_lengths = {5, 6, 2, 3, 7, 4};
        // struct rt_sigframe {pretcode; ucontext uc {uc_flags, uc_link, uc_stack (24 bytes), mcontext gregs[]}}
        // (arch/x86/include/asm/sigframe.h); gregs: r8..r15, rdi, rsi, rbp (10), rbx, rdx, rax, rcx, rsp (15),
        // rip (16). The slot is pretcode: gregs start 48 bytes above it.
        signal_frame = SignalFrameLayout{"__restore_rt", 48 + 16 * 8, 48 + 15 * 8, 48 + 10 * 8};
        // Go's amd64 runtime, unchanged since Go 1.5 for g and since Go 1.17 for type names:
        // g {stack{lo, hi}; stackguard0; stackguard1; _panic; _defer; m; sched gobuf{sp, pc, g, ctxt, ret,
        // lr, bp}}; _panic {argp; arg eface{typ, data}; ...}; _type {size; ptrdata; hash; tflag; align;
        // fieldAlign; kind; equal; gcdata; str}.
        go = {32, 56, 48, 8, 20, 23, 40};
    }

    // 48-bit virtual addresses, sign-extended: the lower half up to user_space_top, the kernel's upper half.
    bool canonical(std::uint64_t address) const override {
        return address <= user_space_top || address >= ~user_space_top;
    }

    std::optional<Instruction> decode(const std::vector<std::uint8_t>& bytes, std::uint64_t address) const override {
        Capstone cs(CS_ARCH_X86, CS_MODE_64);
        if (!cs.ok) return std::nullopt;
        cs_insn* insn = nullptr;
        std::size_t count = cs.disasm(bytes.data(), bytes.size(), address, &insn);
        if (count == 0) return std::nullopt;
        Instruction out;
        out.address = insn->address;
        out.size = insn->size;
        out.text = instruction_text(*insn);
        const cs_x86& x86 = insn->detail->x86;
        for (int i = 0; i < x86.op_count; i++)
            if (x86.operands[i].type == X86_OP_MEM) out.memory.push_back(memory_operand(cs, x86.operands[i]));
        out.stores_to_stack = std::strcmp(insn->mnemonic, "push") == 0 || std::strcmp(insn->mnemonic, "call") == 0;
        add_control_transfer(cs, *insn, out);
        cs.free(insn, count);
        return out;
    }
};

}  // namespace

const Arch& x86_64_arch() {
    static const X86_64 arch;
    return arch;
}

}  // namespace coroner
