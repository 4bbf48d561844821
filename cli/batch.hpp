// `coroner triage`: every input core through a debugger in batch mode, several at a time, one JSONL row
// each (schema coroner.batch/1).
#pragma once

#include "debugger_run.hpp"
#include "shard.hpp"

#include <optional>
#include <string>
#include <vector>

namespace coroner::cli {

struct BatchOptions {
    std::vector<std::string> paths;  // files, folders, "-" for paths on stdin
    DebuggerSetup debugger;
    std::vector<std::string> with;  // threads, symbols, secrets
    std::optional<std::string> exe, exe_dir;
    std::optional<unsigned> jobs;    // default: CPUs, lowered to fit the available memory
    std::optional<std::string> out;  // default stdout
    std::optional<Shard> shard;      // default all the inputs
    bool reveal = false;             // secrets in text from the core left as they are
};

// The inputs the paths name: files as given, folders walked recursively (sorted), "-" read from stdin.
std::vector<std::string> batch_inputs(const std::vector<std::string>& paths);

// How many debuggers to run at once: the CPUs, lowered so that each one's expected memory fits into what
// /proc/meminfo says is available.
unsigned default_jobs(const std::string& debugger, const std::vector<std::string>& inputs);

// Runs the batch; returns the exit status (0 all triaged, 1 some failed).
int run_batch(const BatchOptions& options);

// Ctrl-C and SIGTERM: stop starting cores, end the running debuggers, remove the temporary files.
void install_stop_handlers();
bool stop_requested();

}  // namespace coroner::cli
