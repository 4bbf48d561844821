// The faulting access: the instruction at the crash pc, decoded by the CPU's `Arch`, says whether the
// fault was a read or a write and which register held the bad address — the same in every debugger.
#pragma once

#include "coroner/arch/arch.hpp"
#include "coroner/base/enum_names.hpp"
#include "coroner/core/memory.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace coroner {

enum class Access { read, write, execute };

template <>
struct EnumNames<Access> {
    static constexpr std::pair<Access, const char*> names[] = {
        {Access::read, "read"},
        {Access::write, "write"},
        {Access::execute, "exec"},
    };
};
CORONER_ENUM_JSON(Access)

struct FaultingAccess {
    std::string instruction;                   // mnemonic and operands, as the CPU's assembly syntax writes them
    std::optional<Access> access;              // read or write (a fault on the pc itself is the classifier's)
    std::optional<std::string> base_register;  // the register that held the address
    std::optional<std::uint64_t> base_value;   // its value in the crashing thread, if known
    std::optional<std::uint64_t> address;      // the operand's address, base + index * scale + displacement,
                                               // when its registers are known
    std::optional<std::string> transfer;       // "ret", "call" or "jmp" when the instruction transfers control
    std::optional<std::uint64_t> target;       // where it was going: the return address, the register's or
                                               // the memory operand's value, when readable
};

// Decodes the instruction at `pc`. `registers` are the crashing thread's (by the names the decoder gives
// operands); `fault` picks the operand whose address faulted when there are several.
std::optional<FaultingAccess> decode_faulting_access(const Arch& arch, MemoryReader& memory, std::uint64_t pc,
                                                     const std::map<std::string, std::uint64_t>& registers,
                                                     std::optional<std::uint64_t> fault);

}  // namespace coroner
