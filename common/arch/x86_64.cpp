#include "coroner/arch/arch.hpp"

#include <utility>

namespace coroner {

const std::vector<std::string>& general_registers() {
    static const std::vector<std::string> names{"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp",
                                                "r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15",
                                                "rip", "eflags"};
    return names;
}

void add_32bit_register_names(std::map<std::string, std::uint64_t>& registers) {
    static const std::pair<const char*, const char*> low32[] = {
        {"rax", "eax"},  {"rbx", "ebx"},  {"rcx", "ecx"},   {"rdx", "edx"},   {"rsi", "esi"},   {"rdi", "edi"},
        {"rbp", "ebp"},  {"rsp", "esp"},  {"r8", "r8d"},    {"r9", "r9d"},    {"r10", "r10d"},  {"r11", "r11d"},
        {"r12", "r12d"}, {"r13", "r13d"}, {"r14", "r14d"},  {"r15", "r15d"}};
    for (auto [wide, narrow] : low32)
        if (auto it = registers.find(wide); it != registers.end()) registers[narrow] = it->second & 0xffffffffu;
}

}  // namespace coroner
