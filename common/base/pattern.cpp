#include "coroner/base/pattern.hpp"

#include <fmt/format.h>
#include <re2/re2.h>

#include <cctype>
#include <stdexcept>

namespace coroner {
namespace {

// What ECMAScript's \s is over bytes (isspace in the "C" locale); RE2's lacks the vertical tab.
constexpr const char* space_class = "\\t\\n\\v\\f\\r ";
constexpr const char* non_space_class = "\\x00-\\x08\\x0e-\\x1f\\x21-\\xff";

bool is_hex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

// The escape at pattern[i] ('\\' then at least one character), appended to `out` as RE2 reads it;
// returns how many characters of the pattern it took.
std::size_t translate_escape(const std::string& pattern, std::size_t i, bool in_class, std::string& out) {
    char c = pattern[i + 1];
    switch (c) {
    case 's': out += in_class ? std::string(space_class) : fmt::format("[{}]", space_class); return 2;
    case 'S': out += in_class ? std::string(non_space_class) : fmt::format("[^{}]", space_class); return 2;
    case 'b': out += in_class ? "\\x08" : "\\b"; return 2;
    case 'u': {
        bool four = i + 5 < pattern.size() && is_hex(pattern[i + 2]) && is_hex(pattern[i + 3]) &&
                    is_hex(pattern[i + 4]) && is_hex(pattern[i + 5]);
        if (!four) throw std::invalid_argument("\\u must be followed by four hex digits");
        unsigned long code = std::stoul(pattern.substr(i + 2, 4), nullptr, 16);
        if (code > 0xff)
            throw std::invalid_argument(
                fmt::format("\\u{} is not a byte (the text is matched byte by byte)", pattern.substr(i + 2, 4)));
        out += fmt::format("\\x{:02x}", code);
        return 6;
    }
    case 'c':
        if (i + 2 >= pattern.size() || !std::isalpha(static_cast<unsigned char>(pattern[i + 2])))
            throw std::invalid_argument("\\c must be followed by a letter");
        out += fmt::format("\\x{:02x}", static_cast<unsigned>(pattern[i + 2]) % 32);
        return 3;
    default:
        if (c >= '1' && c <= '9') throw std::invalid_argument(fmt::format("backreference \\{} is not supported", c));
        out += '\\';
        out += c;
        return 2;
    }
}

}  // namespace

std::string translate_ecmascript(const std::string& pattern) {
    std::string out;
    bool in_class = false;
    for (std::size_t i = 0; i < pattern.size();) {
        char c = pattern[i];
        if (c == '\\') {
            if (i + 1 == pattern.size()) throw std::invalid_argument("the pattern ends in a lone backslash");
            i += translate_escape(pattern, i, in_class, out);
            continue;
        }
        if (in_class) {
            // "[:alpha:]" inside a class is one item; its ']' does not close the class.
            if (c == '[' && i + 1 < pattern.size() &&
                (pattern[i + 1] == ':' || pattern[i + 1] == '.' || pattern[i + 1] == '=')) {
                auto end = pattern.find(std::string{pattern[i + 1], ']'}, i + 2);
                if (end == std::string::npos) throw std::invalid_argument("an unclosed [: in a class");
                out += pattern.substr(i, end + 2 - i);
                i = end + 2;
                continue;
            }
            if (c == ']') in_class = false;
            out += c;
            i++;
            continue;
        }
        if (c == '[') {
            std::size_t first = i + 1 < pattern.size() && pattern[i + 1] == '^' ? i + 2 : i + 1;
            if (first < pattern.size() && pattern[first] == ']')
                throw std::invalid_argument("an empty class [] or [^] is not supported");
            in_class = true;
            out += pattern.substr(i, first - i);
            i = first;
            continue;
        }
        if (c == '(' && pattern.compare(i, 3, "(?=") == 0)
            throw std::invalid_argument("lookahead (?= is not supported");
        if (c == '(' && pattern.compare(i, 3, "(?!") == 0)
            throw std::invalid_argument("lookahead (?! is not supported");
        if (c == '(' && (pattern.compare(i, 4, "(?<=") == 0 || pattern.compare(i, 4, "(?<!") == 0))
            throw std::invalid_argument("lookbehind (?<= and (?<! is not supported");
        out += c == '.' ? std::string("[^\\n\\r]") : std::string(1, c);
        i++;
    }
    return out;
}

namespace {

RE2::Options pattern_options(bool caseless) {
    RE2::Options options;
    options.set_encoding(RE2::Options::EncodingLatin1);
    options.set_case_sensitive(!caseless);
    options.set_log_errors(false);
    options.set_max_mem(pattern_max_mem);
    return options;
}

}  // namespace

struct Pattern::Deferred {
    std::string translated;
    bool caseless;
    std::once_flag once;
    std::shared_ptr<const RE2> re;
};

Pattern Pattern::deferred(const std::string& ecmascript, bool caseless) {
    if (ecmascript.empty()) throw std::invalid_argument("the pattern is empty");
    Pattern p;
    p.source_ = ecmascript;
    p.deferred_ = std::make_shared<Deferred>();
    p.deferred_->translated = translate_ecmascript(ecmascript);
    p.deferred_->caseless = caseless;
    return p;
}

const RE2& Pattern::re2() const {
    if (re_ || !deferred_) return *re_;
    Deferred& d = *deferred_;
    std::call_once(d.once, [&d] { d.re = std::make_shared<const RE2>(d.translated, pattern_options(d.caseless)); });
    return *d.re;
}

Pattern::Pattern(const std::string& ecmascript, bool caseless) : source_(ecmascript) {
    if (ecmascript.empty()) throw std::invalid_argument("the pattern is empty");
    auto re = std::make_shared<const RE2>(translate_ecmascript(ecmascript), pattern_options(caseless));
    if (!re->ok()) {
        std::string why = re->error_code() == RE2::ErrorPatternTooLarge
                              ? fmt::format("it needs more than the {} MiB a pattern may use", pattern_max_mem >> 20)
                              : re->error();
        throw std::invalid_argument(fmt::format("the pattern does not compile: {}", why));
    }
    re_ = std::move(re);
}

bool Pattern::full_match(std::string_view text) const {
    return RE2::FullMatch(re2::StringPiece(text.data(), text.size()), re2());
}

bool Pattern::partial_match(std::string_view text) const {
    return RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), re2());
}

std::optional<std::string> Pattern::first_match(std::string_view text) const {
    re2::StringPiece input(text.data(), text.size()), found;
    if ((!re_ && !deferred_) || !re2().Match(input, 0, input.size(), RE2::UNANCHORED, &found, 1)) return std::nullopt;
    return std::string(found.data(), found.size());
}

std::string Pattern::replace_all(std::string text, const std::string& replacement) const {
    RE2::GlobalReplace(&text, re2(), replacement);
    return text;
}

bool Pattern::matches_empty() const { return RE2::PartialMatch("", re2()); }

int Pattern::capture_count() const { return re2().NumberOfCapturingGroups(); }

}  // namespace coroner
