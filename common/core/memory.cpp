#include "coroner/core/memory.hpp"

#include "coroner/base/text.hpp"

#include <algorithm>
#include <cstring>

namespace coroner {
namespace {

// Well-formed UTF-8 without control characters (tab and newline allowed).
bool looks_like_text(std::string_view text) {
    for (std::size_t i = 0; i < text.size();) {
        auto c = static_cast<unsigned char>(text[i]);
        if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f) return false;
        std::size_t length = utf8_char_length(text, i);
        if (length == 0) return false;
        i += length;
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
    if (!bytes) return std::nullopt;
    std::string text(bytes->begin(), bytes->end());
    if (!looks_like_text(text)) return std::nullopt;
    return text;
}

}  // namespace coroner
