// Small helpers that keep SPEC's JSON conventions: addresses as hex strings, absent facts as null.
#pragma once

#include "coroner/base/model.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace coroner {

inline std::string hex_address(std::uint64_t a) { return fmt::format("{:#x}", a); }

template <typename T>
nlohmann::ordered_json or_null(const std::optional<T>& v) {
    return v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json(nullptr);
}

inline nlohmann::ordered_json address_or_null(const std::optional<std::uint64_t>& a) {
    return a ? nlohmann::ordered_json(hex_address(*a)) : nlohmann::ordered_json(nullptr);
}

// A JSON document as coroner prints it (json_line_of: from its compact dump): one line, invalid UTF-8 (a core's argv can hold anything) replaced
// instead of thrown on, and DEL escaped (JSON escapes every other control character; a bare DEL would
// become \x7f once the output is made printable, which JSON does not know). DEL is only ever in a string.
// del_escaped: that escaping alone, for a line handed on in pieces.
inline std::string del_escaped(std::string text) {
    if (text.find('\x7f') == std::string::npos) return text;  // no copy: a report can be megabytes
    std::string escaped;
    for (char c : text) escaped += c == '\x7f' ? std::string("\\u007f") : std::string(1, c);
    return escaped;
}
inline std::string json_line_of(std::string line) {
    std::string out = del_escaped(std::move(line));
    out += '\n';
    return out;
}

template <class Json>
std::string json_line(const Json& j) {
    return json_line_of(j.dump(-1, ' ', false, Json::error_handler_t::replace));
}

// A frame as SPEC's JSON has it; the function without its parameter list.
nlohmann::ordered_json frame_json(const Frame& frame);

}  // namespace coroner
