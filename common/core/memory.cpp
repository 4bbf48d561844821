#include "coroner/core/memory.hpp"

#include <algorithm>
#include <cstring>

namespace coroner {
namespace {

// Well-formed UTF-8 without control characters (tab and newline allowed).
bool looks_like_text(const std::vector<std::uint8_t>& bytes) {
    for (std::size_t i = 0; i < bytes.size();) {
        std::uint8_t c = bytes[i];
        if (c < 0x80) {
            if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f) return false;
            i++;
            continue;
        }
        std::size_t extra = (c & 0xe0) == 0xc0 ? 1 : (c & 0xf0) == 0xe0 ? 2 : (c & 0xf8) == 0xf0 ? 3 : 0;
        if (extra == 0 || i + extra >= bytes.size()) return false;
        for (std::size_t k = 1; k <= extra; k++)
            if ((bytes[i + k] & 0xc0) != 0x80) return false;
        i += extra + 1;
    }
    return true;
}

template <typename Word>
std::optional<Word> read_word(MemoryReader& memory, std::uint64_t address) {
    auto bytes = memory.read(address, sizeof(Word));
    if (!bytes) return std::nullopt;
    Word v;
    std::memcpy(&v, bytes->data(), sizeof v);
    return v;
}

}  // namespace

std::optional<std::uint64_t> read_u64(MemoryReader& memory, std::uint64_t address) {
    return read_word<std::uint64_t>(memory, address);
}

std::optional<std::uint32_t> read_u32(MemoryReader& memory, std::uint64_t address) {
    return read_word<std::uint32_t>(memory, address);
}

std::optional<std::string> read_c_string(MemoryReader& memory, std::uint64_t address, std::size_t max) {
    std::string text;
    for (std::uint64_t at = address; text.size() < max; at += 64) {
        auto chunk = memory.read(at, 64);
        if (!chunk) {
            // The string may end closer than 64 bytes before the end of its mapping.
            for (std::uint64_t b = at; text.size() < max; b++) {
                auto one = memory.read(b, 1);
                if (!one || (*one)[0] == 0) return one ? std::optional<std::string>(text) : std::nullopt;
                text.push_back(static_cast<char>((*one)[0]));
            }
            return text;
        }
        auto nul = std::find(chunk->begin(), chunk->end(), std::uint8_t{0});
        text.append(chunk->begin(), nul);
        if (nul != chunk->end()) return text;
    }
    text.resize(std::min(text.size(), max));
    return text;
}

std::optional<std::string> read_text(MemoryReader& memory, std::uint64_t address, std::size_t size) {
    if (size == 0) return std::string();
    auto bytes = memory.read(address, size);
    if (!bytes || !looks_like_text(*bytes)) return std::nullopt;
    return std::string(bytes->begin(), bytes->end());
}

}  // namespace coroner
