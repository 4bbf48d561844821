// pm-threads: every thread's stack, grouped (analysis/thread_groups), and its text and JSON.
#pragma once

#include "coroner/analysis/thread_groups.hpp"
#include "coroner/commands/session.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace coroner {

struct ThreadsReport {
    std::size_t count = 0;
    std::vector<ThreadGroup> groups;  // the crashing thread's group first, then the largest
};

ThreadsReport threads_report(const Session& session, int frame_limit);

nlohmann::ordered_json threads_json(const ThreadsReport& report);
std::string threads_text(const ThreadsReport& report);

}  // namespace coroner
