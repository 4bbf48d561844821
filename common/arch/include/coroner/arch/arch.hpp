// What differs per CPU of the analysed process. x86-64 is the only one today (arch/x86_64.cpp).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace coroner {

// The general-purpose registers coroner reads (x86-64), and their 32-bit names added to a register map.
const std::vector<std::string>& general_registers();
void add_32bit_register_names(std::map<std::string, std::uint64_t>& registers);

}  // namespace coroner
