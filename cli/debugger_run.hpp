// Running one debugger in batch mode over one core, in its own process group, within a time limit; and
// picking the commands' JSON objects and error lines out of its chatter.
#pragma once

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace coroner::cli {

struct DebuggerSetup {
    std::string kind = "gdb";  // gdb | lldb
    std::string executable;    // gdb or lldb to run
    std::string script;        // coroner-gdb.py or libcoroner-lldb.so
    bool debuginfod = false;
    int timeout_seconds = 120;
    // Several debuggers at once already fill the CPUs: GDB's own worker threads (DWARF indexing) then only
    // add contention (measured: the same wall time, an eighth more CPU time). Set when running more than one.
    bool one_thread_each = false;
    // GDB's index cache (set index-cache, in the user's $XDG_CACHE_HOME/gdb): the DWARF index of a library
    // that every core shares (libc's debug info) is built once instead of by every debugger.
    bool index_cache = true;
};

struct DebuggerOutcome {
    bool timed_out = false;
    bool interrupted = false;
    int exit_status = 0;
    std::map<std::string, nlohmann::json> objects;  // by schema ("coroner.triage/1")
    std::vector<std::string> error_lines;           // "pm-triage: error: ..."
    std::string last_stderr_line;
};

// The argv of the debugger for these commands ("pm-triage --json"...) on program and core.
std::vector<std::string> debugger_argv(const DebuggerSetup& setup, const std::vector<std::string>& commands,
                                       const std::string& program, const std::string& core);

// Runs argv with stdout and stderr into files in `scratch`, stdin from /dev/null, debuginfod off unless
// asked for, killing its whole process group at `deadline` or when `stop` becomes true.
DebuggerOutcome run_debugger(const DebuggerSetup& setup, const std::vector<std::string>& argv,
                             const std::string& scratch, std::chrono::steady_clock::time_point deadline,
                             const std::atomic<bool>& stop);

// The JSON objects (by schema) and pm-* error lines in a debugger's output.
void read_debugger_output(const std::string& out, const std::string& err, DebuggerOutcome& outcome);

}  // namespace coroner::cli
