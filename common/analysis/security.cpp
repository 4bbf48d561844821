#include "coroner/analysis/security.hpp"

#include "coroner/base/rules.hpp"

#include <algorithm>
#include <optional>

namespace coroner {
namespace {

struct SecurityRule {
    std::string id;
    Rating rating;
    std::string reason;
    std::vector<CauseClass> classes;  // none: any class
    std::optional<Access> access;
    std::optional<CauseShape> shape;
};

// rules/security.json, read once.
const std::vector<SecurityRule>& security_rules() {
    static const std::vector<SecurityRule> rules = [] {
        std::vector<SecurityRule> out;
        for (const RuleFields& r : rule_list(builtin_rules("security"), "security", "the built-in rules")) {
            SecurityRule rule{r.id(), r.choice<Rating>("rating"), r.text("reason"), {}, std::nullopt, std::nullopt};
            if (r.has("class")) rule.classes = r.choices<CauseClass>("class");
            if (r.has("access")) rule.access = r.choice<Access>("access");
            if (r.has("shape")) rule.shape = r.choice<CauseShape>("shape");
            out.push_back(std::move(rule));
        }
        return out;
    }();
    return rules;
}

bool applies(const SecurityRule& rule, const Cause& cause) {
    if (!rule.classes.empty() && std::find(rule.classes.begin(), rule.classes.end(), cause.cls) == rule.classes.end())
        return false;
    if (rule.access && cause.access != rule.access) return false;
    return !rule.shape || cause.shape == rule.shape;
}

}  // namespace

SecurityRating rate(const Cause& cause) {
    for (const auto& rule : security_rules())
        if (applies(rule, cause)) return {rule.rating, rule.reason, rule.id};
    return {Rating::unknown, "no rule rates this cause", ""};
}

}  // namespace coroner
