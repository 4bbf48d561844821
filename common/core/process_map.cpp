#include "coroner/core/process_map.hpp"

#include <algorithm>

namespace coroner {

const std::vector<Mapping>& ProcessMap::mappings() const {
    static const std::vector<Mapping> none;
    return mappings_ ? *mappings_ : none;
}

const Mapping* ProcessMap::at(std::uint64_t address) const {
    auto it = std::upper_bound(begin(), end(), address, [](std::uint64_t a, const Mapping& m) { return a < m.start; });
    if (it == begin()) return nullptr;
    --it;
    return address < it->end ? &*it : nullptr;
}

const Mapping* ProcessMap::below(const Mapping& m) const {
    return &m > mappings().data() && &m < mappings().data() + size() ? &m - 1 : nullptr;
}

std::optional<std::uint64_t> ProcessMap::module_base(const std::string& path) const {
    for (const auto& m : *this)
        if (m.path == path) return m.start - m.file_offset;
    return std::nullopt;
}

std::uint64_t ProcessMap::module_end(const std::string& path) const {
    std::uint64_t end = 0;
    for (const auto& m : *this)
        if (m.path == path) end = std::max(end, m.end);
    return end;
}

}  // namespace coroner
