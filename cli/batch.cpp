#include "batch.hpp"

#include "coroner/base/error.hpp"
#include "coroner/base/folder.hpp"
#include "coroner/base/interrupt.hpp"
#include "coroner/base/json_util.hpp"
#include "coroner/core/intake.hpp"
#include "coroner/core/program_search.hpp"
#include "coroner/secrets/text_redaction.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>
#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

namespace coroner::cli {
namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

std::atomic<bool> stop_flag{false};

void on_stop_signal(int) { stop_flag.store(true); }

// Thrown between unpacking steps when the core's time is up or the user asked to stop.
struct Stopped {
    bool timed_out;
};

void walk_folder(const std::string& folder, std::vector<std::string>& out, int depth) {
    if (depth > 64) return;
    for (const auto& name : sorted_entries(folder)) {
        std::string path = folder + (folder.empty() || folder.back() == '/' ? "" : "/") + name;
        struct stat st {};
        // Links to folders are not followed (no loops); every other entry is an input of its own.
        if (::lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
            walk_folder(path, out, depth + 1);
        else
            out.push_back(path);
    }
}

template <typename T>
json or_null(const std::optional<T>& value) {
    return value ? json(*value) : json(nullptr);
}

json metadata_json(const CoreMetadata& m) {
    return {{"program", or_null(m.program)},
            {"comm", or_null(m.comm)},
            {"command_line", or_null(m.command_line)},
            {"pid", or_null(m.pid)},
            {"uid", or_null(m.uid)},
            {"signal", or_null(m.signal)},
            {"time", or_null(m.time)},
            {"time_source", or_null(m.time_source)},
            {"host", or_null(m.host)},
            {"package", or_null(m.package)},
            {"build_id", or_null(m.build_id)},
            {"truncated", m.truncated},
            {"truncation", or_null(m.truncation)},
            {"sources", m.sources}};
}

std::string error_text(const UserError& error) {
    return error.remedy().empty() ? error.what() : fmt::format("{} ({})", error.what(), error.remedy());
}

struct Command {
    std::string name, line, schema, key;
};

std::vector<Command> commands_for(const std::vector<std::string>& with, bool reveal) {
    // pm-symbols prints nothing that came from the core's memory: it has no --reveal.
    std::string shown = reveal ? " --reveal" : "";
    std::vector<Command> commands = {{"triage", "pm-triage --json" + shown, "coroner.triage/1", "triage"}};
    for (const auto& extra : with) {
        if (extra == "threads")
            commands.push_back({"threads", "pm-threads --json" + shown, "coroner.threads/1", "threads"});
        else if (extra == "symbols")
            commands.push_back({"symbols", "pm-symbols --json", "coroner.symbols/1", "symbols"});
        else if (extra == "secrets")
            commands.push_back({"secrets", "pm-secrets-scan --json" + shown, "coroner.secrets/1", "secrets"});
    }
    return commands;
}

class Batch {
public:
    Batch(const BatchOptions& options, std::vector<std::string> inputs, std::size_t all_inputs)
        : options_(options),
          inputs_(std::move(inputs)),
          all_inputs_(all_inputs),
          commands_(commands_for(options.with, options.reveal)),
          started_(Clock::now()),
          progress_(::isatty(2) == 1) {}

    int run(unsigned jobs) {
        if (options_.exe_dir) folder_ = std::make_unique<ProgramFolder>(*options_.exe_dir);
        if (options_.out) {
            file_.open(*options_.out, std::ios::out | std::ios::trunc);
            if (!file_)
                throw UserError(fmt::format("cannot write {}: {}", *options_.out, std::strerror(errno)),
                                "give --out a writable path");
        }
        std::vector<std::thread> workers;
        jobs = std::max(1u, std::min<unsigned>(jobs, static_cast<unsigned>(std::max<std::size_t>(1, inputs_.size()))));
        for (unsigned i = 0; i < jobs; ++i) workers.emplace_back([this] { work(); });
        for (auto& worker : workers) worker.join();
        if (progress_) std::fprintf(stderr, "\r\033[K");
        double seconds = std::chrono::duration<double>(Clock::now() - started_).count();
        std::fprintf(stderr, "coroner triage: %zu triaged, %zu failed, %zu buckets (%s%zu inputs in %.1f s)%s\n",
                     triaged_, failed_, buckets_.size(), shard_text().c_str(), all_inputs_, seconds,
                     stop_flag.load() ? "; stopped early" : "");
        if (stop_flag.load()) return 130;
        return failed_ == 0 ? 0 : 1;
    }

private:
    // "shard 2/3: 5 of 14 inputs" names the slice this run took.
    std::string shard_text() const {
        if (!options_.shard) return "";
        return fmt::format("shard {}/{}: {} of ", options_.shard->index, options_.shard->count, inputs_.size());
    }

    void work() {
        while (!stop_flag.load()) {
            std::size_t index = next_.fetch_add(1);
            if (index >= inputs_.size()) return;
            json row = triage_one(inputs_[index], index);
            if (stop_flag.load() && row["status"] == "interrupted") return;
            report(row);
        }
    }

    json triage_one(const std::string& input, std::size_t index) {
        auto start = Clock::now();
        auto deadline = start + std::chrono::seconds(options_.debugger.timeout_seconds);
        json row = {{"schema", "coroner.batch/1"}, {"input", input},    {"format", nullptr}, {"metadata", nullptr},
                    {"program", nullptr},          {"status", "error"}, {"error", nullptr},  {"seconds", 0}};
        for (const auto& command : commands_) row[command.key] = nullptr;
        std::string scratch = fmt::format("{}/{}", temporary_.path(), index);
        ::mkdir(scratch.c_str(), 0700);
        try {
            StepCheck check = [&] {
                if (stop_flag.load()) throw Stopped{false};
                if (Clock::now() >= deadline) throw Stopped{true};
            };
            TakenCore taken = take_in_core(input, scratch, check);
            row["format"] = taken.format_detail;
            row["metadata"] = metadata_json(taken.metadata);
            ProgramChoice program = choose_program(taken.metadata, options_.exe, folder_.get());
            row["program"] = {{"path", program.path}, {"found_by", program.found_by}};
            debug(row, taken, program, scratch, deadline);
        } catch (const UserError& error) {
            row["status"] = "error";
            row["error"] = error_text(error);
        } catch (const Stopped& stopped) {
            row["status"] = stopped.timed_out ? "timeout" : "interrupted";
            row["error"] = stopped.timed_out ? timeout_text() : "stopped by the user";
        } catch (const std::exception& error) {
            row["status"] = "error";
            row["error"] = fmt::format("internal error: {}", error.what());
        }
        remove_tree(scratch);
        row["seconds"] = std::round(std::chrono::duration<double>(Clock::now() - start).count() * 1000) / 1000;
        return row;
    }

    std::string timeout_text() const {
        return fmt::format(
            "the core took longer than the {} s time limit (raise --timeout, or open this core "
            "by hand)",
            options_.debugger.timeout_seconds);
    }

    void debug(json& row, const TakenCore& taken, const ProgramChoice& program, const std::string& scratch,
               Clock::time_point deadline) {
        std::vector<std::string> lines;
        for (const auto& command : commands_) lines.push_back(command.line);
        auto argv = debugger_argv(options_.debugger, lines, program.path, taken.core_path);
        DebuggerOutcome outcome = run_debugger(options_.debugger, argv, scratch, deadline, stop_flag);
        if (outcome.interrupted) throw Stopped{false};
        if (outcome.timed_out) throw Stopped{true};
        std::vector<std::string> problems;
        for (const auto& command : commands_) {
            auto it = outcome.objects.find(command.schema);
            if (it != outcome.objects.end()) row[command.key] = it->second;
        }
        for (const auto& line : outcome.error_lines) problems.push_back(line);
        bool triaged = !row["triage"].is_null();
        const auto& metadata = taken.metadata;
        if (metadata.truncated) {
            row["status"] = "truncated";
            std::string why = fmt::format(
                "the core is truncated: {} (triaged as far as it goes; the missing bytes "
                "read as zeros)",
                metadata.truncation.value_or("marked so where it was stored"));
            problems.insert(problems.begin(), why);
        } else if (triaged) {
            row["status"] = "ok";
        } else {
            row["status"] = "error";
        }
        if (!triaged && outcome.error_lines.empty())
            problems.push_back(fmt::format("{} exited with status {} without pm-triage's JSON{}{}",
                                           options_.debugger.kind, outcome.exit_status,
                                           outcome.last_stderr_line.empty() ? "" : ": ", outcome.last_stderr_line));
        if (!problems.empty()) {
            std::string joined;
            for (const auto& problem : problems) joined += (joined.empty() ? "" : "; ") + problem;
            row["error"] = joined;
        }
    }

    void report(json row) {
        // The debugger's commands redact their own output; the rest of the row holds text from the core too
        // (its command line, in metadata) and from the debugger (its last words, in error).
        if (!options_.reveal) redact_secrets_in_json(row, *secret_rules());
        std::lock_guard<std::mutex> guard(lock_);
        std::string line = json_line(row);
        if (file_.is_open()) {
            file_ << line;
            file_.flush();
        } else {
            std::fwrite(line.data(), 1, line.size(), stdout);
            std::fflush(stdout);
        }
        ++done_;
        if (!row["triage"].is_null()) {
            ++triaged_;
            if (row["triage"].contains("bucket") && row["triage"]["bucket"].is_string())
                buckets_.insert(row["triage"]["bucket"].get<std::string>());
        } else {
            ++failed_;
        }
        if (progress_) show_progress();
    }

    void show_progress() {
        double seconds = std::chrono::duration<double>(Clock::now() - started_).count();
        double rate = seconds > 0 ? static_cast<double>(done_) / seconds : 0;
        double left = rate > 0 ? static_cast<double>(inputs_.size() - done_) / rate : 0;
        std::fprintf(stderr, "\r\033[K%zu/%zu done, %zu failed, %.1f cores/s, %.0f s left", done_, inputs_.size(),
                     failed_, rate, left);
        std::fflush(stderr);
    }

    const BatchOptions& options_;
    std::vector<std::string> inputs_;
    std::size_t all_inputs_;  // before sharding
    std::vector<Command> commands_;
    TemporaryFolder temporary_{"coroner"};
    std::unique_ptr<ProgramFolder> folder_;
    std::ofstream file_;
    Clock::time_point started_;
    bool progress_;
    std::atomic<std::size_t> next_{0};
    std::mutex lock_;
    std::size_t done_ = 0, triaged_ = 0, failed_ = 0;
    std::set<std::string> buckets_;
};

}  // namespace

void install_stop_handlers() {
    struct sigaction action {};
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    ::sigaction(SIGINT, &action, nullptr);
    ::sigaction(SIGTERM, &action, nullptr);
    ::sigaction(SIGHUP, &action, nullptr);
    std::signal(SIGPIPE, SIG_IGN);
    set_interrupt_check([] { return stop_flag.load(); });
}

bool stop_requested() { return stop_flag.load(); }

std::vector<std::string> batch_inputs(const std::vector<std::string>& paths) {
    std::vector<std::string> inputs;
    for (const auto& path : paths) {
        if (path == "-") {
            std::string line;
            while (std::getline(std::cin, line))
                if (!line.empty()) inputs.push_back(line);
            continue;
        }
        struct stat st {};
        if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
            walk_folder(path, inputs, 0);
        else
            inputs.push_back(path);
    }
    return inputs;
}

unsigned default_jobs(const std::string& debugger, const std::vector<std::string>& inputs) {
    unsigned cpus = std::max(1u, std::thread::hardware_concurrency());
    std::uint64_t available = 0;
    std::ifstream meminfo("/proc/meminfo");
    std::string key;
    std::uint64_t kib = 0;
    std::string unit;
    while (meminfo >> key >> kib >> unit)
        if (key == "MemAvailable:") available = kib * 1024;
    if (available == 0) return cpus;
    // A debugger's expected memory: its peak resident size with pm-triage on a crash-lab core (GDB 75 MiB,
    // LLDB 14 160 MiB, measured with /usr/bin/time -f %M) rounded up to about three times that for programs
    // with more libraries and threads, plus an eighth of the largest input (the debuggers read a core on
    // demand; what they map of it is page cache, which the kernel takes back first).
    std::uint64_t base = (debugger == "lldb" ? 512u : 256u) << 20;
    std::uint64_t largest = 0;
    for (const auto& input : inputs) {
        struct stat st {};
        if (::stat(input.c_str(), &st) == 0 && S_ISREG(st.st_mode))
            largest = std::max<std::uint64_t>(largest, static_cast<std::uint64_t>(st.st_size));
    }
    std::uint64_t each = base + largest / 8;
    auto fit = static_cast<unsigned>(std::max<std::uint64_t>(1, available / each));
    return std::min(cpus, fit);
}

int run_batch(const BatchOptions& options) {
    std::vector<std::string> inputs = batch_inputs(options.paths);
    std::size_t all_inputs = inputs.size();
    if (options.shard) inputs = shard_inputs(std::move(inputs), *options.shard);
    unsigned jobs = options.jobs ? *options.jobs : default_jobs(options.debugger.kind, inputs);
    BatchOptions run_options = options;
    run_options.debugger.one_thread_each = jobs > 1 && inputs.size() > 1;
    Batch batch(run_options, std::move(inputs), all_inputs);
    return batch.run(jobs);
}

}  // namespace coroner::cli
