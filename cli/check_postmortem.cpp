#include "check_postmortem.hpp"

#include "usage_error.hpp"

#include "coroner/base/json_util.hpp"
#include "coroner/base/regular_file.hpp"
#include "coroner/commands/postmortem_check.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace coroner::cli {

int run_check_postmortem(const std::string& path, bool json) {
    constexpr std::size_t max_size = 16 << 20;
    auto text = read_regular_file(path, max_size);
    if (!text)
        throw UsageError(fmt::format("cannot read {}: {}", path, coroner::why_unreadable(max_size)),
                         "give the Markdown file of the write-up");
    auto findings = check_postmortem(*text);
    // One line, as pm-report --check --json prints the same object (and as every coroner JSON is).
    std::string out =
        json ? json_line(postmortem_findings_json(path, findings)) : postmortem_findings_text(path, findings);
    std::fwrite(out.data(), 1, out.size(), stdout);
    std::fprintf(stderr, "coroner check-postmortem: %zu finding%s\n", findings.size(), findings.size() == 1 ? "" : "s");
    return findings.empty() ? 0 : 1;
}

}  // namespace coroner::cli
