#include "coroner/analysis/names.hpp"
#include "coroner/base/json_util.hpp"
#include "coroner/base/text.hpp"
#include "coroner/commands/threads_report.hpp"

#include <fmt/format.h>

namespace coroner {
namespace {

std::string thread_list(const std::vector<ThreadInfo>& threads, std::size_t shown) {
    std::string out;
    for (std::size_t i = 0; i < threads.size() && i < shown; i++)
        out += fmt::format("{}{} (tid {})", i ? ", " : "", threads[i].index, threads[i].tid);
    if (threads.size() > shown) out += fmt::format(", and {} more", threads.size() - shown);
    return out;
}

}  // namespace

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
                              {"line", or_null(f.line)},
                              {"found_by", to_string(f.found_by)},
                              {"language", f.python ? "python" : "native"}});
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
            std::string where = f.file     ? fmt::format(" at {}:{}", base_name(*f.file), f.line.value_or(0))
                                : f.module ? fmt::format(" in {}", base_name(*f.module))
                                           : "";
            std::string number = frame_label(f);
            out += fmt::format("  {:<4} {}{}{}\n", number, f.python ? "[python] " : "",
                               f.function ? strip_parameters(*f.function) : "??", where);
        }
    }
    return out;
}

}  // namespace coroner
