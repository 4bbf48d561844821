// Capstone, opened for one CPU with operand details (which register, read or written), for one decode; what
// every CPU's decoder (arch/<cpu>.cpp) shares. libcapstone itself is opened on the first decode
// (base/shared_library.hpp), so that commands that decode nothing do not pay for its relocations.
#pragma once

#include <capstone/capstone.h>
#include <fmt/format.h>

#include <cstring>
#include <string>

namespace coroner {

// The functions of libcapstone the decoders call.
struct CapstoneFunctions {
    decltype(&cs_open) open;
    decltype(&cs_option) option;
    decltype(&cs_close) close;
    decltype(&cs_reg_name) reg_name;
    decltype(&cs_disasm) disasm;
    decltype(&cs_free) free;
};

// nullptr where libcapstone cannot be opened: then nothing decodes, as bytes capstone does not know.
const CapstoneFunctions* capstone_functions();

struct Capstone {
    const CapstoneFunctions* cs = capstone_functions();
    csh handle = 0;
    bool ok = false;
    Capstone(cs_arch arch, cs_mode mode) {
        ok = cs && cs->open(arch, mode, &handle) == CS_ERR_OK &&
             cs->option(handle, CS_OPT_DETAIL, CS_OPT_ON) == CS_ERR_OK;
    }
    ~Capstone() {
        if (ok) cs->close(&handle);
    }
    Capstone(const Capstone&) = delete;
    Capstone& operator=(const Capstone&) = delete;

    // One instruction at `address` from `size` bytes: how many decoded (0 or 1), freed with free().
    std::size_t disasm(const std::uint8_t* bytes, std::size_t size, std::uint64_t address, cs_insn** insn) const {
        return cs->disasm(handle, bytes, size, address, 1, insn);
    }
    void free(cs_insn* insn, std::size_t count) const { cs->free(insn, count); }

    // A register's name as capstone prints it ("" for one it cannot name: never a register's value).
    std::string register_name(unsigned reg) const {
        const char* name = cs->reg_name(handle, reg);
        return name ? name : "";
    }
};

// Mnemonic and operands, as the CPU's assembly syntax writes them.
inline std::string instruction_text(const cs_insn& insn) {
    return std::strlen(insn.op_str) ? fmt::format("{} {}", insn.mnemonic, insn.op_str) : std::string(insn.mnemonic);
}

}  // namespace coroner
