// What were the other threads doing? Every thread's stack, threads with the same function sequence
// grouped, each group labelled with a state guessed from its top frames (rules/thread_states.json).
#pragma once

#include "coroner/base/model.hpp"
#include "coroner/core/process_map.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace coroner {

struct ThreadGroup {
    std::vector<ThreadInfo> threads;  // in the debugger's order
    bool crashing = false;
    std::string state;          // "waiting on a condition variable", "crashed (SIGSEGV)", ...
    std::vector<Frame> frames;  // the first thread's
};

// One thread and its stack, as grouping takes them.
struct ThreadStack {
    ThreadInfo thread;
    std::vector<Frame> frames;
};

// The state a thread's stack suggests (a rule's "state"), or "running" when no rule matches.
std::string guess_thread_state(const std::vector<Frame>& frames);

// Threads with the same stack (function sequence, or module+offset without symbols) in one group; the
// crashing thread alone and first (labelled with its signal), then the largest groups.
std::vector<ThreadGroup> group_threads(std::vector<ThreadStack> stacks, std::int64_t crashing_tid,
                                       const std::optional<SignalInfo>& signal, ProcessMap mappings);

}  // namespace coroner
