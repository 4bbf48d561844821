#include "coroner/commands/threads_report.hpp"

namespace coroner {

ThreadsReport threads_report(const Session& s, int frame_limit) {
    ThreadsReport report;
    report.count = s.threads.size();
    std::vector<ThreadStack> stacks;
    for (const auto& thread : s.threads) stacks.push_back({thread, s.frames(thread, frame_limit)});
    report.groups = group_threads(std::move(stacks), s.crashing_thread.tid, s.facts.signal, s.facts.mappings);
    return report;
}

}  // namespace coroner
