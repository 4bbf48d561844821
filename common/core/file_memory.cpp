#include "coroner/core/file_memory.hpp"

#include "coroner/base/regular_file.hpp"
#include "coroner/core/process_map.hpp"

#include <fcntl.h>
#include <unistd.h>

namespace coroner {

std::optional<std::vector<std::uint8_t>> FileMemory::read(std::uint64_t address, std::size_t size) {
    const Mapping* m = ProcessMap(mappings_).at(address);
    if (!m || m->path.empty() || m->writable || size > m->end - address) return std::nullopt;
    auto renamed = renamed_.find(m->path);
    const std::string& path = renamed == renamed_.end() ? m->path : renamed->second;
    int fd = open_regular_file(path);
    if (fd < 0) return std::nullopt;
    std::vector<std::uint8_t> bytes(size);
    auto offset = static_cast<off_t>(m->file_offset + (address - m->start));
    ssize_t n = ::pread(fd, bytes.data(), size, offset);
    ::close(fd);
    if (n != static_cast<ssize_t>(size)) return std::nullopt;
    return bytes;
}

}  // namespace coroner
