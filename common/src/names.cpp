#include "coroner/names.hpp"

#include <algorithm>

namespace coroner {

std::string strip_parameters(const std::string& function) {
    std::string name = function;
    // Trailing qualifiers after the parameter list.
    for (const char* suffix : {" const", " volatile", " &&", " &"}) {
        std::string s(suffix);
        while (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0)
            name.erase(name.size() - s.size());
    }
    if (name.empty() || name.back() != ')') return name;
    // Walk back to the '(' that opens the final parameter list.
    int depth = 0;
    for (std::size_t i = name.size(); i-- > 0;) {
        char c = name[i];
        if (c == ')') depth++;
        if (c == '(' && --depth == 0) {
            if (i >= 8 && name.compare(i - 8, 8, "operator") == 0) return name;  // "operator()" itself
            if (i == 0) return name;                                           // "(anonymous namespace)"
            return name.substr(0, i);
        }
    }
    return name;
}

std::string base_name(const std::string& path) {
    auto slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

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
