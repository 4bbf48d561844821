// What the fuzz targets share: the fuzz input seen as a process's memory, and a file that holds the
// input for the readers that take a path. Each target catches UserError (the one-line error a command
// prints) and any other std::exception (the command table prints "internal error" for those); what is
// left for the fuzzer to find is a crash, a sanitizer report, a hang or memory in proportion to a claim.
#pragma once

#include "coroner/core/memory.hpp"

#include <unistd.h>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace coroner::fuzz {

// The input mapped at `base`, nothing else readable.
class ByteMemory final : public MemoryReader {
public:
    ByteMemory(const std::uint8_t* data, std::size_t size, std::uint64_t base)
        : data_(data), size_(size), base_(base) {}
    std::optional<std::vector<std::uint8_t>> read(std::uint64_t address, std::size_t size) override {
        reads_++;
        if (address < base_ || address - base_ > size_ || size > size_ - (address - base_)) return std::nullopt;
        const std::uint8_t* p = data_ + (address - base_);
        return std::vector<std::uint8_t>(p, p + size);
    }
    std::uint64_t base() const { return base_; }
    std::uint64_t end() const { return base_ + size_; }
    // How many reads were asked: each one is a call into the debugger when the core lacks the bytes, so
    // a reader must not read in proportion to a count the memory merely claims.
    std::size_t reads() const { return reads_; }

private:
    const std::uint8_t* data_;
    std::size_t size_;
    std::uint64_t base_;
    std::size_t reads_ = 0;
};

// Stops the fuzzer (as a crash) when a reader read more than `budget` times.
inline void check_reads(const ByteMemory& memory, std::size_t budget, const char* reader) {
    if (memory.reads() <= budget) return;
    std::fprintf(stderr, "%s read memory %zu times over %zu bytes (budget %zu)\n", reader, memory.reads(),
                 static_cast<std::size_t>(memory.end() - memory.base()), budget);
    std::abort();
}

// A file of this process's own, rewritten with each input (same path, so nothing cached by path grows).
inline const std::string& scratch_path(const char* name) {
    static const std::string path = [name] {
        const char* dir = std::getenv("TMPDIR");
        return std::string(dir && *dir ? dir : "/tmp") + "/coroner-fuzz-" + std::to_string(::getpid()) + "-" + name;
    }();
    return path;
}

inline bool write_file(const std::string& path, const std::uint8_t* data, std::size_t size) {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) return false;
    bool ok = size == 0 || std::fwrite(data, 1, size, f) == size;
    return std::fclose(f) == 0 && ok;
}

// A little-endian word of the input at `offset`, 0 past its end.
inline std::uint64_t word_at(const std::uint8_t* data, std::size_t size, std::size_t offset) {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < 8 && offset + i < size; i++) v |= std::uint64_t{data[offset + i]} << (8 * i);
    return v;
}

}  // namespace coroner::fuzz
