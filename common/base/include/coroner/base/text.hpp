// Small string helpers every layer uses.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace coroner {

// "/usr/lib/libc.so.6" -> "libc.so.6".
std::string base_name(const std::string& path);

bool ends_with(const std::string& text, const std::string& tail);

// The length of the well-formed UTF-8 character at text[i]: 1 to 4 bytes as Unicode defines them (no
// overlong forms, surrogates or code points past U+10FFFF), or 0 where none starts (or i is past the end).
std::size_t utf8_char_length(std::string_view text, std::size_t i);

// Text as a debugger can print it whatever the core held: UTF-8 characters, tabs and newlines stay; a NUL
// (which would end LLDB's output), another control byte (which a terminal would obey) and a byte that is
// not UTF-8 (which GDB's Python would refuse) each become \xNN.
std::string printable_output(std::string_view text);

// Where to cut printable output into pieces of at most `piece` bytes (at least 4) without cutting a UTF-8
// character: the end of each piece, the last at text.size(). A frontend passes megabytes on that way.
std::vector<std::size_t> utf8_piece_ends(std::string_view text, std::size_t piece);

// Whether printable_output() would return `text` unchanged: printable ASCII, tabs and line breaks only (a
// quick test that spares a report of megabytes a copy).
bool already_printable(std::string_view text);

}  // namespace coroner
