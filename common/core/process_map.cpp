#include "coroner/core/process_map.hpp"

#include <algorithm>

namespace coroner {

const Mapping* find_mapping(const std::vector<Mapping>& mappings, std::uint64_t address) {
    auto it = std::upper_bound(mappings.begin(), mappings.end(), address,
                               [](std::uint64_t a, const Mapping& m) { return a < m.start; });
    if (it == mappings.begin()) return nullptr;
    --it;
    return address < it->end ? &*it : nullptr;
}

std::optional<std::uint64_t> module_base(const std::vector<Mapping>& mappings, const std::string& path) {
    for (const auto& m : mappings)
        if (m.path == path) return m.start - m.file_offset;
    return std::nullopt;
}

}  // namespace coroner
