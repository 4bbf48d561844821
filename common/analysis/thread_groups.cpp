#include "coroner/analysis/thread_groups.hpp"

#include "coroner/analysis/names.hpp"
#include "coroner/analysis/signals.hpp"
#include "coroner/analysis/signature.hpp"
#include "coroner/base/error.hpp"
#include "coroner/base/rules.hpp"
#include "coroner/base/text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

namespace coroner {
namespace {

struct StateRule {
    std::string id;
    std::string state;
    Pattern function;
};

struct StateRules {
    std::size_t depth = 8;
    std::vector<StateRule> rules;
};

const StateRules& state_rules() {
    static const StateRules rules = [] {
        StateRules r;
        const auto& doc = builtin_rules("thread_states");
        if (auto depth = doc.find("depth"); depth != doc.end()) {
            if (!depth->is_number_unsigned() || *depth == 0 || *depth > 64)
                throw UserError("the built-in thread-state rules' \"depth\" is not a whole number from 1 to 64",
                                "fix rules/thread_states.json");
            r.depth = depth->get<std::size_t>();
        }
        for (const RuleFields& rule : rule_list(doc, "thread-state", "the built-in rules"))
            r.rules.push_back({rule.id(), rule.text("state"), rule.pattern("function")});
        return r;
    }();
    return rules;
}

// Two threads are in one group when their stacks are the same sequence of functions (frames without
// symbols by module+offset, as in signatures).
std::string stack_key(const std::vector<Frame>& frames, ProcessMap mappings) {
    std::string key;
    for (const auto& f : frames) key += signature_frame(f, mappings) + "\n";
    return key;
}

}  // namespace

std::string guess_thread_state(const std::vector<Frame>& frames) {
    const StateRules& r = state_rules();
    std::size_t depth = std::min(frames.size(), r.depth);
    for (const auto& rule : r.rules)
        for (std::size_t i = 0; i < depth; i++)
            if (frames[i].function && rule.function.full_match(strip_parameters(*frames[i].function)))
                return rule.state;
    return "running";
}

std::vector<ThreadGroup> group_threads(std::vector<ThreadStack> stacks, std::int64_t crashing_tid,
                                       const std::optional<SignalInfo>& signal, ProcessMap mappings) {
    std::vector<ThreadGroup> groups;
    std::map<std::string, std::size_t> group_of;
    for (auto& stack : stacks) {
        bool crashing = stack.thread.tid == crashing_tid;
        // The crashing thread is a group of its own, even when another thread has the same stack.
        std::string key = crashing ? "crashing" : stack_key(stack.frames, mappings);
        auto it = group_of.find(key);
        if (it == group_of.end()) {
            ThreadGroup group;
            group.crashing = crashing;
            group.frames = std::move(stack.frames);
            group.state = crashing && signal ? fmt::format("crashed ({})", signal_name(signal->number))
                                             : guess_thread_state(group.frames);
            it = group_of.emplace(key, groups.size()).first;
            groups.push_back(std::move(group));
        }
        groups[it->second].threads.push_back(stack.thread);
    }
    std::stable_sort(groups.begin(), groups.end(), [](const ThreadGroup& a, const ThreadGroup& b) {
        if (a.crashing != b.crashing) return a.crashing;
        return a.threads.size() > b.threads.size();
    });
    return groups;
}

}  // namespace coroner
