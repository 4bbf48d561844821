#include "coroner/blame.hpp"

#include "coroner/error.hpp"
#include "coroner/names.hpp"
#include "coroner/rules.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <unistd.h>

namespace coroner {

std::vector<SkipRule> parse_skip_rules(const nlohmann::json& doc) {
    std::vector<SkipRule> rules;
    for (const auto& r : doc.at("rules")) {
        std::string id = r.value("id", "");
        try {
            std::string role = r.value("role", "skip");
            if (role != "skip" && role != "entry" && role != "keep")
                throw std::invalid_argument("role must be skip, entry or keep, not " + role);
            SkipRule rule{id, role, std::regex(r.at("function").get<std::string>()), std::nullopt, r.value("why", "")};
            if (r.contains("module")) rule.module = std::regex(r["module"].get<std::string>());
            rules.push_back(std::move(rule));
        } catch (const std::exception& e) {
            throw UserError(fmt::format("blame rule '{}' is invalid: {}", id, e.what()),
                            "fix its function/module pattern");
        }
    }
    return rules;
}

const std::vector<SkipRule>& builtin_skip_rules() {
    static const std::vector<SkipRule> rules = parse_skip_rules(builtin_rules("blame_skip"));
    return rules;
}

std::string user_rules_path() {
    const char* xdg = std::getenv("XDG_CONFIG_HOME");
    const char* home = std::getenv("HOME");
    std::string base = xdg && *xdg ? xdg : std::string(home ? home : "") + "/.config";
    return base + "/coroner/blame_rules.json";
}

std::vector<SkipRule> effective_skip_rules(const std::optional<std::string>& rules_file) {
    std::vector<SkipRule> rules;
    auto add_file = [&rules](const std::string& path) {
        std::vector<SkipRule> more;
        try {
            more = parse_skip_rules(load_rules_file(path, "coroner.blame-rules/1"));
        } catch (const UserError& e) {
            std::string what = e.what();
            if (what.find(path) == std::string::npos) throw UserError(fmt::format("{}: {}", path, what), e.remedy());
            throw;
        }
        rules.insert(rules.end(), more.begin(), more.end());
    };
    if (rules_file) add_file(*rules_file);
    if (std::string user = user_rules_path(); ::access(user.c_str(), F_OK) == 0) add_file(user);
    rules.insert(rules.end(), builtin_skip_rules().begin(), builtin_skip_rules().end());
    return rules;
}

const SkipRule* matching_rule(const std::vector<SkipRule>& rules, const Frame& frame) {
    if (!frame.function) return nullptr;
    std::string name = strip_parameters(*frame.function);
    for (const auto& rule : rules) {
        if (!std::regex_match(name, rule.function)) continue;
        if (rule.module && !(frame.module && std::regex_search(base_name(*frame.module), *rule.module))) continue;
        return &rule;
    }
    return nullptr;
}

Blame blame(const std::vector<Frame>& frames, const std::optional<std::string>& executable,
            const std::vector<SkipRule>& rules) {
    Blame b;
    std::optional<int> first_library;
    for (std::size_t i = 0; i < frames.size(); i++) {
        const Frame& f = frames[i];
        if (const SkipRule* rule = matching_rule(rules, f)) {
            if (rule->role == "keep") {
                b.frame = static_cast<int>(i);
                b.reason = fmt::format("kept by rule {}: {}", rule->id, rule->why);
                return b;
            }
            if (rule->role == "skip") b.skipped.push_back({f.index, f.function, rule->id, rule->why});
            continue;
        }
        bool in_program = executable && f.module && *f.module == *executable;
        if (in_program) {
            b.frame = static_cast<int>(i);
            b.reason = f.function ? "first frame in the program's own code"
                                  : "first frame in the program's own code (no symbols: see pm-symbols)";
            return b;
        }
        if (f.function && !first_library) first_library = static_cast<int>(i);
    }
    if (first_library) {
        b.frame = first_library;
        b.reason = "no frame of the program itself; first library frame with symbols that no rule skips";
        return b;
    }
    b.reason = frames.empty() ? "the crashing thread has no frames" : "no frame has symbols or is in the program";
    return b;
}

}  // namespace coroner
