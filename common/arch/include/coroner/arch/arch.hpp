// What differs per CPU of the *analysed* process (not of the machine coroner runs on): where the kernel's
// core notes keep its registers and what they are called, which addresses it can have, how its
// instructions decode, and how its language runtimes lay out what coroner reads. One `Arch` per CPU:
// x86-64 (arch/x86_64.cpp) and AArch64 (arch/aarch64.cpp). A new CPU is a new arch/<cpu>.cpp and its row in
// arch/arches.cpp. Nothing outside arch/ assumes a CPU: it asks the process's `Arch`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace coroner {

// A memory operand, `base + index * scale + displacement`, with its registers by name.
struct MemoryOperand {
    std::optional<std::string> base;  // nothing for an absolute address
    bool pc_relative = false;         // the base is the program counter (`base` then names it)
    std::optional<std::string> index;
    std::uint64_t scale = 1;
    std::int64_t displacement = 0;
    bool read = false;  // the instruction reads through it (otherwise it writes)
};

// Where a control transfer sends the program counter, as its instruction says: one of the three.
struct TransferTarget {
    std::optional<std::uint64_t> immediate;  // a fixed address
    std::optional<std::string> reg;          // a register's value
    std::optional<MemoryOperand> memory;     // a word in memory (for a return: the return address)
};

// One decoded instruction, in no CPU's terms: what the analyses ask of the faulting one.
struct Instruction {
    std::uint64_t address = 0;
    std::size_t size = 0;
    std::string text;                      // mnemonic and operands, in the CPU's usual assembly syntax
    std::vector<MemoryOperand> memory;     // its explicit memory operands, in order
    bool stores_to_stack = false;          // it stores at the stack pointer without saying so (push, call)
    std::optional<std::string> transfer;   // "ret", "call" or "jmp" for a control transfer
    std::optional<TransferTarget> target;  // where that transfer goes, when its operand says
};

// Offsets into the Go runtime's structures that the panic reader walks, as laid out on this CPU.
struct GoRuntimeLayout {
    std::uint64_t g_panic = 0;    // g._panic
    std::uint64_t g_sched = 0;    // g.sched, a gobuf
    std::uint64_t gobuf_bp = 0;   // gobuf.bp, from the gobuf (its sp is the gobuf's first word)
    std::uint64_t panic_arg = 0;  // _panic.arg, an eface {type, data}
    std::uint64_t type_tflag = 0, type_kind = 0, type_str = 0;  // runtime._type's fields
};

// Where a signal frame keeps the interrupted code's registers: offsets from the stack slot that holds the
// handler's return address, which is the start of the signal trampoline `trampoline` (libc's sa_restorer).
struct SignalFrameLayout {
    std::string trampoline;
    std::uint64_t pc = 0, sp = 0, fp = 0;
};

// What a frame pointer points at: the caller's frame pointer, and the return address into the caller.
struct FrameRecord {
    std::uint64_t caller_frame = 0;
    std::uint64_t return_address = 0;
};

class Arch {
public:
    virtual ~Arch() = default;

    std::string name;               // how users know the CPU: "x86-64"
    std::uint16_t elf_machine = 0;  // e_machine of its cores and programs

    // The general-purpose register set of an NT_PRSTATUS note (pr_reg), in the kernel's order.
    std::vector<std::string> prstatus_registers;
    // The registers a debugger is asked for in a live process (a core's come from its notes).
    std::vector<std::string> debugger_registers;
    // The program counter, the stack pointer and the frame pointer, by name.
    std::string pc, sp, fp;
    // Names for the low 32 bits of wider registers ({wide, narrow}), which the decoder's operands use too.
    std::vector<std::pair<std::string, std::string>> low32_names;

    std::uint64_t user_space_top = 0;      // the highest address user space can map
    std::uint64_t heap_randomization = 0;  // how far past the program's end Linux may start its heap (brk)
    // A SIGSEGV the kernel raises (si_code SI_KERNEL) without an address: what the CPU calls that fault.
    std::string fault_without_address;

    std::string trap_instruction;        // what __builtin_trap compiles to (SIGILL)
    std::string breakpoint_instruction;  // what __builtin_debugtrap compiles to (SIGTRAP)
    // Where __builtin_trap raises SIGTRAP rather than SIGILL: the instructions compilers emit for it, as the
    // decoder writes them. A SIGTRAP at one of them is the program's own trap, not a breakpoint.
    std::vector<std::string> trap_breakpoints;
    // How many bytes are read at a pc to decode its instruction (fewer where fewer are readable).
    std::size_t instruction_window = 0;
    // Whether a call leaves the return address at the stack pointer (rather than in a register).
    bool return_address_on_stack = false;
    // The register a call leaves the return address in, where it is not the stack (AArch64's x30).
    std::optional<std::string> link_register;
    FrameRecord frame_record;
    // The sizes a call instruction can have, the commonest first: where to look for the call before a
    // return address.
    std::vector<std::size_t> call_lengths;
    // How a frame pointer is aligned in a frame record (the walk refuses any other).
    std::uint64_t frame_alignment = 8;
    // How a signal handler's frame-pointer chain continues into the code the signal interrupted; nothing
    // where coroner does not know the CPU's signal frame.
    std::optional<SignalFrameLayout> signal_frame;
    GoRuntimeLayout go;

    // Whether an address is one the CPU can use at all (a non-canonical one faults without an address).
    virtual bool canonical(std::uint64_t address) const = 0;
    // The instruction at the start of `bytes`, which are the process's at `address`; nothing when they
    // do not decode.
    virtual std::optional<Instruction> decode(const std::vector<std::uint8_t>& bytes, std::uint64_t address) const = 0;

    // The NT_PRSTATUS registers of one thread by name, with their 32-bit names added.
    std::map<std::string, std::uint64_t> named_registers(const std::vector<std::uint64_t>& prstatus) const;
    // Adds the 32-bit names of the registers present.
    void add_low32_names(std::map<std::string, std::uint64_t>& registers) const;
    // Where a register is in NT_PRSTATUS's set.
    std::size_t prstatus_index(const std::string& register_name) const;
};

// The CPUs whose cores coroner reads; the one of ELF machine `elf_machine`, or nullptr if it reads none.
const std::vector<const Arch*>& supported_arches();
const Arch* arch_for_elf_machine(std::uint16_t elf_machine);
// The CPU of an ELF machine as users know it, with its article, whether coroner reads it or not: "an
// AArch64 (aarch64)", "an i386 (32-bit x86)", "an unknown CPU (ELF machine 4242)".
std::string elf_machine_name(std::uint16_t elf_machine);
// The supported CPUs for a message: "x86-64", "x86-64 and AArch64".
std::string supported_arch_names();

// Each CPU's descriptor (arch/<cpu>.cpp).
const Arch& x86_64_arch();
const Arch& aarch64_arch();

}  // namespace coroner
