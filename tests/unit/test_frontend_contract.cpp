// What common/ decides once for both frontends: which frames are real, which values are scalars, that
// output is printable, which debugger's commands a remedy names, how help is laid out.
#include "coroner/commands/commands.hpp"

#include "../support/snapshot_debugger.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace coroner;
using coroner::test::frame;
using coroner::test::SnapshotDebugger;

namespace {

Frame artificial(Frame f) {
    f.artificial = true;
    return f;
}

// A stack whose second and third frames GDB synthesized for tail calls.
SnapshotDebugger with_tail_calls() {
    SnapshotDebugger d;
    d.stacks[7] = {frame(0, 0x1000, "inner"), artificial(frame(1, 0x2000, "tail_a")),
                   artificial(frame(2, 0x3000, "tail_b")), frame(3, 0x4000, "outer"), frame(4, 0x5000, "main")};
    return d;
}

std::vector<std::string> names(const std::vector<Frame>& frames) {
    std::vector<std::string> out;
    for (const auto& f : frames) out.push_back(f.function.value_or("??"));
    return out;
}

}  // namespace

TEST_CASE("artificial frames are dropped once, for every debugger, and the rest numbered from 0") {
    SnapshotDebugger d = with_tail_calls();
    auto all = d.frames(7, 0);
    CHECK(names(all) == std::vector<std::string>{"inner", "outer", "main"});
    for (std::size_t i = 0; i < all.size(); i++) CHECK(all[i].index == static_cast<int>(i));
    // The limit counts real frames: the two artificial ones do not take the place of outer.
    CHECK(names(d.frames(7, 2)) == std::vector<std::string>{"inner", "outer"});
    CHECK(names(d.frames(7, 1)) == std::vector<std::string>{"inner"});
    CHECK(d.frames(8, 3).empty());
}

TEST_CASE("only scalars keep a value: a float or a struct the debugger read as a number does not") {
    SnapshotDebugger d;
    auto variable = [](const char* name, ValueKind kind) {
        Variable v;
        v.name = name;
        v.kind = kind;
        v.value = 42;
        return v;
    };
    d.frame_variables[{7, 0}] = {variable("p", ValueKind::pointer),     variable("n", ValueKind::integer),
                                 variable("e", ValueKind::enumeration), variable("b", ValueKind::boolean),
                                 variable("c", ValueKind::character),   variable("x", ValueKind::floating),
                                 variable("s", ValueKind::other)};
    auto vars = d.variables(7, 0);
    REQUIRE(vars.size() == 7);
    for (std::size_t i = 0; i < 5; i++) CHECK_MESSAGE(vars[i].value == 42u, vars[i].name);
    CHECK_FALSE(vars[5].value);
    CHECK_FALSE(vars[6].value);
    CHECK(vars[0].pointer());
    CHECK_FALSE(vars[1].pointer());
}

TEST_CASE("a command's error and output reach the frontend printable") {
    SnapshotDebugger d;
    d.state.kind = TargetKind::unsupported;
    d.state.description = std::string("re\0mote\x1b", 8);
    CommandOutcome out = run_command("pm-triage", "", d);
    REQUIRE_FALSE(out.ok);
    CHECK(out.error.find('\0') == std::string::npos);
    CHECK_MESSAGE(out.error.find("re\\x00mote\\x1b connection") != std::string::npos, out.error);
}

TEST_CASE("remedies name the command of the debugger the user is in") {
    SnapshotDebugger gdb;
    CommandOutcome in_gdb = run_command("pm-triage", "", gdb);
    CHECK(in_gdb.error ==
          "pm-triage: error: no core file or process is loaded (open one first: `gdb PROG CORE`, "
          "`target create PROG -c CORE`, or run the program)");
    SnapshotDebugger lldb;
    lldb.debugger_info.kind = DebuggerKind::lldb;
    CommandOutcome in_lldb = run_command("pm-triage", "", lldb);
    CHECK(in_lldb.error ==
          "pm-triage: error: no core file or process is loaded (open one first: "
          "`target create PROG -c CORE`, or run the program)");

    for (auto kind : {DebuggerKind::gdb, DebuggerKind::lldb}) {
        SnapshotDebugger d;
        d.debugger_info.kind = kind;
        d.state.kind = TargetKind::core;
        d.state.executable = "/opt/prog";  // a core whose path the debugger does not give
        std::string unknown = run_command("pm-triage", "", d).error;
        d.state.executable.reset();
        d.state.core_file = "/tmp/some.core";
        std::string no_program = run_command("pm-triage", "", d).error;
        if (kind == DebuggerKind::gdb) {
            CHECK(unknown.find("(reload it with `core-file CORE`)") != std::string::npos);
            CHECK(no_program.find("(load the program that produced the core: `file PROG` or `gdb PROG CORE`)") !=
                  std::string::npos);
        } else {
            CHECK(unknown.find("(reload it with `target create PROG -c CORE`)") != std::string::npos);
            CHECK(no_program.find("(load the program that produced the core: `target create PROG -c CORE`)") !=
                  std::string::npos);
            CHECK(no_program.find("gdb") == std::string::npos);
        }
    }
}

TEST_CASE("the help text is laid out for each debugger's help") {
    const CommandInfo& triage = command_infos().front();
    CHECK(command_help(triage, DebuggerKind::gdb) == triage.summary + "\nRun `pm-triage --help` for its options.");
    CHECK(command_help(triage, DebuggerKind::lldb) == triage.summary + " Run `pm-triage --help` for its options.");
}
