// `coroner report CORE`: the core through the same intake as `coroner triage` (any stored form, its
// systemd or apport metadata), then pm-report in GDB or LLDB with what only the intake knows (the recorded
// crash time, host, package, truncation) passed as options, so that the text is the debugger's own.
#pragma once

#include "debugger_run.hpp"

#include <optional>
#include <string>
#include <vector>

namespace coroner::cli {

struct ReportRun {
    std::string core;
    DebuggerSetup debugger;
    std::optional<std::string> exe;
    std::vector<std::string> logs;
    std::optional<std::string> window;
    bool json = false;
    bool reveal = false;
    std::optional<std::string> output;
    bool force = false;
};

// The pm-report command line for these options and this core's metadata (arguments quoted for both
// debuggers' parsers).
std::string report_command_line(const ReportRun& run, const std::vector<std::pair<std::string, std::string>>& metadata,
                                const std::string& written_to);

// Runs it; returns the exit status (0 written, 1 the debugger or pm-report failed).
int run_report(const ReportRun& run);

}  // namespace coroner::cli
