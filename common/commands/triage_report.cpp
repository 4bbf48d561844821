#include "coroner/commands/triage_report.hpp"

#include "coroner/analysis/access.hpp"
#include "coroner/analysis/runtimes/dying_words.hpp"
#include "coroner/analysis/runtimes/rust_panic.hpp"
#include "coroner/analysis/signals.hpp"
#include "coroner/base/error.hpp"
#include "coroner/core/module_file.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace coroner {
namespace {

ThreadInfo chosen_thread(const Session& s, const TriageOptions& options) {
    if (!options.thread) return s.crashing_thread;
    for (const auto& t : s.threads)
        if (t.index == *options.thread) return t;
    throw UserError(fmt::format("there is no thread {}", *options.thread),
                    fmt::format("give a thread number from 1 to {} (see pm-threads)", s.threads.size()));
}

std::vector<std::string> modules_without_debug_info(const std::vector<Frame>& frames) {
    std::vector<std::string> missing;
    for (const auto& f : frames) {
        if (!f.module || std::find(missing.begin(), missing.end(), *f.module) != missing.end()) continue;
        if (read_module_file(*f.module).readable && find_debug_info(*f.module).kind == DebugInfoKind::none)
            missing.push_back(*f.module);
    }
    return missing;
}

// What the program or its runtime said as it aborted, read from the core: glibc's message, the uncaught
// C++ exception, the Rust panic, the Go panic value.
void add_dying_words(const Session& s, const ProcessFacts& facts, Cause& cause) {
    cause.message = glibc_abort_message(facts, *s.memory);
    if (cause.cls == CauseClass::uncaught_exception && s.core) {
        if (auto e = uncaught_cxx_exception(*s.core, *s.memory)) {
            cause.exception_type = e->type;
            cause.message = e->what;
            cause.summary =
                fmt::format("uncaught C++ exception {}{}", e->type, e->what ? fmt::format(": {}", *e->what) : "");
        }
    } else if (cause.cls == CauseClass::rust_panic && facts.crash_sp) {
        if (auto p = rust_panic(*s.memory, facts.mappings, *facts.crash_sp)) {
            cause.message = p->message;
            cause.summary = fmt::format("Rust panic at {}:{}:{}{}", p->file, p->line, p->column,
                                        p->message ? ": " + *p->message : "");
        }
    } else if (cause.cls == CauseClass::go_panic && s.go_panic) {
        cause.message = s.go_panic->message;
        cause.summary =
            fmt::format("Go panic: {}", s.go_panic->message.value_or("a value of type " + s.go_panic->type));
    }
}

}  // namespace

TriageReport triage(const Session& s, const TriageOptions& options) {
    TriageReport r;
    r.debugger = s.debugger_info;
    r.executable = s.target.executable;
    r.pid = s.facts.pid;
    r.args = s.facts.args;
    r.core_file = s.target.core_file;
    r.core_time = s.facts.core_time;
    r.signal = s.facts.signal;
    r.thread = chosen_thread(s, options);
    r.thread_is_crashing = r.thread.tid == s.crashing_thread.tid;
    r.frames = s.frames(r.thread, std::max(options.frames, 1));
    if (r.thread_is_crashing && s.crash_frames_walked())
        r.frames_from = "the panicking goroutine; the thread itself is in the Go runtime's signal handler";
    r.thread_count = s.threads.size();

    // The fault belongs to the crashing thread; another thread gets the same signal but its own stack.
    ProcessFacts facts = s.facts;
    if (!r.thread_is_crashing && !r.frames.empty()) {
        facts.crash_pc = r.frames.front().pc;
        facts.crash_sp = r.frames.front().sp;
    }
    std::optional<FaultingAccess> access;
    if (facts.crash_pc && r.thread_is_crashing)
        access = decode_faulting_access(*s.arch, *s.memory, *facts.crash_pc, facts.crash_registers,
                                        facts.signal ? facts.signal->fault_address : std::nullopt);
    // A core without siginfo (qemu-user's) records no fault address; a load or store faulted at the address its
    // operand computes from the registers it faulted with. Classified from that, and said so.
    bool address_computed = false;
    if (facts.signal && !facts.signal->siginfo_recorded && !facts.signal->fault_address && access && access->address &&
        (facts.signal->number == 11 || facts.signal->number == 7)) {
        facts.signal->fault_address = access->address;
        address_computed = true;
    }
    r.cause = classify(*s.arch, facts, r.frames, access);
    if (address_computed) r.cause.summary += ", at the address the instruction computes (the core has no siginfo)";
    r.access = access;
    if (facts.signal && facts.signal->number == 6 && r.thread_is_crashing) add_dying_words(s, facts, r.cause);
    // Blame honours the user's own rules; the signature keeps to the built-in ones, so that buckets
    // are the same for everyone.
    r.blame = blame(r.frames, r.executable, effective_skip_rules(options.rules_file));
    r.signature = make_signature(signal_name(r.signal ? r.signal->number : 0), to_string(r.cause.cls), r.frames,
                                 r.blame.frame, s.facts.mappings, builtin_skip_rules());
    r.missing_debug_info = modules_without_debug_info(r.frames);
    if (s.executable.mismatched && r.executable) r.mismatched.push_back(*r.executable);
    r.security = rate(r.cause);
    if (s.python) r.python = TriageReport::Python{s.python->version, s.python->note};
    return r;
}

}  // namespace coroner
