#include "coroner/commands/blame_report.hpp"

#include "coroner/analysis/names.hpp"
#include "coroner/base/error.hpp"
#include "coroner/base/json_util.hpp"
#include "coroner/base/text.hpp"
#include "coroner/commands/triage_report.hpp"

#include <fmt/format.h>

namespace coroner {
namespace {

bool is_bad_pointer(CauseClass cls) {
    return cls == CauseClass::null_deref || cls == CauseClass::wild_pointer || cls == CauseClass::non_canonical_address;
}

}  // namespace

// The bad value to follow, and from which frame: the register that held the faulting address, used by
// frame 0; or, for a jump to nowhere, the program counter, which frame 1 computed and called.
std::optional<ValueOrigin> blamed_value_origin(const Session& s, const TriageReport& t) {
    if (!t.thread_is_crashing || s.crash_frames_walked()) return std::nullopt;
    if (is_bad_pointer(t.cause.cls) && t.access && t.access->base_value)
        return trace_value_origin(*s.debugger, t.thread.tid, t.frames, *t.access->base_value);
    if (t.cause.cls == CauseClass::bad_jump && t.frames.size() > 1 && s.facts.crash_pc) {
        std::vector<Frame> callers(t.frames.begin() + 1, t.frames.end());
        return trace_value_origin(*s.debugger, t.thread.tid, callers, *s.facts.crash_pc, /*passed_down=*/true);
    }
    return std::nullopt;
}

BlameReport blame_report(const Session& s, const BlameOptions& options) {
    TriageOptions triage_options;
    triage_options.frames = options.frames;
    triage_options.rules_file = options.rules_file;
    TriageReport t = triage(s, triage_options);
    BlameReport r;
    r.debugger = s.debugger_info.kind;
    r.frames = t.frames;
    r.blame = t.blame;
    r.explain = options.explain;
    if (options.explain) r.origin = blamed_value_origin(s, t);
    if (options.select) {
        if (!r.blame.frame) throw UserError("no frame is blamed, so none can be selected", r.blame.reason);
        const Frame& f = r.frames[static_cast<std::size_t>(*r.blame.frame)];
        if (f.python)
            throw UserError(fmt::format("the blamed frame is a Python frame ({} at {}:{}), which the debugger has no "
                                        "frame for",
                                        f.function.value_or("?"), base_name(f.file.value_or("?")),
                                        f.line ? std::to_string(*f.line) : "?"),
                            "open the script at that line; pm-triage shows the native frames around it");
        if (!f.debugger_index)
            throw UserError(
                "the blamed frame is on the panicking goroutine's stack, which the debugger does not unwind",
                "read it in pm-blame-frame's output; the debugger's own frames are the signal handler's");
        if (!s.debugger->select_frame(t.thread.tid, *f.debugger_index))
            throw UserError(fmt::format("the debugger has no frame {} to select", *f.debugger_index),
                            "reload the core and try again");
        r.selected = true;
    }
    return r;
}

}  // namespace coroner
