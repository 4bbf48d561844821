#include "debugger_run.hpp"

#include <fmt/format.h>

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

extern char** environ;

namespace coroner::cli {
namespace {

std::string read_whole(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// LLDB's command line takes a quoted path: backslashes and quotes escaped.
std::string lldb_quoted(const std::string& path) {
    std::string out = "\"";
    for (char c : path) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

std::vector<std::string> child_environment(const DebuggerSetup& setup) {
    std::vector<std::string> env;
    for (char** entry = environ; *entry; ++entry) {
        std::string text = *entry;
        if (text.rfind("DEBUGINFOD_URLS=", 0) == 0 && !setup.debuginfod)
            continue;  // no network fetches unless asked for
        if (text.rfind("DEBUGINFOD_TIMEOUT=", 0) == 0) continue;
        env.push_back(text);
    }
    if (setup.debuginfod) env.push_back(fmt::format("DEBUGINFOD_TIMEOUT={}", setup.timeout_seconds));
    return env;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
    std::vector<char*> out;
    for (auto& s : strings) out.push_back(s.data());
    out.push_back(nullptr);
    return out;
}

// Waits for the child up to `slice`; true once it has exited (status filled in).
bool wait_for(pid_t pid, int pidfd, std::chrono::milliseconds slice, int& status) {
    if (pidfd >= 0) {
        pollfd fd{pidfd, POLLIN, 0};
        ::poll(&fd, 1, static_cast<int>(slice.count()));
    } else {
        std::this_thread::sleep_for(std::min(slice, std::chrono::milliseconds(10)));
    }
    pid_t done = ::waitpid(pid, &status, WNOHANG);
    return done == pid;
}

}  // namespace

std::vector<std::string> debugger_argv(const DebuggerSetup& setup, const std::vector<std::string>& commands,
                                       const std::string& program, const std::string& core) {
    std::vector<std::string> argv;
    if (setup.kind == "gdb") {
        argv = {setup.executable,
                "-nx",
                "-batch",
                "-iex",
                setup.debuginfod ? "set debuginfod enabled on" : "set debuginfod enabled off",
                "-x",
                setup.script};
        if (setup.one_thread_each) argv.insert(argv.begin() + 3, {"-iex", "maint set worker-threads 0"});
        if (setup.index_cache) argv.insert(argv.begin() + 3, {"-iex", "set index-cache enabled on"});
        for (const auto& command : commands) {
            argv.push_back("-ex");
            argv.push_back(command);
        }
        argv.push_back(program);
        argv.push_back(core);
    } else {
        argv = {setup.executable,
                "--no-lldbinit",
                "-b",
                "-o",
                "plugin load " + lldb_quoted(setup.script),
                "-o",
                "target create " + lldb_quoted(program) + " -c " + lldb_quoted(core)};
        for (const auto& command : commands) {
            argv.push_back("-o");
            argv.push_back(command);
        }
    }
    return argv;
}

DebuggerOutcome run_debugger(const DebuggerSetup& setup, const std::vector<std::string>& argv,
                             const std::string& scratch, std::chrono::steady_clock::time_point deadline,
                             const std::atomic<bool>& stop) {
    DebuggerOutcome outcome;
    std::string out_path = scratch + "/debugger.out", err_path = scratch + "/debugger.err";
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    // Its own process group, so that the time limit kills whatever the debugger started too, and Ctrl-C
    // on the terminal reaches only coroner (which then ends the debuggers itself).
    posix_spawnattr_setpgroup(&attributes, 0);
    sigset_t defaults;
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGINT);
    sigaddset(&defaults, SIGTERM);
    sigaddset(&defaults, SIGPIPE);
    posix_spawnattr_setsigdefault(&attributes, &defaults);
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&attributes, &none);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);

    std::vector<std::string> args = argv, env = child_environment(setup);
    auto c_args = c_strings(args), c_env = c_strings(env);
    pid_t pid = 0;
    int failed = ::posix_spawnp(&pid, c_args[0], &actions, &attributes, c_args.data(), c_env.data());
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    if (failed != 0) {
        outcome.exit_status = 127;
        outcome.last_stderr_line = fmt::format("cannot run {}: {}", argv[0], std::strerror(failed));
        return outcome;
    }
    int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
    int status = 0;
    while (!wait_for(pid, pidfd, std::chrono::milliseconds(100), status)) {
        bool late = std::chrono::steady_clock::now() >= deadline;
        if (late || stop.load()) {
            outcome.timed_out = late;
            outcome.interrupted = !late;
            ::kill(-pid, SIGKILL);
            ::waitpid(pid, &status, 0);
            break;
        }
    }
    // Anything the debugger left running in its group goes with it.
    ::kill(-pid, SIGKILL);
    if (pidfd >= 0) ::close(pidfd);
    outcome.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    read_debugger_output(read_whole(out_path), read_whole(err_path), outcome);
    return outcome;
}

void read_debugger_output(const std::string& out, const std::string& err, DebuggerOutcome& outcome) {
    std::istringstream lines(out + "\n" + err);
    std::string line;
    while (std::getline(lines, line)) {
        if (!line.empty() && line[0] == '{') {
            auto object = nlohmann::json::parse(line, nullptr, false);
            if (object.is_object() && object.contains("schema") && object["schema"].is_string()) {
                std::string schema = object["schema"].get<std::string>();
                outcome.objects[schema] = std::move(object);
            }
            continue;
        }
        auto at = line.find("pm-");
        if (at != std::string::npos && line.find(": error: ", at) != std::string::npos)
            outcome.error_lines.push_back(line.substr(at));
    }
    std::istringstream errors(err);
    while (std::getline(errors, line))
        if (!line.empty()) outcome.last_stderr_line = line;
}

}  // namespace coroner::cli
