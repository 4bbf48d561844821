// The action items of pm-report's draft: rules/report_actions.json, selected by the facts.
#include "coroner/analysis/classify.hpp"
#include "coroner/base/rules.hpp"
#include "coroner/commands/report.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace coroner {

enum class ActionNeed { blame, origin, message, missing_debug_info, mismatched, secrets, truncated };
enum class ActionKind { prevent, mitigate, detect };

template <>
struct EnumNames<ActionNeed> {
    static constexpr std::pair<ActionNeed, const char*> names[] = {
        {ActionNeed::blame, "blame"},           {ActionNeed::origin, "origin"},
        {ActionNeed::message, "message"},       {ActionNeed::missing_debug_info, "missing-debug-info"},
        {ActionNeed::mismatched, "mismatched"}, {ActionNeed::secrets, "secrets"},
        {ActionNeed::truncated, "truncated"},
    };
};

template <>
struct EnumNames<ActionKind> {
    static constexpr std::pair<ActionKind, const char*> names[] = {
        {ActionKind::prevent, "prevent"}, {ActionKind::mitigate, "mitigate"}, {ActionKind::detect, "detect"}};
};

namespace {

struct ActionRule {
    std::string id;
    std::vector<std::string> classes;  // cause classes by name; empty: any
    std::vector<ActionNeed> needs;
    ActionKind kind;
    std::string text;
};

const std::vector<ActionRule>& action_rules() {
    static const std::vector<ActionRule> rules = [] {
        std::vector<ActionRule> out;
        for (const RuleFields& r : rule_list(builtin_rules("report_actions"), "report action", "the built-in rules")) {
            ActionRule rule{r.id(), {}, {}, r.choice<ActionKind>("kind"), r.text("text")};
            if (r.has("classes"))
                for (CauseClass c : r.choices<CauseClass>("classes")) rule.classes.push_back(to_string(c));
            if (r.has("needs")) rule.needs = r.choices<ActionNeed>("needs");
            out.push_back(std::move(rule));
        }
        return out;
    }();
    return rules;
}

bool known(const ReportFacts& f, ActionNeed need) {
    switch (need) {
    case ActionNeed::blame: return f.blame.has_value();
    case ActionNeed::origin: return f.origin_value.has_value();
    case ActionNeed::message: return f.message.has_value();
    case ActionNeed::missing_debug_info: return !f.missing_debug_info.empty();
    case ActionNeed::mismatched: return !f.mismatched.empty();
    case ActionNeed::secrets: return !f.secrets.empty();
    case ActionNeed::truncated: return f.truncation.has_value();
    }
    return false;
}

std::string joined(const std::vector<std::string>& items) {
    std::string out;
    for (std::size_t i = 0; i < items.size(); ++i)
        out += (i == 0 ? "" : i + 1 == items.size() ? " and " : ", ") + items[i];
    return out;
}

std::string modules_text(const ReportFacts& f) {
    std::vector<std::string> items;
    for (const auto& m : f.missing_debug_info)
        items.push_back(m.package ? fmt::format("{} (package {})", m.path, *m.package) : m.path);
    return joined(items);
}

std::string origin_text(const ReportFacts& f) {
    if (!f.origin_value) return "";
    std::string where = f.origin_steps.empty() ? "" : " from " + f.origin_steps.back().first.where();
    return fmt::format("{}{}{}", *f.origin_value, f.origin_what ? fmt::format(" in `{}`", *f.origin_what) : "", where);
}

std::string filled(std::string text, const ReportFacts& f) {
    const std::string blame = f.blame ? f.blame->where() : "the crashing frame";
    const std::pair<const char*, std::string> values[] = {
        {"{blame}", blame},
        {"{blame_suffix}", f.blame ? " near " + blame : ""},
        {"{program}", f.program_name},
        {"{class}", f.cause_class},
        {"{message}", f.message.value_or(f.cause_summary)},
        {"{origin}", origin_text(f)},
        {"{modules}", modules_text(f)},
        {"{secret_kinds}", joined(f.secret_kinds)},
        {"{bucket}", f.bucket},
    };
    for (const auto& [name, value] : values)
        for (std::size_t at = text.find(name); at != std::string::npos; at = text.find(name, at + value.size()))
            text.replace(at, std::string(name).size(), value);
    return text;
}

}  // namespace

std::vector<ActionItem> select_actions(const ReportFacts& f) {
    std::vector<ActionItem> out;
    for (const auto& rule : action_rules()) {
        if (!rule.classes.empty() &&
            std::find(rule.classes.begin(), rule.classes.end(), f.cause_class) == rule.classes.end())
            continue;
        if (!std::all_of(rule.needs.begin(), rule.needs.end(), [&](ActionNeed n) { return known(f, n); })) continue;
        out.push_back({rule.id, to_string(rule.kind), filled(rule.text, f)});
    }
    return out;
}

}  // namespace coroner
