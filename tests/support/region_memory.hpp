// Memory for unit tests: a few regions, each a run of bytes at an address (as a core's segments are).
#pragma once

#include "coroner/core/memory.hpp"

#include <cstring>
#include <map>
#include <string>
#include <vector>

namespace coroner::test {

class RegionMemory final : public MemoryReader {
public:
    void put(std::uint64_t address, const std::vector<std::uint8_t>& bytes) { regions_[address] = bytes; }
    void put_words(std::uint64_t address, const std::vector<std::uint64_t>& words) {
        std::vector<std::uint8_t> bytes(words.size() * 8);
        std::memcpy(bytes.data(), words.data(), bytes.size());
        put(address, bytes);
    }
    void put_text(std::uint64_t address, const std::string& text) { put(address, {text.begin(), text.end()}); }
    std::optional<std::vector<std::uint8_t>> read(std::uint64_t address, std::size_t size) override {
        auto it = regions_.upper_bound(address);
        if (it == regions_.begin()) return std::nullopt;
        --it;
        std::uint64_t offset = address - it->first;
        if (offset + size > it->second.size()) return std::nullopt;
        return std::vector<std::uint8_t>(it->second.begin() + offset, it->second.begin() + offset + size);
    }

private:
    std::map<std::uint64_t, std::vector<std::uint8_t>> regions_;
};

}  // namespace coroner::test
