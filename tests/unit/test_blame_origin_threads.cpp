#include "coroner/analysis/blame.hpp"
#include "coroner/analysis/thread_groups.hpp"
#include "coroner/analysis/value_origin.hpp"
#include "coroner/base/error.hpp"

#include "../support/snapshot_debugger.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

using namespace coroner;
using coroner::test::frame;

namespace {

Variable pointer(const char* name, std::uint64_t value, bool argument) {
    Variable v;
    v.name = name;
    v.kind = ValueKind::pointer;
    v.argument = argument;
    v.value = value;
    return v;
}

Frame numbered(Frame f) {
    f.debugger_index = f.index;
    return f;
}

}  // namespace

TEST_CASE("a NULL pointer is followed up through arguments to the local it came from") {
    test::SnapshotDebugger d;
    std::vector<Frame> frames = {numbered(frame(0, 0x1000, "apply_limits")), numbered(frame(1, 0x1100, "load_service")),
                                 numbered(frame(2, 0x1200, "main"))};
    d.frame_variables[{7, 0}] = {pointer("cfg", 0, true)};
    d.frame_variables[{7, 1}] = {pointer("cfg", 0, true)};
    d.frame_variables[{7, 2}] = {pointer("name", 0x5000, false), pointer("cfg", 0, false)};
    auto origin = trace_value_origin(d, 7, frames, 0);
    REQUIRE(origin);
    CHECK(origin->what == "cfg");
    REQUIRE(origin->steps.size() == 3);
    CHECK(origin->steps[0].how == "argument `cfg`");
    CHECK(origin->steps[2].function == "main");
    CHECK(origin->steps[2].how == "local variable `cfg`");
}

TEST_CASE("a value the caller passed without a variable was computed there, and no match traces nothing") {
    test::SnapshotDebugger d;
    std::vector<Frame> frames = {numbered(frame(0, 0x1000, "get_total")), numbered(frame(1, 0x1100, "sum_invoices"))};
    d.frame_variables[{7, 0}] = {pointer("inv", 0, true)};
    d.frame_variables[{7, 1}] = {pointer("all", 0x7ff0, true)};
    auto origin = trace_value_origin(d, 7, frames, 0);
    REQUIRE(origin);
    REQUIRE(origin->steps.size() == 2);
    CHECK(origin->steps[1].how.rfind("computed here", 0) == 0);
    CHECK_FALSE(trace_value_origin(d, 7, frames, 0xdead));
    // Frames without a debugger frame number (a walked goroutine stack) are not asked.
    std::vector<Frame> walked = {frame(0, 0x1000, "main.f")};
    CHECK_FALSE(trace_value_origin(d, 7, walked, 0));
}

TEST_CASE("thread states are guessed from the top frames by rules kept as data") {
    CHECK(guess_thread_state({frame(0, 1, "__futex_abstimed_wait_common"), frame(1, 2, "___pthread_cond_wait"),
                              frame(2, 3, "idle")}) == "waiting on a condition variable");
    CHECK(guess_thread_state({frame(0, 1, "__lll_lock_wait"), frame(1, 2, "___pthread_mutex_lock")}) ==
          "waiting on a mutex");
    CHECK(guess_thread_state({frame(0, 1, "__GI___clock_nanosleep"), frame(1, 2, "__GI___nanosleep")}) == "sleeping");
    CHECK(guess_thread_state({frame(0, 1, "__libc_read"), frame(1, 2, "serve")}) == "waiting on I/O");
    CHECK(guess_thread_state({frame(0, 1, "crunch"), frame(1, 2, "main")}) == "running");
    CHECK(guess_thread_state({}) == "running");
}

TEST_CASE("the user's rules file comes before the built-in rules, and a keep rule blames its frame") {
    auto dir = std::filesystem::temp_directory_path() / "coroner-unit-rules";
    std::filesystem::create_directories(dir / "coroner");
    {
        std::ofstream f(dir / "coroner" / "blame_rules.json");
        f << R"({"schema": "coroner.blame-rules/1", "rules": [
              {"id": "MY-KEEP-ABORT", "role": "keep", "function": "abort", "why": "we want to see it"}]})";
    }
    const char* old = std::getenv("XDG_CONFIG_HOME");
    std::string saved = old ? old : "";
    setenv("XDG_CONFIG_HOME", dir.c_str(), 1);
    auto rules = effective_skip_rules();
    std::vector<Frame> frames = {frame(0, 1, "raise"), frame(1, 2, "abort"), frame(2, 3, "give_up")};
    Blame b = blame(frames, std::nullopt, rules);
    CHECK(b.frame == 1);
    CHECK(b.reason.find("MY-KEEP-ABORT") != std::string::npos);
    // Without the user's file, abort is skipped as usual.
    std::filesystem::remove(dir / "coroner" / "blame_rules.json");
    CHECK(blame(frames, std::nullopt, effective_skip_rules()).frame == 2);
    {
        std::ofstream f(dir / "coroner" / "blame_rules.json");
        f << "{ broken";
    }
    CHECK_THROWS_AS(effective_skip_rules(), UserError);
    if (old)
        setenv("XDG_CONFIG_HOME", saved.c_str(), 1);
    else
        unsetenv("XDG_CONFIG_HOME");
    std::filesystem::remove_all(dir);
}
