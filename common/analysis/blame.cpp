#include "coroner/analysis/blame.hpp"

#include "coroner/analysis/classify.hpp"
#include "coroner/analysis/names.hpp"
#include "coroner/base/error.hpp"
#include "coroner/base/rules.hpp"
#include "coroner/base/text.hpp"

#include <fmt/format.h>

#include <unistd.h>
#include <algorithm>
#include <cstdlib>

namespace coroner {

namespace {

// The rule's "function" pattern, and the functions of the abort rules (rules/abort_causes.json) it names
// in "abort_rules": the frames that tell an abort's cause are the frames blame passes over, listed once.
std::optional<Pattern> function_pattern(const RuleFields& r) {
    if (!r.has("function") && !r.has("abort_rules") && (r.has("module") || r.has("file"))) return std::nullopt;
    Pattern own = r.pattern("function");
    if (!r.has("abort_rules")) return own;
    std::string alternatives = "(?:" + own.source() + ")";
    for (const std::string& id : r.texts("abort_rules")) {
        auto it =
            std::find_if(abort_rules().begin(), abort_rules().end(), [&](const AbortRule& a) { return a.id == id; });
        if (it == abort_rules().end())
            r.fail(fmt::format("\"abort_rules\" holds '{}', not the id of a built-in abort rule", id),
                   "use an id from rules/abort_causes.json");
        alternatives += "|(?:" + it->function.source() + ")";
    }
    return Pattern(alternatives);
}

}  // namespace

std::vector<SkipRule> parse_skip_rules(const nlohmann::json& doc, const std::string& source) {
    std::vector<SkipRule> rules;
    for (const RuleFields& r : rule_list(doc, "blame", source))
        rules.push_back({r.id(), r.choice<BlameRole>("role", BlameRole::skip), function_pattern(r),
                         r.optional_pattern("module"), r.optional_pattern("file"), r.optional_pattern("calls"),
                         r.text_or("why", "")});
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
        std::vector<SkipRule> more = parse_skip_rules(load_rules_file(path, "coroner.blame-rules/1"), path);
        rules.insert(rules.end(), more.begin(), more.end());
    };
    if (rules_file) add_file(*rules_file);
    if (std::string user = user_rules_path(); ::access(user.c_str(), F_OK) == 0) add_file(user);
    rules.insert(rules.end(), builtin_skip_rules().begin(), builtin_skip_rules().end());
    return rules;
}

namespace {

bool rule_matches(const SkipRule& rule, const Frame& frame, const Frame* called) {
    if (rule.function && !(frame.function && rule.function->full_match(strip_parameters(*frame.function))))
        return false;
    if (rule.module && !(frame.module && rule.module->partial_match(base_name(*frame.module)))) return false;
    if (rule.file && !(frame.file && rule.file->partial_match(*frame.file))) return false;
    if (rule.calls && !(called && called->function && rule.calls->full_match(strip_parameters(*called->function))))
        return false;
    return true;
}

const SkipRule* first_matching_rule(const std::vector<SkipRule>& rules, const Frame& frame, const Frame* called) {
    for (const auto& rule : rules)
        if (rule_matches(rule, frame, called)) return &rule;
    return nullptr;
}

// Frame i is the first Python frame no rule skips: the program's own code, which called the native frames
// inside it.
void blame_under_python(Blame& b, const std::vector<Frame>& frames, std::size_t i, std::optional<int> first_library) {
    const Frame& py = frames[i];
    std::string where = fmt::format("{} at {}:{}", py.function.value_or("?"), base_name(py.file.value_or("?")),
                                    py.line ? std::to_string(*py.line) : "?");
    if (first_library) {
        b.frame = first_library;
        b.python_caller = static_cast<int>(i);
        b.reason = "first native frame with symbols that no rule skips, called from Python by " + where;
    } else {
        b.frame = static_cast<int>(i);
        b.reason =
            "first Python frame (the program's own code) that no rule skips; the native code it called has "
            "no symbols or is the interpreter's";
    }
}

// A statically linked program holds its libraries' code too (libc's pause, say). Such a frame has a function
// but no source line, while a caller further up in the same program has one: that caller is the program's.
bool linked_in_library(const std::vector<Frame>& frames, std::size_t i) {
    const Frame& f = frames[i];
    if (!f.function || f.file || f.python) return false;
    for (std::size_t j = i + 1; j < frames.size(); j++)
        if (frames[j].module == f.module && frames[j].file && !frames[j].python) return true;
    return false;
}

}  // namespace

const SkipRule* matching_rule(const std::vector<SkipRule>& rules, const Frame& frame) {
    return first_matching_rule(rules, frame, nullptr);
}

const SkipRule* matching_rule(const std::vector<SkipRule>& rules, const std::vector<Frame>& frames, std::size_t i) {
    return first_matching_rule(rules, frames[i], i > 0 ? &frames[i - 1] : nullptr);
}

Blame blame(const std::vector<Frame>& frames, const std::optional<std::string>& executable,
            const std::vector<SkipRule>& rules) {
    Blame b;
    std::optional<int> first_library, first_scanned;
    for (std::size_t i = 0; i < frames.size(); i++) {
        const Frame& f = frames[i];
        // A frame found by scanning the stack is a guess: blamed only when nothing better exists.
        if (f.found_by == FoundBy::scan) {
            bool named_or_own = f.function || (executable && f.module && *f.module == *executable);
            if (!first_scanned && named_or_own && !matching_rule(rules, frames, i)) first_scanned = static_cast<int>(i);
            continue;
        }
        if (const SkipRule* rule = matching_rule(rules, frames, i)) {
            if (rule->role == BlameRole::keep) {
                b.frame = static_cast<int>(i);
                b.reason = fmt::format("kept by rule {}: {}", rule->id, rule->why);
                return b;
            }
            if (rule->role == BlameRole::skip) b.skipped.push_back({f.index, f.function, rule->id, rule->why});
            continue;
        }
        if (f.python) {
            blame_under_python(b, frames, i, first_library);
            return b;
        }
        bool in_program = executable && f.module && *f.module == *executable;
        if (in_program && linked_in_library(frames, i)) {
            b.skipped.push_back({f.index, f.function, "linked-in-library",
                                 "no source line, in a statically linked program whose caller has one: library code"});
            if (!first_library) first_library = static_cast<int>(i);
            continue;
        }
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
    if (first_scanned) {
        b.frame = first_scanned;
        b.reason =
            "a guess: the first frame found by scanning the stack for return addresses (no frame the "
            "debugger or the frame pointers found can be blamed)";
        return b;
    }
    b.reason = frames.empty() ? "the crashing thread has no frames" : "no frame has symbols or is in the program";
    return b;
}

}  // namespace coroner
