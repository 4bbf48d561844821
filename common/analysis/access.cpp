#include "coroner/analysis/access.hpp"

namespace coroner {
namespace {

std::optional<std::uint64_t> value_of(const std::map<std::string, std::uint64_t>& registers,
                                      const std::optional<std::string>& name) {
    if (!name) return std::nullopt;
    auto it = registers.find(*name);
    if (it == registers.end()) return std::nullopt;
    return it->second;
}

// Where a return, call or jump was sending the program counter, when its operand can be evaluated.
std::optional<std::uint64_t> transfer_target(MemoryReader& memory,
                                             const std::map<std::string, std::uint64_t>& registers,
                                             const Instruction& insn, const TransferTarget& target) {
    if (target.immediate) return target.immediate;
    if (target.reg) return value_of(registers, target.reg);
    if (!target.memory) return std::nullopt;
    const MemoryOperand& m = *target.memory;
    auto base = !m.base         ? std::optional<std::uint64_t>(0)
                : m.pc_relative ? std::optional<std::uint64_t>(insn.address + insn.size)
                                : value_of(registers, m.base);
    if (!base) return std::nullopt;
    return read_u64(memory, *base + static_cast<std::uint64_t>(m.displacement));
}

}  // namespace

std::optional<FaultingAccess> decode_faulting_access(const Arch& arch, MemoryReader& memory, std::uint64_t pc,
                                                     const std::map<std::string, std::uint64_t>& registers,
                                                     std::optional<std::uint64_t> fault) {
    // Near the end of a mapping fewer bytes than the window may be readable.
    std::optional<std::vector<std::uint8_t>> bytes;
    for (std::size_t size = arch.instruction_window; size > 0 && !bytes; size /= 2) bytes = memory.read(pc, size);
    if (!bytes) return std::nullopt;
    std::optional<Instruction> insn = arch.decode(*bytes, pc);
    if (!insn) return std::nullopt;
    FaultingAccess result;
    result.instruction = insn->text;
    const MemoryOperand* chosen = nullptr;
    for (const MemoryOperand& op : insn->memory) {
        if (!chosen) chosen = &op;
        // Several memory operands (movs, cmps): take the one whose address is the fault address.
        auto base = value_of(registers, op.base);
        auto index = value_of(registers, op.index);
        if (fault && base) {
            std::uint64_t address =
                *base + static_cast<std::uint64_t>(op.displacement) + (index ? *index * op.scale : 0);
            if (address <= *fault && *fault - address < 64) chosen = &op;
        }
    }
    if (chosen) {
        result.access = chosen->read ? Access::read : Access::write;
        if (chosen->base && !chosen->pc_relative) {
            result.base_register = *chosen->base;
            result.base_value = value_of(registers, chosen->base);
        }
        auto base = !chosen->base         ? std::optional<std::uint64_t>(0)
                    : chosen->pc_relative ? std::optional<std::uint64_t>(pc + insn->size)
                                          : value_of(registers, chosen->base);
        auto index = value_of(registers, chosen->index);
        if (base && (index || !chosen->index))
            result.address =
                *base + static_cast<std::uint64_t>(chosen->displacement) + (index ? *index * chosen->scale : 0);
    } else if (insn->stores_to_stack) {
        result.access = Access::write;
        result.base_register = arch.sp;
        result.base_value = value_of(registers, arch.sp);
    }
    if (insn->transfer) {
        result.transfer = insn->transfer;
        if (insn->target) result.target = transfer_target(memory, registers, *insn, *insn->target);
    }
    return result;
}

}  // namespace coroner
