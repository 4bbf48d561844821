// Every read-only command over an arbitrary core, as a frontend runs it: the input is written to a file
// and loaded as the core of a debugger whose threads and frames come from the core's own notes (the
// adapters' part, here a SnapshotDebugger), then pm-triage, pm-blame-frame --explain, pm-threads,
// pm-symbols, pm-secrets-scan and pm-report run through the command table. A command may fail only with
// one line "pm-NAME: error: ..." that is not an internal error (an exception that is not a UserError).
#include "coroner/commands/commands.hpp"
#include "coroner/base/error.hpp"
#include "coroner/core/elf_core.hpp"

#include "../tests/support/snapshot_debugger.hpp"
#include "fuzz_support.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>

using namespace coroner;

namespace {

// What a debugger would say about the core: its threads, each with a frame at its pc and two callers.
test::SnapshotDebugger debugger_for(const ElfCore& core, const std::string& path) {
    test::SnapshotDebugger d;
    d.state.kind = TargetKind::core;
    d.state.executable = "/nonexistent/coroner-fuzz/prog";
    d.state.core_file = path;
    int index = 1;
    for (const auto& t : core.threads()) {
        if (index > 64) break;
        d.thread_list.push_back(ThreadInfo{index++, t.tid, std::nullopt});
        d.stacks[t.tid] = {test::frame(0, t.pc, "get_total(invoice const*)", "/src/prog.c", 4),
                           test::frame(1, t.pc + 0x40, "abort"), test::frame(2, t.sp, std::nullopt)};
        d.stacks[t.tid][0].sp = t.sp;
    }
    return d;
}

void check(const CommandOutcome& outcome, const char* command) {
    if (outcome.ok) return;
    bool one_line =
        outcome.error.find('\n') == std::string::npos || outcome.error.find('\n') == outcome.error.size() - 1;
    bool plain = outcome.error.rfind(std::string(command) + ": error: ", 0) == 0 &&
                 outcome.error.find("internal error") == std::string::npos;
    if (one_line && plain) return;
    std::fprintf(stderr, "%s failed without one plain error line: %s\n", command, outcome.error.c_str());
    std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    // No user's own blame rules from the environment.
    static const bool no_user_rules = setenv("XDG_CONFIG_HOME", "/nonexistent/coroner-fuzz", 1) == 0;
    (void)no_user_rules;
    std::unique_ptr<ElfCore> core;
    try {
        core = ElfCore::from_bytes(std::vector<std::uint8_t>(data, data + size), "fuzz.core");
    } catch (const UserError&) {
        return 0;  // the elf_core target's part
    }
    const std::string& path = fuzz::scratch_path("commands.core");
    if (!fuzz::write_file(path, data, size)) return 0;
    test::SnapshotDebugger debugger = debugger_for(*core, path);
    static const std::pair<const char*, const char*> commands[] = {
        {"pm-triage", "--json"},  {"pm-triage", ""},        {"pm-blame-frame", "--explain --json"},
        {"pm-threads", "--json"}, {"pm-symbols", "--json"}, {"pm-secrets-scan", "--json"},
        {"pm-report", "--json"},  {"pm-report", ""}};
    for (const auto& [name, arguments] : commands) check(run_command(name, arguments, debugger), name);
    return 0;
}
