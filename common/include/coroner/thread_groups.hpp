// What were the other threads doing? Every thread's stack, threads with the same function sequence
// grouped, each group labelled with a state guessed from its top frames (rules/thread_states.json).
#pragma once

#include "coroner/session.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace coroner {

struct ThreadGroup {
    std::vector<ThreadInfo> threads;  // in the debugger's order
    bool crashing = false;
    std::string state;                // "waiting on a condition variable", "crashed (SIGSEGV)", ...
    std::vector<Frame> frames;        // the first thread's
};

struct ThreadsReport {
    std::size_t count = 0;
    std::vector<ThreadGroup> groups;  // the crashing thread's group first, then the largest
};

// The state a thread's stack suggests (a rule's "state"), or "running" when no rule matches.
std::string guess_thread_state(const std::vector<Frame>& frames);

ThreadsReport group_threads(const Session& session, int frame_limit);

nlohmann::ordered_json threads_json(const ThreadsReport& report);
std::string threads_text(const ThreadsReport& report);

}  // namespace coroner
