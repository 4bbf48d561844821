// Memory that a core leaves out but the files on disk still hold: the text and read-only data of the
// program and its libraries (the kernel's default coredump_filter does not dump file-backed pages).
// Read from the files themselves so that every debugger sees the same bytes; LLDB 19, for one, does
// not read them for a core.
#pragma once

#include "coroner/base/model.hpp"
#include "coroner/core/memory.hpp"

#include <map>
#include <string>
#include <vector>

namespace coroner {

class FileMemory final : public MemoryReader {
public:
    // `renamed` maps a path recorded in the core to the file to read instead (the executable the
    // debugger loaded, when the core was written elsewhere).
    FileMemory(std::vector<Mapping> mappings, std::map<std::string, std::string> renamed)
        : mappings_(std::move(mappings)), renamed_(std::move(renamed)) {}
    std::optional<std::vector<std::uint8_t>> read(std::uint64_t address, std::size_t size) override;

private:
    std::vector<Mapping> mappings_;
    std::map<std::string, std::string> renamed_;
};

}  // namespace coroner
