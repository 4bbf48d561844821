#include "report.hpp"

#include "usage_error.hpp"

#include "coroner/base/error.hpp"
#include "coroner/base/log_window.hpp"
#include "coroner/base/output_file.hpp"
#include "coroner/base/regular_file.hpp"
#include "coroner/core/intake.hpp"
#include "coroner/core/program_search.hpp"

#include <fmt/format.h>

#include <unistd.h>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace coroner::cli {
namespace {

// One argument as both GDB (CLI11 splitting the raw text) and LLDB (its own splitting, then the plugin's
// re-quoting) read it back.
std::string quoted(const std::string& argument) {
    if (argument.find_first_of("\n\r") != std::string::npos)
        throw UsageError(fmt::format("a line break in '{}'", argument), "give paths and texts on one line");
    std::string out = "\"";
    for (char c : argument) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

// What the intake knows and the debugger cannot: as pm-report's options.
std::vector<std::pair<std::string, std::string>> metadata_options(const CoreMetadata& m) {
    std::vector<std::pair<std::string, std::string>> out;
    if (m.time) {
        out.push_back({"--crash-time", *m.time});
        // A file's time is said as such by pm-report itself; a recorded time is named by its source.
        if (m.time_source && *m.time_source != "file modification time")
            out.push_back({"--time-source", *m.time_source});
    }
    if (m.host) out.push_back({"--host", *m.host});
    if (m.package) out.push_back({"--package", *m.package});
    if (m.truncated) out.push_back({"--truncated", m.truncation.value_or("marked so where it was stored")});
    return out;
}

std::string absolute(const std::string& path) {
    if (!path.empty() && path[0] == '/') return path;
    char here[4096];
    return ::getcwd(here, sizeof here) ? std::string(here) + "/" + path : path;
}

void write_all(int fd, const std::string& text) {
    for (std::size_t done = 0; done < text.size();) {
        ssize_t wrote = ::write(fd, text.data() + done, text.size() - done);
        if (wrote < 0 && errno == EINTR) continue;
        if (wrote <= 0) throw UserError(fmt::format("cannot write: {}", std::strerror(errno)), "check the disk");
        done += static_cast<std::size_t>(wrote);
    }
}

}  // namespace

std::string report_command_line(const ReportRun& run, const std::vector<std::pair<std::string, std::string>>& metadata,
                                const std::string& written_to) {
    std::string line = "pm-report --output " + quoted(written_to);
    if (run.json) line += " --json";
    if (run.reveal) line += " --reveal";
    for (const auto& log : run.logs) line += " --log " + quoted(log);
    if (run.window) line += " --window " + quoted(*run.window);
    for (const auto& [option, value] : metadata) line += " " + option + " " + quoted(value);
    return line;
}

int run_report(const ReportRun& run) {
    // Checked before any work: the output may not exist (without --force), and each log must be readable
    // (pm-report says so too, but only after the core is unpacked and loaded).
    if (run.window && !parse_duration(*run.window))
        throw UsageError(fmt::format("--window {} is not a duration", *run.window),
                         "give it with its unit: 10m, 90s, 1h");
    std::optional<OutputFile> output;
    if (run.output) output.emplace(*run.output, run.force, run.core);
    for (const auto& log : run.logs) {
        int fd = open_regular_file(log);
        if (fd < 0)
            throw UsageError(fmt::format("cannot read the log {}: {}", log,
                                         errno == EINVAL ? "not a regular file" : std::strerror(errno)),
                             "give --log a readable log file");
        ::close(fd);
    }
    TemporaryFolder scratch("coroner-report");
    TakenCore taken = take_in_core(run.core, scratch.path());
    ProgramChoice program = choose_program(taken.metadata, run.exe, nullptr);
    std::string written = scratch.path() + "/report";
    auto metadata = metadata_options(taken.metadata);
    if (taken.core_path != run.core) {
        metadata.push_back({"--stored", absolute(run.core)});
        metadata.push_back({"--stored-format", taken.format_detail});
    }
    std::string command = report_command_line(run, metadata, written);
    auto argv = debugger_argv(run.debugger, {command}, program.path, taken.core_path);
    std::atomic<bool> stop{false};
    DebuggerOutcome outcome =
        run_debugger(run.debugger, argv, scratch.path(),
                     std::chrono::steady_clock::now() + std::chrono::seconds(run.debugger.timeout_seconds), stop);
    auto text = read_regular_file(written, 1u << 30);
    if (!text) {
        for (const auto& line : outcome.error_lines) std::fprintf(stderr, "%s\n", line.c_str());
        if (outcome.error_lines.empty())
            std::fprintf(stderr, "coroner: error: %s wrote no report (%s)\n", run.debugger.kind.c_str(),
                         outcome.timed_out                  ? "it ran out of time: raise --timeout"
                         : outcome.last_stderr_line.empty() ? "open the core by hand"
                                                            : outcome.last_stderr_line.c_str());
        return 1;
    }
    if (output) {
        write_all(output->fd(), *text);
        output->commit();
        std::fprintf(stderr, "coroner report: wrote %s (mode 0600)\n", output->path().c_str());
    } else {
        write_all(1, *text);
    }
    return 0;
}

}  // namespace coroner::cli
