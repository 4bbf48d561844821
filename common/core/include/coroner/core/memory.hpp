// Reading the target's memory, from whichever source has it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
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

// Little-endian words at an address, or nothing when the memory is not there.
std::optional<std::uint64_t> read_u64(MemoryReader& memory, std::uint64_t address);
std::optional<std::uint32_t> read_u32(MemoryReader& memory, std::uint64_t address);

// A NUL-terminated string of at most `max` bytes (cut there when longer).
std::optional<std::string> read_c_string(MemoryReader& memory, std::uint64_t address, std::size_t max);

// Exactly `size` bytes as text, when they are readable and look like text: valid UTF-8 with no control
// characters but tab and newline. How the language runtimes' (pointer, length) strings are read.
std::optional<std::string> read_text(MemoryReader& memory, std::uint64_t address, std::size_t size);

}  // namespace coroner
