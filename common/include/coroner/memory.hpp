// Reading the target's memory, from whichever source has it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace coroner {

class MemoryReader {
public:
    virtual ~MemoryReader() = default;
    // The bytes at [address, address+size), or nothing if any of them is unavailable.
    virtual std::optional<std::vector<std::uint8_t>> read(std::uint64_t address, std::size_t size) = 0;
};

// Tries each reader in turn; the core file first, the debugger (which also knows file-backed text) second.
class ChainedMemory final : public MemoryReader {
public:
    explicit ChainedMemory(std::vector<MemoryReader*> readers) : readers_(std::move(readers)) {}
    std::optional<std::vector<std::uint8_t>> read(std::uint64_t address, std::size_t size) override {
        for (auto* reader : readers_)
            if (reader)
                if (auto bytes = reader->read(address, size)) return bytes;
        return std::nullopt;
    }

private:
    std::vector<MemoryReader*> readers_;
};

}  // namespace coroner
