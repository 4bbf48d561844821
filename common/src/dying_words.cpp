#include "coroner/dying_words.hpp"

#include "coroner/module_file.hpp"
#include "coroner/names.hpp"

#include <algorithm>
#include <cstring>

namespace coroner {
namespace {

constexpr std::size_t longest_message = 4096;

std::optional<std::uint64_t> read_u64(MemoryReader& memory, std::uint64_t address) {
    auto bytes = memory.read(address, 8);
    if (!bytes) return std::nullopt;
    std::uint64_t v;
    std::memcpy(&v, bytes->data(), 8);
    return v;
}

bool is_libc(const std::string& path) {
    std::string name = base_name(path);
    return name.rfind("libc.so", 0) == 0 || name.rfind("libc-", 0) == 0;
}

}  // namespace

std::optional<std::string> glibc_abort_message(const ProcessFacts& facts, MemoryReader& memory) {
    for (const auto& m : facts.mappings) {
        if (m.path.empty() || !is_libc(m.path)) continue;
        auto base = module_base(facts.mappings, m.path);
        auto symbol = symbol_address(m.path, "__abort_msg");
        if (!base || !symbol) return std::nullopt;
        // struct abort_msg_s { unsigned int size; char msg[]; } *__abort_msg;
        auto message = read_u64(memory, *base + *symbol);
        if (!message || *message == 0) return std::nullopt;
        std::string text;
        for (std::uint64_t at = *message + 4; text.size() < longest_message; at += 64) {
            auto chunk = memory.read(at, 64);
            if (!chunk) break;
            auto nul = std::find(chunk->begin(), chunk->end(), std::uint8_t{0});
            text.append(chunk->begin(), nul);
            if (nul != chunk->end()) break;
        }
        while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
        if (text.empty()) return std::nullopt;
        return text;
    }
    return std::nullopt;
}

}  // namespace coroner
