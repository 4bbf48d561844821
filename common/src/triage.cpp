#include "coroner/triage.hpp"

#include "coroner/access.hpp"
#include "coroner/dying_words.hpp"
#include "coroner/error.hpp"
#include "coroner/module_file.hpp"
#include "coroner/signals.hpp"

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
    r.thread_count = s.threads.size();

    // The fault belongs to the crashing thread; another thread gets the same signal but its own stack.
    ProcessFacts facts = s.facts;
    if (!r.thread_is_crashing && !r.frames.empty()) {
        facts.crash_pc = r.frames.front().pc;
        facts.crash_sp = r.frames.front().sp;
    }
    std::optional<FaultingAccess> access;
    if (facts.crash_pc && r.thread_is_crashing)
        access = decode_faulting_access(*s.memory, *facts.crash_pc, facts.crash_registers,
                                        facts.signal ? facts.signal->fault_address : std::nullopt);
    r.cause = classify(facts, r.frames, access);
    if (facts.signal && facts.signal->number == 6 && r.thread_is_crashing) {
        r.cause.message = glibc_abort_message(facts, *s.memory);
        if (r.cause.cls == "uncaught-exception" && s.core)
            if (auto e = uncaught_cxx_exception(*s.core, *s.memory)) {
                r.cause.exception_type = e->type;
                r.cause.message = e->what;
                r.cause.summary = fmt::format("uncaught C++ exception {}{}", e->type,
                                              e->what ? fmt::format(": {}", *e->what) : "");
            }
    }
    r.blame = blame(r.frames, r.executable, builtin_skip_rules());
    r.signature = make_signature(signal_name(r.signal ? r.signal->number : 0), r.cause.cls, r.frames, r.blame.frame,
                                 s.facts.mappings, builtin_skip_rules());
    r.missing_debug_info = modules_without_debug_info(r.frames);
    if (s.executable.mismatched && r.executable) r.mismatched.push_back(*r.executable);
    r.security = rate(r.cause);
    return r;
}

}  // namespace coroner
