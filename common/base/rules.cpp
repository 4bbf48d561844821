#include "coroner/base/rules.hpp"

#include "coroner/base/error.hpp"
#include "coroner/base/regular_file.hpp"

#include <fmt/format.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>

namespace coroner {

// Generated at build time from common/rules/*.json (see common/CMakeLists.txt).
std::string embedded_rule_text(const std::string& name);

const nlohmann::json& builtin_rules(const std::string& name) {
    static std::mutex lock;
    static std::map<std::string, nlohmann::json> parsed;
    std::lock_guard<std::mutex> guard(lock);
    auto it = parsed.find(name);
    if (it == parsed.end()) it = parsed.emplace(name, nlohmann::json::parse(embedded_rule_text(name))).first;
    return it->second;
}

namespace {

[[noreturn]] void unreadable(const std::string& path, const std::string& why) {
    throw UserError(fmt::format("cannot read rules file {}: {}", path, why), "check the path and its permissions");
}

void refuse_unless_regular(const std::string& path, const struct stat& st) {
    if (!S_ISREG(st.st_mode))
        throw UserError(fmt::format("rules file {} is not a regular file", path), "give the path of a JSON file");
    if (static_cast<std::uint64_t>(st.st_size) > max_rules_file_size)
        throw UserError(fmt::format("rules file {} is {} bytes, more than the {} MiB a rules file may hold", path,
                                    st.st_size, max_rules_file_size >> 20),
                        "give a smaller file");
}

// The file's bytes: regular files only (checked before opening, since opening a device can act on it, and
// again on what was opened), never more than max_rules_file_size, and never blocking.
std::string read_bounded(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) unreadable(path, std::strerror(errno));
    refuse_unless_regular(path, st);
    if (auto text = read_regular_file(path, max_rules_file_size)) return *text;
    int error = errno;
    if (error == EINVAL) st.st_mode = S_IFIFO;  // replaced by something else since the check above
    if (error == EFBIG) st.st_size = static_cast<off_t>(max_rules_file_size + 1);  // it grew while being read
    refuse_unless_regular(path, st);
    unreadable(path, std::strerror(error));
}

struct TooDeep {};

// "a number", "an array": what a JSON value is, for messages.
std::string kind_of(const nlohmann::json& v) {
    std::string name = v.type_name();
    return (name == "array" || name == "object" ? "an " : "a ") + name;
}

}  // namespace

nlohmann::json load_rules_file(const std::string& path, const std::string& expected_schema) {
    std::string text = read_bounded(path);
    nlohmann::json rules;
    try {
        auto no_deeper = [](int depth, nlohmann::json::parse_event_t, nlohmann::json&) {
            if (static_cast<std::size_t>(depth) > max_rules_nesting) throw TooDeep{};
            return true;
        };
        rules = nlohmann::json::parse(text, no_deeper, false);
    } catch (const TooDeep&) {
        throw UserError(fmt::format("rules file {} nests deeper than {} levels", path, max_rules_nesting),
                        "fix the file's structure");
    }
    if (rules.is_discarded())
        throw UserError(fmt::format("rules file {} is not valid JSON", path), "fix the file's syntax");
    if (!rules.is_object())
        throw UserError(fmt::format("rules file {} holds {} in JSON, not an object", path, kind_of(rules)),
                        fmt::format("give it \"schema\": \"{}\" and a \"rules\" array", expected_schema));
    auto schema = rules.find("schema");
    auto list = rules.find("rules");
    if (schema == rules.end() || *schema != expected_schema || list == rules.end() || !list->is_array())
        throw UserError(fmt::format("rules file {} is not a {} file", path, expected_schema),
                        fmt::format("give it \"schema\": \"{}\" and a \"rules\" array", expected_schema));
    return rules;
}

RuleFields::RuleFields(const nlohmann::json& rule, std::size_t index, std::string kind, std::string source)
    : rule_(rule), kind_(std::move(kind)), source_(std::move(source)), index_(index) {
    if (!rule.is_object()) fail(fmt::format("is {} in JSON, not an object", kind_of(rule)));
    id_ = text("id");
}

std::vector<RuleFields> rule_list(const nlohmann::json& doc, const std::string& kind, const std::string& source) {
    std::vector<RuleFields> rules;
    const nlohmann::json& list = doc.at("rules");
    for (std::size_t i = 0; i < list.size(); i++) rules.emplace_back(list[i], i, kind, source);
    return rules;
}

void RuleFields::fail(const std::string& what, const std::string& remedy) const {
    std::string rule = id_.empty() ? fmt::format("#{}", index_ + 1) : fmt::format("'{}'", id_);
    throw UserError(fmt::format("{} rule {} in {}: {}", kind_, rule, source_, what), remedy);
}

const nlohmann::json* RuleFields::field(const char* name) const {
    auto it = rule_.find(name);
    return it == rule_.end() ? nullptr : &*it;
}

std::string RuleFields::text(const char* name) const {
    const nlohmann::json* v = field(name);
    if (!v) fail(fmt::format("\"{}\" is missing", name));
    if (!v->is_string()) fail(fmt::format("\"{}\" is {}, not a string", name, kind_of(*v)));
    if (v->get_ref<const std::string&>().empty()) fail(fmt::format("\"{}\" is empty", name));
    return v->get<std::string>();
}

std::string RuleFields::text_or(const char* name, const std::string& fallback) const {
    const nlohmann::json* v = field(name);
    if (!v) return fallback;
    if (!v->is_string()) fail(fmt::format("\"{}\" is {}, not a string", name, kind_of(*v)));
    return v->get<std::string>();
}

bool RuleFields::flag(const char* name, bool fallback) const {
    const nlohmann::json* v = field(name);
    if (!v) return fallback;
    if (!v->is_boolean()) fail(fmt::format("\"{}\" is {}, not true or false", name, kind_of(*v)));
    return v->get<bool>();
}

std::size_t RuleFields::count(const char* name, std::size_t fallback, std::size_t least, std::size_t most) const {
    const nlohmann::json* v = field(name);
    if (!v) return fallback;
    bool whole = v->is_number_unsigned() || (v->is_number_integer() && v->get<std::int64_t>() >= 0);
    if (!whole || v->get<std::uint64_t>() < least || v->get<std::uint64_t>() > most)
        fail(fmt::format("\"{}\" is {}, not a whole number from {} to {}", name, v->dump(), least, most));
    return static_cast<std::size_t>(v->get<std::uint64_t>());
}

std::optional<double> RuleFields::number(const char* name) const {
    const nlohmann::json* v = field(name);
    if (!v) return std::nullopt;
    if (!v->is_number()) fail(fmt::format("\"{}\" is {}, not a number", name, kind_of(*v)));
    return v->get<double>();
}

std::vector<std::string> RuleFields::texts(const char* name) const {
    const nlohmann::json* v = field(name);
    if (!v) return {};
    if (!v->is_array()) fail(fmt::format("\"{}\" is {}, not a list of strings", name, kind_of(*v)));
    std::vector<std::string> out;
    for (const auto& item : *v) {
        if (!item.is_string() || item.get_ref<const std::string&>().empty())
            fail(fmt::format("\"{}\" holds {}, not a non-empty string", name, item.dump()));
        out.push_back(item.get<std::string>());
    }
    return out;
}

std::vector<std::string> RuleFields::names(const char* name) const {
    const nlohmann::json* v = field(name);
    if (v && v->is_string()) return {text(name)};
    std::vector<std::string> out = texts(name);
    if (out.empty()) fail(fmt::format("\"{}\" is missing or an empty list", name));
    return out;
}

Pattern RuleFields::pattern(const char* name, bool caseless, bool catch_all) const {
    std::string source = text(name);
    try {
        Pattern p(source, caseless);
        if (!catch_all && p.matches_empty())
            fail(fmt::format("\"{}\" matches the empty text, so it matches everywhere", name),
                 "make it match something");
        return p;
    } catch (const std::invalid_argument& e) {
        fail(fmt::format("\"{}\" cannot be used: {}", name, e.what()), "simplify its pattern");
    }
}

std::optional<Pattern> RuleFields::optional_pattern(const char* name) const {
    if (!field(name)) return std::nullopt;
    return pattern(name);
}

}  // namespace coroner
