// Rule files kept as data (common/rules/*.json), compiled into the library at build time, and the same
// formats from users' files (--rules, ~/.config/coroner/...): one loader, whose checks make any malformed
// file one UserError naming the file and the rule.
#pragma once

#include "coroner/base/enum_names.hpp"
#include "coroner/base/pattern.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace coroner {

// The largest rules file read: a bigger one (or a device, a FIFO: anything but a regular file) is refused.
constexpr std::size_t max_rules_file_size = 16u << 20;
// How deep objects and arrays may nest in a rules file (the formats need 3).
constexpr std::size_t max_rules_nesting = 32;

// The parsed built-in rule file `name` ("blame_skip", "security", "abort_causes").
const nlohmann::json& builtin_rules(const std::string& name);

// A rule file from disk (for --rules); throws UserError naming the file when it cannot be read or parsed,
// or is not an object with this "schema" and a "rules" array.
nlohmann::json load_rules_file(const std::string& path, const std::string& expected_schema);

// One rule of a rule file, its fields read by type. A field that is missing where it is required, of the
// wrong type, empty or out of range is a UserError naming the rule and the file.
class RuleFields {
public:
    // `kind` names the rules in messages ("secret", "blame"), `source` the file they came from.
    RuleFields(const nlohmann::json& rule, std::size_t index, std::string kind, std::string source);
    const std::string& id() const { return id_; }
    bool has(const char* field) const { return this->field(field) != nullptr; }
    std::string text(const char* field) const;                                  // required, not empty
    std::string text_or(const char* field, const std::string& fallback) const;  // may be empty
    bool flag(const char* field, bool fallback) const;
    // A whole number from `least` to `most`.
    std::size_t count(const char* field, std::size_t fallback, std::size_t least, std::size_t most) const;
    std::optional<double> number(const char* field) const;
    std::vector<std::string> texts(const char* field) const;  // a list of non-empty strings; none if absent
    // A required pattern, compiled; one that RE2 refuses or, unless `catch_all`, that matches the empty text
    // (so everywhere) is an error.
    Pattern pattern(const char* field, bool caseless = false, bool catch_all = false) const;
    std::optional<Pattern> optional_pattern(const char* field) const;
    // One of an enum's names (see enum_names.hpp): required, or `fallback` when absent. Any other text is an
    // error naming the field and the names allowed.
    template <class E>
    E choice(const char* field, std::optional<E> fallback = std::nullopt) const {
        std::string value = fallback ? text_or(field, to_string(*fallback)) : text(field);
        if (std::optional<E> known = from_string<E>(value)) return *known;
        fail(std::string(field) + " is '" + value + "'", "use " + enum_choices<E>());
    }
    // A list of an enum's names, at least one (a single name is a list of one).
    template <class E>
    std::vector<E> choices(const char* field) const {
        std::vector<E> out;
        for (const std::string& value : names(field)) {
            std::optional<E> known = from_string<E>(value);
            if (!known) fail(std::string(field) + " holds '" + value + "'", "use " + enum_choices<E>());
            out.push_back(*known);
        }
        return out;
    }
    [[noreturn]] void fail(const std::string& what, const std::string& remedy = "fix the rule") const;

private:
    const nlohmann::json* field(const char* name) const;
    std::vector<std::string> names(const char* field) const;  // a non-empty string or list of them, required
    const nlohmann::json& rule_;
    std::string id_, kind_, source_;
    std::size_t index_;
};

// The rules of a document (its "rules" array, which load_rules_file has checked), one RuleFields each.
std::vector<RuleFields> rule_list(const nlohmann::json& doc, const std::string& kind, const std::string& source);

}  // namespace coroner
