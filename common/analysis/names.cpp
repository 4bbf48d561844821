#include "coroner/analysis/names.hpp"

#include "coroner/base/error.hpp"
#include "coroner/base/rules.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <map>
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
            if (i == 0) return name;                                             // "(anonymous namespace)"
            return name.substr(0, i);
        }
    }
    return name;
}

namespace {

// A legacy-mangled Rust symbol ends in a hash segment: "::h0123456789abcdef".
const Pattern& rust_hash() {
    static const Pattern re(R"(::h[0-9a-f]{16}$)");
    return re;
}

// The escapes of Rust's legacy mangling that a demangler may leave in ("$LT$", "$u7b$", ".." for "::").
std::string decode_rust_escapes(const std::string& name) {
    if (name.find('$') == std::string::npos) return name;
    static const std::pair<const char*, const char*> named[] = {{"$LT$", "<"}, {"$GT$", ">"}, {"$RF$", "&"},
                                                                {"$BP$", "*"}, {"$SP$", "@"}, {"$C$", ","}};
    std::string out;
    for (std::size_t i = 0; i < name.size();) {
        if (name[i] == '_' && i + 1 < name.size() && name[i + 1] == '$' && (i == 0 || name[i - 1] == ':')) {
            i++;  // a segment that starts with an escape is prefixed with '_'
            continue;
        }
        if (name[i] == '$') {
            bool done = false;
            for (const auto& [from, to] : named)
                if (name.compare(i, std::strlen(from), from) == 0) {
                    out += to;
                    i += std::strlen(from);
                    done = true;
                    break;
                }
            if (done) continue;
            auto end = name.find('$', i + 1);
            // "$u7b$": one to six hex digits. Anything else (a crafted or damaged symbol) stays as written.
            auto is_hex = [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; };
            if (end != std::string::npos && name[i + 1] == 'u' && end - i - 2 >= 1 && end - i - 2 <= 6 &&
                std::all_of(name.begin() + static_cast<std::ptrdiff_t>(i) + 2,
                            name.begin() + static_cast<std::ptrdiff_t>(end), is_hex)) {
                out += static_cast<char>(std::stoul(name.substr(i + 2, end - i - 2), nullptr, 16));
                i = end + 1;
                continue;
            }
        }
        if (name.compare(i, 2, "..") == 0) {
            out += "::";
            i += 2;
            continue;
        }
        out += name[i++];
    }
    return out;
}

// Generic arguments after a path segment ("drop_in_place<alloc::string::String>"): GDB names Rust
// frames by their DWARF name, which has them; LLDB by the symbol, which does not. A leading "<T as
// Trait>" is part of the path and stays.
std::string strip_rust_generics(const std::string& name) {
    std::string out;
    int depth = 0;
    for (std::size_t i = 0; i < name.size(); i++) {
        char c = name[i];
        if (c == '<' && (depth > 0 || (!out.empty() && out.back() != ':'))) {
            depth++;
            continue;
        }
        if (depth > 0) {
            if (c == '<') depth++;
            if (c == '>') depth--;
            continue;
        }
        out += c;
    }
    return out;
}

std::string normalize_rust_function(std::string name) {
    name = rust_hash().replace_all(name, "");
    name = strip_rust_generics(decode_rust_escapes(name));
    // The legacy demangler says "{{closure}}", the DWARF name "{closure#0}".
    static const Pattern closure(R"(\{closure#[0-9]+\})");
    return closure.replace_all(name, "{{closure}}");
}

// rules/function_aliases.json, read once: each name rewritten to the one both debuggers agree on.
const std::map<std::string, std::string>& function_aliases() {
    static const std::map<std::string, std::string> aliases = [] {
        const nlohmann::json& doc = builtin_rules("function_aliases");
        std::map<std::string, std::string> out;
        for (const auto& [name, alias] : doc.at("aliases").items()) {
            if (name.empty() || !alias.is_string() || alias.get_ref<const std::string&>().empty())
                throw UserError("function alias '" + name + "' in the built-in rules is not a name to a name",
                                "fix rules/function_aliases.json");
            out.emplace(name, alias.get<std::string>());
        }
        return out;
    }();
    return aliases;
}

}  // namespace

bool is_rust_name(const std::string& function) { return rust_hash().partial_match(function); }

std::string normalize_function(const std::string& function, bool rust) {
    // ".abi0": Go's assembly functions by their ELF symbol (LLDB), not their DWARF name (GDB).
    static const Pattern clone_suffix(
        R"((\.(cold|isra|part|constprop|lto_priv|localalias)(\.[0-9]+)?|\.abi0|\.abiinternal)+$)");
    std::string name = clone_suffix.replace_all(strip_parameters(function), "");
    if (rust || is_rust_name(name)) name = normalize_rust_function(name);
    if (auto it = function_aliases().find(name); it != function_aliases().end()) return it->second;
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

}  // namespace coroner
