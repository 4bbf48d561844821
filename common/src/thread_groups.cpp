#include "coroner/thread_groups.hpp"

#include "coroner/json_util.hpp"
#include "coroner/names.hpp"
#include "coroner/rules.hpp"
#include "coroner/signals.hpp"
#include "coroner/signature.hpp"

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
        r.depth = doc.value("depth", 8);
        for (const RuleFields& rule : rule_list(doc, "thread-state", "the built-in rules"))
            r.rules.push_back({rule.id(), rule.text("state"), rule.pattern("function")});
        return r;
    }();
    return rules;
}

// Two threads are in one group when their stacks are the same sequence of functions (frames without
// symbols by module+offset, as in signatures).
std::string stack_key(const std::vector<Frame>& frames, const std::vector<Mapping>& mappings) {
    std::string key;
    for (const auto& f : frames) key += signature_frame(f, mappings) + "\n";
    return key;
}

std::string thread_list(const std::vector<ThreadInfo>& threads, std::size_t shown) {
    std::string out;
    for (std::size_t i = 0; i < threads.size() && i < shown; i++)
        out += fmt::format("{}{} (tid {})", i ? ", " : "", threads[i].index, threads[i].tid);
    if (threads.size() > shown) out += fmt::format(", and {} more", threads.size() - shown);
    return out;
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

ThreadsReport group_threads(const Session& s, int frame_limit) {
    ThreadsReport report;
    report.count = s.threads.size();
    std::map<std::string, std::size_t> group_of;
    for (const auto& thread : s.threads) {
        std::vector<Frame> frames = s.frames(thread, frame_limit);
        bool crashing = thread.tid == s.crashing_thread.tid;
        // The crashing thread is a group of its own, even when another thread has the same stack.
        std::string key = crashing ? "crashing" : stack_key(frames, s.facts.mappings);
        auto it = group_of.find(key);
        if (it == group_of.end()) {
            ThreadGroup group;
            group.crashing = crashing;
            group.frames = std::move(frames);
            group.state = crashing && s.facts.signal ? fmt::format("crashed ({})", signal_name(s.facts.signal->number))
                                                     : guess_thread_state(group.frames);
            it = group_of.emplace(key, report.groups.size()).first;
            report.groups.push_back(std::move(group));
        }
        report.groups[it->second].threads.push_back(thread);
    }
    std::stable_sort(report.groups.begin(), report.groups.end(), [](const ThreadGroup& a, const ThreadGroup& b) {
        if (a.crashing != b.crashing) return a.crashing;
        return a.threads.size() > b.threads.size();
    });
    return report;
}

nlohmann::ordered_json threads_json(const ThreadsReport& r) {
    using json = nlohmann::ordered_json;
    json groups = json::array();
    for (const auto& g : r.groups) {
        json tids = json::array(), frames = json::array();
        for (const auto& t : g.threads) tids.push_back(t.tid);
        for (const auto& f : g.frames)
            frames.push_back({{"function", f.function ? json(strip_parameters(*f.function)) : json(nullptr)},
                              {"module", or_null(f.module)},
                              {"file", or_null(f.file)},
                              {"line", or_null(f.line)}});
        groups.push_back({{"threads", tids}, {"crashing", g.crashing}, {"state", g.state}, {"frames", frames}});
    }
    return {{"schema", "coroner.threads/1"}, {"count", r.count}, {"groups", groups}};
}

std::string threads_text(const ThreadsReport& r) {
    std::string out = fmt::format("{} thread{} in {} group{}\n", r.count, r.count == 1 ? "" : "s", r.groups.size(),
                                  r.groups.size() == 1 ? "" : "s");
    for (const auto& g : r.groups) {
        out += fmt::format("\n{} thread{}: {}, {}\n", g.threads.size(), g.threads.size() == 1 ? "" : "s", g.state,
                           thread_list(g.threads, 8));
        for (const auto& f : g.frames) {
            std::string where = f.file ? fmt::format(" at {}:{}", base_name(*f.file), f.line.value_or(0))
                                : f.module ? fmt::format(" in {}", base_name(*f.module))
                                           : "";
            out += fmt::format("  #{:<3} {}{}\n", f.index, f.function ? strip_parameters(*f.function) : "??", where);
        }
    }
    return out;
}

}  // namespace coroner
