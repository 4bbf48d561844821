#include "coroner/analysis/access.hpp"

#include <capstone/capstone.h>

#include <fmt/format.h>

#include <cstring>

namespace coroner {
namespace {

struct Capstone {
    csh handle = 0;
    bool ok = false;
    Capstone() {
        ok = cs_open(CS_ARCH_X86, CS_MODE_64, &handle) == CS_ERR_OK &&
             cs_option(handle, CS_OPT_DETAIL, CS_OPT_ON) == CS_ERR_OK;
    }
    ~Capstone() {
        if (ok) cs_close(&handle);
    }
};

std::optional<std::uint64_t> value_of(const std::map<std::string, std::uint64_t>& registers, const char* name) {
    if (!name) return std::nullopt;
    auto it = registers.find(name);
    if (it == registers.end()) return std::nullopt;
    return it->second;
}

// For ret, call and jmp: where the instruction was sending the program counter.
void add_control_transfer(MemoryReader& memory, const std::map<std::string, std::uint64_t>& registers, csh handle,
                          const cs_insn& insn, FaultingAccess& result) {
    std::string mnemonic = insn.mnemonic;
    if (mnemonic.rfind("ret", 0) == 0) {
        result.transfer = "ret";
        if (auto sp = value_of(registers, "rsp")) result.target = read_u64(memory, *sp);
        return;
    }
    if (mnemonic != "call" && mnemonic != "jmp") return;
    result.transfer = mnemonic;
    const cs_x86& x86 = insn.detail->x86;
    if (x86.op_count != 1) return;
    const cs_x86_op& op = x86.operands[0];
    if (op.type == X86_OP_IMM) {
        result.target = static_cast<std::uint64_t>(op.imm);
    } else if (op.type == X86_OP_REG) {
        result.target = value_of(registers, cs_reg_name(handle, op.reg));
    } else if (op.type == X86_OP_MEM && op.mem.index == X86_REG_INVALID) {
        auto base = op.mem.base == X86_REG_INVALID ? std::optional<std::uint64_t>(0)
                    : op.mem.base == X86_REG_RIP   ? std::optional<std::uint64_t>(insn.address + insn.size)
                                                   : value_of(registers, cs_reg_name(handle, op.mem.base));
        if (base) result.target = read_u64(memory, *base + static_cast<std::uint64_t>(op.mem.disp));
    }
}

}  // namespace

std::optional<FaultingAccess> decode_faulting_access(MemoryReader& memory, std::uint64_t pc,
                                                     const std::map<std::string, std::uint64_t>& registers,
                                                     std::optional<std::uint64_t> fault) {
    // x86 instructions are at most 15 bytes; near the end of a mapping fewer may be readable.
    std::optional<std::vector<std::uint8_t>> bytes;
    for (std::size_t size = 16; size > 0 && !bytes; size /= 2) bytes = memory.read(pc, size);
    if (!bytes) return std::nullopt;
    Capstone cs;
    if (!cs.ok) return std::nullopt;
    cs_insn* insn = nullptr;
    std::size_t count = cs_disasm(cs.handle, bytes->data(), bytes->size(), pc, 1, &insn);
    if (count == 0) return std::nullopt;
    FaultingAccess result;
    result.instruction = std::strlen(insn->op_str) ? fmt::format("{} {}", insn->mnemonic, insn->op_str)
                                                   : std::string(insn->mnemonic);
    const cs_x86& x86 = insn->detail->x86;
    const cs_x86_op* chosen = nullptr;
    for (int i = 0; i < x86.op_count; i++) {
        const cs_x86_op& op = x86.operands[i];
        if (op.type != X86_OP_MEM) continue;
        if (!chosen) chosen = &op;
        // Several memory operands (movs, cmps): take the one whose address is the fault address.
        auto base = value_of(registers, op.mem.base != X86_REG_INVALID ? cs_reg_name(cs.handle, op.mem.base) : nullptr);
        auto index = value_of(registers, op.mem.index != X86_REG_INVALID ? cs_reg_name(cs.handle, op.mem.index) : nullptr);
        if (fault && base) {
            std::uint64_t address = *base + static_cast<std::uint64_t>(op.mem.disp) +
                                    (index ? *index * static_cast<std::uint64_t>(op.mem.scale) : 0);
            if (address <= *fault && *fault - address < 64) chosen = &op;
        }
    }
    if (chosen) {
        result.access = (chosen->access & CS_AC_READ) ? Access::read : Access::write;
        if (chosen->mem.base != X86_REG_INVALID && chosen->mem.base != X86_REG_RIP) {
            result.base_register = cs_reg_name(cs.handle, chosen->mem.base);
            result.base_value = value_of(registers, result.base_register->c_str());
        }
    } else if (std::strcmp(insn->mnemonic, "push") == 0 || std::strcmp(insn->mnemonic, "call") == 0) {
        result.access = Access::write;  // the implicit store to the stack
        result.base_register = "rsp";
        result.base_value = value_of(registers, "rsp");
    }
    add_control_transfer(memory, registers, cs.handle, *insn, result);
    cs_free(insn, count);
    return result;
}

}  // namespace coroner
