// Capstone, opened for one CPU with operand details (which register, read or written), for one decode; what
// every CPU's decoder (arch/<cpu>.cpp) shares.
#pragma once

#include <capstone/capstone.h>
#include <fmt/format.h>

#include <cstring>
#include <string>

namespace coroner {

struct Capstone {
    csh handle = 0;
    bool ok = false;
    Capstone(cs_arch arch, cs_mode mode) {
        ok = cs_open(arch, mode, &handle) == CS_ERR_OK && cs_option(handle, CS_OPT_DETAIL, CS_OPT_ON) == CS_ERR_OK;
    }
    ~Capstone() {
        if (ok) cs_close(&handle);
    }
    Capstone(const Capstone&) = delete;
    Capstone& operator=(const Capstone&) = delete;

    // A register's name as capstone prints it ("" for one it cannot name: never a register's value).
    std::string register_name(unsigned reg) const {
        const char* name = cs_reg_name(handle, reg);
        return name ? name : "";
    }
};

// Mnemonic and operands, as the CPU's assembly syntax writes them.
inline std::string instruction_text(const cs_insn& insn) {
    return std::strlen(insn.op_str) ? fmt::format("{} {}", insn.mnemonic, insn.op_str) : std::string(insn.mnemonic);
}

}  // namespace coroner
