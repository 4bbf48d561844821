#include "coroner/names.hpp"

#include "coroner/rules.hpp"

#include <algorithm>
#include <regex>
#include <sstream>

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

std::string normalize_function(const std::string& function) {
    static const std::regex clone_suffix(R"((\.(cold|isra|part|constprop|lto_priv|localalias)(\.[0-9]+)?)+$)");
    std::string name = std::regex_replace(strip_parameters(function), clone_suffix, "");
    const auto& aliases = builtin_rules("function_aliases")["aliases"];
    if (auto it = aliases.find(name); it != aliases.end()) return it->get<std::string>();
    return name;
}

std::string normalize_source_path(const std::string& path) {
    bool absolute = !path.empty() && path[0] == '/';
    std::vector<std::string> parts;
    std::stringstream in(path);
    std::string part;
    while (std::getline(in, part, '/')) {
        if (part.empty() || part == ".") continue;
        if (part == ".." && !parts.empty() && parts.back() != "..") {
            parts.pop_back();
            continue;
        }
        if (part == ".." && absolute) continue;
        parts.push_back(part);
    }
    // glibc and others are built with a relative compilation directory that repeats the file's own
    // folder ("./nptl" + "./nptl/pthread_kill.c"); GDB and LLDB 14 join the two, LLDB 19 does not.
    // A relative path that starts with the same folder twice is taken once.
    if (!absolute && parts.size() > 2 && parts[0] == parts[1]) parts.erase(parts.begin());
    std::string out = absolute ? "/" : "";
    for (std::size_t i = 0; i < parts.size(); i++) out += (i ? "/" : "") + parts[i];
    return out.empty() ? path : out;
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
