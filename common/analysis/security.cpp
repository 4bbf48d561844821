#include "coroner/analysis/security.hpp"

#include "coroner/base/rules.hpp"

#include <optional>

namespace coroner {
namespace {

struct SecurityRule {
    std::string id, rating, reason;
    Pattern cls;  // matched against the whole cause class
    std::optional<std::string> access, shape;
};

// rules/security.json, read and compiled once.
const std::vector<SecurityRule>& security_rules() {
    static const std::vector<SecurityRule> rules = [] {
        std::vector<SecurityRule> out;
        for (const RuleFields& r : rule_list(builtin_rules("security"), "security", "the built-in rules")) {
            // The last rule's class is ".*": a catch-all.
            SecurityRule rule{r.id(), r.text("rating"), r.text("reason"), r.pattern("class", false, true), std::nullopt,
                              std::nullopt};
            if (!r.text_or("access", "").empty()) rule.access = r.text("access");
            if (!r.text_or("shape", "").empty()) rule.shape = r.text("shape");
            out.push_back(std::move(rule));
        }
        return out;
    }();
    return rules;
}

}  // namespace

SecurityRating rate(const Cause& cause) {
    for (const auto& rule : security_rules()) {
        if (!rule.cls.full_match(cause.cls)) continue;
        if (rule.access && cause.access != *rule.access) continue;
        if (rule.shape && cause.shape != *rule.shape) continue;
        return {rule.rating, rule.reason, rule.id};
    }
    return {"unknown", "no rule rates this cause", ""};
}

}  // namespace coroner
