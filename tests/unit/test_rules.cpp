// Rule files from users: every malformed form is one UserError naming the file and the rule, no file is
// read without bound or blocks, and no pattern takes more than linear time.
#include "coroner/analysis/blame.hpp"
#include "coroner/base/error.hpp"
#include "coroner/base/pattern.hpp"
#include "coroner/base/rules.hpp"
#include "coroner/secrets/secret_scan.hpp"

#include <doctest/doctest.h>

#include <sys/stat.h>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

using namespace coroner;

namespace {

struct TempDir {
    std::filesystem::path path;
    TempDir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "coroner-rules-XXXXXX").string();
        path = mkdtemp(pattern.data());
    }
    ~TempDir() { std::filesystem::remove_all(path); }
    std::string write(const std::string& name, const std::string& text) const {
        std::ofstream(path / name, std::ios::binary) << text;
        return (path / name).string();
    }
};

std::string secret_file(const TempDir& dir, const std::string& rules) {
    return dir.write("secrets.json", R"({"schema": "coroner.secret-rules/1", "rules": )" + rules + "}");
}

std::string blame_file(const TempDir& dir, const std::string& rules) {
    return dir.write("blame.json", R"({"schema": "coroner.blame-rules/1", "rules": )" + rules + "}");
}

// The message of the UserError that loading the secret rules file `path` throws ("" if none).
std::string secret_error(const std::string& path) {
    try {
        secret_rules(path);
    } catch (const UserError& e) {
        return e.what();
    }
    return "";
}

std::string blame_error(const std::string& path) {
    try {
        effective_skip_rules(path);
    } catch (const UserError& e) {
        return e.what();
    }
    return "";
}

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

TEST_CASE("each malformed secret rule is one UserError naming the file and the rule") {
    TempDir dir;
    struct Case {
        const char* rules;
        const char* says;
    } cases[] = {
        {R"j([1, 2, 3])j", "secret rule #1 in"},
        {R"j([{"id": 7, "pattern": "abc"}])j", "\"id\" is a number, not a string"},
        {R"j([{"pattern": "abc"}])j", "\"id\" is missing"},
        {R"j([{"id": "MINE"}])j", "secret rule 'MINE' in"},
        {R"j([{"id": "MINE", "pattern": 42}])j", "\"pattern\" is a number"},
        {R"j([{"id": "MINE", "pattern": ""}])j", "\"pattern\" is empty"},
        {R"j([{"id": "MINE", "pattern": "x*"}])j", "matches the empty text"},
        {R"j([{"id": "MINE", "pattern": "(?:)|abc"}])j", "matches the empty text"},
        {R"j([{"id": "MINE", "pattern": "abc", "caseless": "yes"}])j", "\"caseless\" is a string, not true or false"},
        {R"j([{"id": "MINE", "pattern": "abc", "group": 2}])j", "the pattern has 0 capture"},
        {R"j([{"id": "MINE", "pattern": "abc", "group": -1}])j", "\"group\" is -1"},
        {R"j([{"id": "MINE", "pattern": "abc", "max_length": 10000000}])j", "\"max_length\" is 10000000"},
        {R"j([{"id": "MINE", "pattern": "abc", "anchors": ["a", ""]}])j", "\"anchors\" holds \"\""},
        {R"j([{"id": "MINE", "pattern": "abc", "anchors": "a"}])j", "\"anchors\" is a string"},
        {R"j([{"id": "MINE", "pattern": "abc", "except_words": ["a", ""]}])j", "\"except_words\" holds \"\""},
        {R"j([{"id": "MINE", "pattern": "abc", "except_words": "a"}])j", "\"except_words\" is a string"},
        {R"j([{"id": "MINE", "pattern": "abc", "after_anchor": 5}])j", "\"after_anchor\" is a number"},
        {R"j([{"id": "MINE", "pattern": "abc", "confidence": "certain"}])j", "confidence is 'certain'"},
        {R"j([{"id": "MINE", "pattern": "(a)\\1"}])j", "backreference \\1 is not supported"},
        {R"j([{"id": "MINE", "pattern": "a(?=b)"}])j", "lookahead (?= is not supported"},
        {R"j([{"id": "MINE", "pattern": "(unclosed"}])j", "does not compile"},
        {R"j([{"id": "MINE", "pattern": "a{1001}"}])j", "does not compile"},
        {R"j([{"id": "MINE", "pattern": "((((a{100}){100}){100}){100})"}])j", "does not compile"},
        {R"j([])j", "are empty"},
    };
    std::string huge;  // a program RE2 would need more than its memory bound for
    for (int i = 0; i < 4000; i++) huge += "[a-z]{1000}";
    std::string huge_rule = R"([{"id": "MINE", "pattern": ")" + huge + R"("}])";
    CHECK(secret_error(secret_file(dir, huge_rule)).find("more than the 8 MiB") != std::string::npos);
    for (const auto& c : cases) {
        std::string rules_text = c.rules;
        CAPTURE(rules_text);
        std::string path = secret_file(dir, c.rules);
        std::string error = secret_error(path);
        CAPTURE(error);
        CHECK(error.find(c.says) != std::string::npos);
        CHECK(error.find(path) != std::string::npos);
        bool names_rule = error.find("'MINE'") != std::string::npos || error.find("rule #1") != std::string::npos ||
                          error.find("are empty") != std::string::npos;
        CHECK(names_rule);
    }
}

TEST_CASE("each malformed blame rule is one UserError naming the file and the rule") {
    TempDir dir;
    std::pair<const char*, const char*> cases[] = {
        {R"(["skip"])", "blame rule #1 in"},
        {R"([{"id": 3, "function": "abc"}])", "\"id\" is a number"},
        {R"([{"id": "MINE", "function": ".*"}])", "'MINE'"},
        {R"([{"id": "MINE", "function": "f", "module": ""}])", "\"module\" is empty"},
        {R"([{"id": "MINE", "function": "f", "role": 3}])", "\"role\" is a number"},
        {R"([{"id": "MINE", "function": "f", "role": "ignore"}])", "role is 'ignore'"},
        {R"([{"id": "MINE", "function": "f", "why": ["a"]}])", "\"why\" is an array"},
    };
    for (const auto& [rules, says] : cases) {
        std::string rules_text = rules;
        CAPTURE(rules_text);
        std::string path = blame_file(dir, rules);
        std::string error = blame_error(path);
        CAPTURE(error);
        CHECK(error.find(says) != std::string::npos);
        CHECK(error.find(path) != std::string::npos);
    }
}

TEST_CASE("a rules file is read only when it is a regular file of at most 16 MiB, never blocking") {
    TempDir dir;
    CHECK(secret_error("/dev/zero").find("is not a regular file") != std::string::npos);
    std::string fifo = (dir.path / "fifo").string();
    REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
    auto start = std::chrono::steady_clock::now();
    CHECK(blame_error(fifo).find("is not a regular file") != std::string::npos);
    CHECK(seconds_since(start) < 5);
    std::string big = (dir.path / "big.json").string();
    std::filesystem::resize_file(dir.write("big.json", "{"), 100u << 20);  // sparse: 100 MB claimed
    CHECK(secret_error(big).find("more than the 16 MiB") != std::string::npos);
    CHECK(secret_error((dir.path / "missing.json").string()).find("cannot read rules file") != std::string::npos);
    std::string deep = dir.write("deep.json", std::string(100000, '[') + std::string(100000, ']'));
    CHECK(secret_error(deep).find("nests deeper than") != std::string::npos);
    CHECK(secret_error(dir.write("broken.json", "{ not json")).find("not valid JSON") != std::string::npos);
    CHECK(secret_error(dir.write("list.json", "[1, 2]")).find("holds an array in JSON, not an object") !=
          std::string::npos);
    CHECK(secret_error(dir.write("schema.json", R"({"schema": 1, "rules": []})"))
              .find("is not a coroner.secret-rules/1") != std::string::npos);
}

TEST_CASE("catastrophic patterns finish quickly on 1 MiB") {
    TempDir dir;
    // std::regex overflowed the stack on the first and took minutes on the second.
    std::string path = secret_file(dir, R"([{"id": "LONG", "pattern": "[^\\x01]+\\x02", "max_length": 16384},
                                            {"id": "NESTED", "pattern": "(\\x00+)+\\x01|\\x02"}])");
    auto rules = secret_rules(path);
    std::string memory(1u << 20, 'a');
    std::string zeros(1u << 20, '\0');
    for (std::size_t i = 4096; i < memory.size(); i += 4096) memory[i] = zeros[i] = '\x02';
    auto start = std::chrono::steady_clock::now();
    auto hits = scan_for_secrets(*rules, reinterpret_cast<const std::uint8_t*>(memory.data()), memory.size(), 0);
    scan_for_secrets(*rules, reinterpret_cast<const std::uint8_t*>(zeros.data()), zeros.size(), 0);
    CHECK(seconds_since(start) < 10);
    CHECK(hits.empty());  // every match ends in a control byte: not text, so no finding
    // A blame rule backtracking engines never finish on, over a 1 MiB name.
    std::string blame_path = blame_file(dir, R"([{"id": "SLOW", "function": "(.*.*)*X"}])");
    auto skip = effective_skip_rules(blame_path);
    Frame f;
    f.function = std::string(1u << 20, 'a');
    start = std::chrono::steady_clock::now();
    const SkipRule* none = matching_rule(skip, f);
    CHECK((none == nullptr || none->id != "SLOW"));
    f.function = std::string(1u << 20, 'a') + "X";
    const SkipRule* slow = matching_rule(skip, f);
    REQUIRE(slow != nullptr);
    CHECK(slow->id == "SLOW");
    CHECK(seconds_since(start) < 10);
}

TEST_CASE("ECMAScript patterns keep their meaning under RE2") {
    CHECK(Pattern("a.c").full_match("abc"));
    CHECK_FALSE(Pattern("a.c").full_match("a\rc"));  // ECMAScript's '.' is not a line break
    CHECK_FALSE(Pattern("a.c").full_match("a\nc"));
    CHECK(Pattern("a\\sc").full_match("a\vc"));  // nor is its \s RE2's (which lacks \v)
    CHECK(Pattern("a[\\s]c").full_match("a\vc"));
    CHECK_FALSE(Pattern("a\\Sc").full_match("a\vc"));
    CHECK_FALSE(Pattern("a[\\S]c").full_match("a\vc"));
    CHECK(
        Pattern("a[\\S]c").full_match("a\xe9"
                                      "c"));
    CHECK(Pattern("\\u0041").full_match("A"));
    CHECK(Pattern("[[:alpha:].]+").full_match("a.b"));
    CHECK(Pattern("[\\b]").full_match("\b"));
    CHECK(Pattern("\\bword\\b").partial_match("a word."));
    CHECK(Pattern("[^\\x00-\\x1f]+").full_match("\xff\x80 binary"));  // one byte is one character
    CHECK(Pattern("abc$").partial_match("xabc"));
    CHECK_FALSE(Pattern("abc$").partial_match("abc\n"));
    CHECK(Pattern("ABC", true).full_match("abc"));
    CHECK(Pattern("::h[0-9a-f]{2}$").replace_all("f::h0a", "") == "f");
    CHECK_THROWS_AS(Pattern("[]a"), std::invalid_argument);
    CHECK_THROWS_AS(Pattern("(?<=a)b"), std::invalid_argument);
    CHECK_THROWS_AS(Pattern("\\u0100"), std::invalid_argument);
}
