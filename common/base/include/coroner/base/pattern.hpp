// The regular expressions of rule files (built-in and users'), run by RE2: linear in the text, so no
// pattern, however written, can wedge the debugger. Rule files are written in the ECMAScript syntax that
// std::regex understood; translate_ecmascript keeps their meaning or says what RE2 cannot do.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace re2 {
class RE2;
}

namespace coroner {

// The memory RE2 may take for one compiled pattern (its program and DFA caches): a pattern that needs
// more does not compile; one whose DFA outgrows it at match time falls back to RE2's NFA, still linear.
constexpr std::int64_t pattern_max_mem = 8 << 20;

// An ECMAScript pattern as RE2 reads it (Latin-1: one byte is one character, as for std::regex over
// char): '.' stays out of '\n' and '\r', '\s' and '\S' keep the vertical tab, "\uHHHH" and "\cX" become
// "\xHH", "[\b]" is a backspace. Throws std::invalid_argument for what RE2 lacks (backreferences,
// lookahead, lookbehind, the empty class "[]").
std::string translate_ecmascript(const std::string& pattern);

class Pattern {
public:
    Pattern() = default;  // matches nothing until assigned
    // Compiles an ECMAScript pattern once; throws std::invalid_argument saying why it cannot be used
    // (the caller names the rule).
    explicit Pattern(const std::string& ecmascript, bool caseless = false);
    // The same pattern, compiled on first use (once, by whichever thread comes first), for patterns known to
    // compile (the built-in secret rules, checked when the build serialized them): most are never used in a
    // scan, and compiling them all took longer than scanning a small core. Throws as the constructor does
    // only for what the translation finds.
    static Pattern deferred(const std::string& ecmascript, bool caseless = false);
    bool full_match(std::string_view text) const;     // std::regex_match
    bool partial_match(std::string_view text) const;  // std::regex_search
    // The text of the first match, if any.
    std::optional<std::string> first_match(std::string_view text) const;
    // std::regex_replace with a replacement holding no '$' or '\' references.
    std::string replace_all(std::string text, const std::string& replacement) const;
    // Whether the pattern can match an empty stretch of a text (tried on the empty text).
    bool matches_empty() const;
    int capture_count() const;
    const re2::RE2& re2() const;
    const std::string& source() const { return source_; }

private:
    struct Deferred;
    std::shared_ptr<const re2::RE2> re_;
    std::shared_ptr<Deferred> deferred_;  // until re2() compiles it
    std::string source_;
};

}  // namespace coroner
