#include "coroner/analysis/names.hpp"
#include "coroner/base/json_util.hpp"
#include "coroner/base/text.hpp"
#include "coroner/commands/blame_report.hpp"
#include "coroner/commands/triage_render.hpp"

#include <fmt/format.h>

namespace coroner {
namespace {

std::string frame_name(const Frame& f) {
    return fmt::format("#{} {}{}{}", f.index, f.python ? "[python] " : "",
                       f.function ? strip_parameters(*f.function) : "??",
                       f.file ? fmt::format(" at {}:{}", base_name(*f.file), f.line.value_or(0)) : "");
}

}  // namespace

nlohmann::ordered_json blame_json(const BlameReport& r) {
    using json = nlohmann::ordered_json;
    json out = {{"schema", "coroner.blame/1"}};
    const Frame* f = r.blame.frame ? &r.frames[static_cast<std::size_t>(*r.blame.frame)] : nullptr;
    out["frame"] = f ? json(f->index) : json(nullptr);
    out["function"] = f && f->function ? json(strip_parameters(*f->function)) : json(nullptr);
    out["module"] = f ? or_null(f->module) : json(nullptr);
    out["file"] = f ? or_null(f->file) : json(nullptr);
    out["line"] = f ? or_null(f->line) : json(nullptr);
    out["reason"] = r.blame.reason;
    out["python_caller"] = python_caller_json(r.frames, r.blame);
    json skipped = json::array();
    for (const auto& sk : r.blame.skipped)
        skipped.push_back(
            {{"frame", sk.frame}, {"function", or_null(sk.function)}, {"rule", sk.rule}, {"why", sk.why}});
    out["skipped"] = skipped;
    json origin = nullptr;
    if (r.origin) {
        json steps = json::array();
        for (const auto& st : r.origin->steps)
            steps.push_back({{"frame", st.frame},
                             {"function", st.function ? json(strip_parameters(*st.function)) : json(nullptr)},
                             {"file", or_null(st.file)},
                             {"line", or_null(st.line)},
                             {"how", st.how}});
        origin = {{"value", hex_address(r.origin->value)}, {"what", or_null(r.origin->what)}, {"frames", steps}};
    }
    out["origin"] = origin;
    out["selected"] = r.selected;
    return out;
}

std::string blame_text(const BlameReport& r) {
    std::string out;
    if (r.blame.frame) {
        const Frame& f = r.frames[static_cast<std::size_t>(*r.blame.frame)];
        out += fmt::format("blame    {}: {}\n", frame_name(f), r.blame.reason);
    } else {
        out += fmt::format("blame    none: {}\n", r.blame.reason);
    }
    if (r.explain) {
        for (std::size_t i = 0; i < r.blame.skipped.size(); i++) {
            const auto& sk = r.blame.skipped[i];
            out += fmt::format("{:<9}#{} {}: rule {} ({})\n", i == 0 ? "skipped" : "", sk.frame,
                               sk.function ? strip_parameters(*sk.function) : "??", sk.rule, sk.why);
        }
        if (r.origin) {
            out += fmt::format("origin   {:#x}{}\n", r.origin->value,
                               r.origin->what ? fmt::format(", held in `{}`", *r.origin->what) : "");
            for (const auto& st : r.origin->steps) {
                Frame f;
                f.index = st.frame;
                f.function = st.function;
                f.file = st.file;
                f.line = st.line;
                out += fmt::format("         {}: {}\n", frame_name(f), st.how);
            }
        } else {
            out += "origin   none traced (only a bad pointer or a jump to nowhere is followed up the stack)\n";
        }
    }
    if (r.selected && r.blame.frame) {
        const Frame& f = r.frames[static_cast<std::size_t>(*r.blame.frame)];
        out += fmt::format("selected the debugger's frame {} ({}): try {}\n", f.debugger_index.value_or(0),
                           f.function ? strip_parameters(*f.function) : "??",
                           fmt::format("`{}`", syntax_of(r.debugger).show_locals));
    }
    return out;
}

}  // namespace coroner
