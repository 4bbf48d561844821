#include "coroner/base/text.hpp"

#include <algorithm>

namespace coroner {

bool ends_with(const std::string& text, const std::string& tail) {
    return text.size() >= tail.size() && text.compare(text.size() - tail.size(), tail.size(), tail) == 0;
}

std::size_t utf8_char_length(std::string_view text, std::size_t i) {
    if (i >= text.size()) return 0;
    auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[i + k]); };
    unsigned char c = byte(0);
    if (c < 0x80) return 1;
    if (c < 0xC2 || c > 0xF4) return 0;  // a continuation byte, an overlong two-byte form, or past U+10FFFF
    std::size_t length = c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    if (i + length > text.size()) return 0;
    // The second byte's range excludes overlong forms (E0, F0), surrogates (ED) and past U+10FFFF (F4).
    unsigned char low = c == 0xE0 ? 0xA0 : c == 0xF0 ? 0x90 : 0x80;
    unsigned char high = c == 0xED ? 0x9F : c == 0xF4 ? 0x8F : 0xBF;
    if (byte(1) < low || byte(1) > high) return 0;
    for (std::size_t k = 2; k < length; k++)
        if ((byte(k) & 0xC0) != 0x80) return 0;
    return length;
}

bool already_printable(std::string_view text) {
    return std::all_of(text.begin(), text.end(), [](char ch) {
        auto c = static_cast<unsigned char>(ch);
        return (c >= 0x20 && c < 0x7f) || c == '\t' || c == '\n';
    });
}

std::string printable_output(std::string_view text) {
    static const char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        auto c = static_cast<unsigned char>(text[i]);
        std::size_t length = utf8_char_length(text, i);
        bool control = length == 1 && ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f);
        if (length > 0 && !control) {
            out.append(text, i, length);
            i += length;
            continue;
        }
        out += "\\x";
        out += digits[c >> 4];
        out += digits[c & 15];
        i++;
    }
    return out;
}

std::vector<std::size_t> utf8_piece_ends(std::string_view text, std::size_t piece) {
    std::vector<std::size_t> ends;
    for (std::size_t at = 0; at < text.size();) {
        const std::size_t most = std::min(text.size(), at + std::max<std::size_t>(piece, 4));
        std::size_t to = most;
        while (to > at && to < text.size() && (static_cast<unsigned char>(text[to]) & 0xC0) == 0x80) to--;
        ends.push_back(at = to > at ? to : most);  // not UTF-8 there: cut anyway, rather than never
    }
    return ends;
}

std::string base_name(const std::string& path) {
    auto slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace coroner
