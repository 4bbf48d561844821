#include "coroner/commands/commands.hpp"

#include "../support/core_builder.hpp"
#include "../support/snapshot_debugger.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <unistd.h>
#include <cstdio>
#include <fstream>

using namespace coroner;
using coroner::test::CoreBuilder;
using coroner::test::frame;
using coroner::test::SnapshotDebugger;

namespace {

// A core written to a temporary file, removed when the test ends.
struct TempCore {
    std::string path;
    explicit TempCore(const std::vector<std::uint8_t>& bytes) {
        char name[] = "/tmp/coroner-unit-XXXXXX";
        int fd = mkstemp(name);
        REQUIRE(fd >= 0);
        REQUIRE(::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()));
        ::close(fd);
        path = name;
    }
    ~TempCore() { std::remove(path.c_str()); }
};

std::vector<std::uint8_t> two_thread_core() {
    CoreBuilder b;
    b.thread(4243, 0x401136, 0x7ffc0000f800)
        .thread(4242, 0x7f0000001000, 0x7ffc0000e000, 0)
        .process(4242, "prog", "./prog")
        .siginfo(11, 1, 0x18)
        .segment(0x400000, std::vector<std::uint8_t>(4096, 0), PF_R)
        .segment(0x401000, std::vector<std::uint8_t>(4096, 0), PF_R | PF_X)
        .segment(0x7ffc0000e000, std::vector<std::uint8_t>(8192, 0), PF_R | PF_W)
        .file(0x400000, 0x401000, 0, "/opt/prog")
        .file(0x401000, 0x402000, 1, "/opt/prog");
    return b.build();
}

SnapshotDebugger debugger_for(const std::string& core) {
    SnapshotDebugger d;
    d.state.kind = TargetKind::core;
    d.state.executable = "/opt/prog";
    d.state.core_file = core;
    ThreadInfo main_thread{1, 4242, std::nullopt}, worker{2, 4243, std::nullopt};
    d.thread_list = {main_thread, worker};
    d.stacks[4243] = {frame(0, 0x401136, "get_total(invoice const*)", "/src/prog.c", 4),
                      frame(1, 0x401180, "sum_invoices", "/src/prog.c", 9),
                      frame(2, 0x4011a0, "main", "/src/prog.c", 14)};
    d.stacks[4242] = {frame(0, 0x7f0000001000, "pthread_cond_wait")};
    return d;
}

}  // namespace

TEST_CASE("pm-triage --json gives the coroner.triage/1 object of the crashing thread") {
    TempCore core(two_thread_core());
    SnapshotDebugger d = debugger_for(core.path);
    CommandOutcome out = run_command("pm-triage", "--json", d);
    REQUIRE(out.ok);
    CHECK(out.output.back() == '\n');
    CHECK(std::count(out.output.begin(), out.output.end(), '\n') == 1);
    auto j = nlohmann::json::parse(out.output);
    CHECK(j["schema"] == "coroner.triage/1");
    CHECK(j["debugger"]["name"] == "snapshot");
    CHECK(j["process"]["pid"] == 4242);
    CHECK(j["process"]["args"] == "./prog");
    CHECK(j["process"]["core_file"] == core.path);
    CHECK(j["signal"]["name"] == "SIGSEGV");
    CHECK(j["signal"]["code_name"] == "SEGV_MAPERR");
    CHECK(j["signal"]["fault_address"] == "0x18");
    CHECK(j["signal"]["sender_pid"].is_null());
    CHECK(j["cause"]["class"] == "null-deref");
    CHECK(j["thread"]["tid"] == 4243);
    CHECK(j["thread"]["index"] == 2);
    CHECK(j["thread"]["frames"][0]["function"] == "get_total");
    CHECK(j["thread"]["frames"][0]["module"] == "/opt/prog");
    CHECK(j["thread"]["frames"][0]["pc"] == "0x401136");
    CHECK(j["threads"]["count"] == 2);
    CHECK(j["blame"]["function"] == "get_total");
    CHECK(j["signature"] == "SIGSEGV null-deref get_total | sum_invoices | main");
    CHECK(j["bucket"].get<std::string>().size() == 16);
    CHECK(j["security"]["rating"] == "probably-not-exploitable");
}

TEST_CASE("pm-triage fetches only the crashing thread's frames") {
    TempCore core(two_thread_core());
    SnapshotDebugger d = debugger_for(core.path);
    REQUIRE(run_command("pm-triage", "", d).ok);
    CHECK(d.frames_calls == 1);
}

TEST_CASE("pm-triage text is one screen with the verdict first") {
    TempCore core(two_thread_core());
    SnapshotDebugger d = debugger_for(core.path);
    CommandOutcome out = run_command("pm-triage", "--frames 2", d);
    REQUIRE(out.ok);
    CHECK(out.output.rfind("SIGSEGV (SEGV_MAPERR", 0) == 0);
    CHECK(out.output.find("null-deref") != std::string::npos);
    CHECK(out.output.find("<= blame") != std::string::npos);
    CHECK(out.output.find("main") == std::string::npos);  // --frames 2 cut it
}

TEST_CASE("--thread analyses another thread") {
    TempCore core(two_thread_core());
    SnapshotDebugger d = debugger_for(core.path);
    auto j = nlohmann::json::parse(run_command("pm-triage", "--json --thread 1", d).output);
    CHECK(j["thread"]["tid"] == 4242);
    CHECK(j["thread"]["frames"][0]["function"] == "pthread_cond_wait");
    CommandOutcome missing = run_command("pm-triage", "--thread 9", d);
    CHECK_FALSE(missing.ok);
    CHECK(missing.error.find("there is no thread 9") != std::string::npos);
}

TEST_CASE("bad input gets one line: pm-NAME: error: what (what to do)") {
    TempCore core(two_thread_core());
    auto expect_error = [](const CommandOutcome& out, const char* fragment) {
        CHECK_FALSE(out.ok);
        CHECK(out.error.rfind("pm-triage: error: ", 0) == 0);
        CHECK(out.error.find('\n') == std::string::npos);
        CHECK(out.error.back() == ')');
        CHECK_MESSAGE(out.error.find(fragment) != std::string::npos, out.error);
    };
    SnapshotDebugger d = debugger_for(core.path);
    expect_error(run_command("pm-triage", "--bogus", d), "--bogus");
    expect_error(run_command("pm-triage", "--frames zero", d), "--frames");

    SnapshotDebugger empty;
    expect_error(run_command("pm-triage", "", empty), "no core file or process is loaded");

    SnapshotDebugger running;
    running.state.kind = TargetKind::live_running;
    running.state.pid = 1;
    expect_error(run_command("pm-triage", "", running), "running");

    SnapshotDebugger no_exe = debugger_for(core.path);
    no_exe.state.executable.reset();
    expect_error(run_command("pm-triage", "", no_exe), "without its executable");

    auto bytes = two_thread_core();
    bytes.resize(bytes.size() - 100);
    TempCore cut(bytes);
    SnapshotDebugger truncated = debugger_for(cut.path);
    expect_error(run_command("pm-triage", "", truncated), "truncated");
}

TEST_CASE("--help prints the usage with every option") {
    SnapshotDebugger empty;
    CommandOutcome out = run_command("pm-triage", "--help", empty);
    CHECK(out.ok);
    for (const char* option : {"--json", "--thread", "--frames"}) CHECK(out.output.find(option) != std::string::npos);
}

TEST_CASE("the command table lists each command once") {
    for (const char* name : {"pm-triage", "pm-blame-frame", "pm-threads", "pm-symbols"}) {
        CAPTURE(name);
        int n = 0;
        for (const auto& c : command_infos()) n += c.name == name;
        CHECK(n == 1);
    }
}

TEST_CASE("only a command that selected a frame says the selection changed: the frontend keeps it then") {
    TempCore core(two_thread_core());
    SnapshotDebugger d = debugger_for(core.path);
    for (auto& f : d.stacks[4243]) f.debugger_index = f.index;
    CommandOutcome selecting = run_command("pm-blame-frame", "--select", d);
    REQUIRE(selecting.ok);
    CHECK(selecting.selection_changed);
    CHECK(d.selected_frame == std::make_pair(std::int64_t{4243}, 0));
    for (const char* arguments : {"", "--explain", "--json"}) {
        CommandOutcome reading = run_command("pm-blame-frame", arguments, d);
        REQUIRE(reading.ok);
        CHECK_FALSE(reading.selection_changed);
    }
    CHECK_FALSE(run_command("pm-triage", "", d).selection_changed);
    CHECK_FALSE(run_command("pm-blame-frame", "--select --bogus", d).selection_changed);
}
