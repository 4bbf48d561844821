// pm-blame-frame: the frame to look at first, why the frames above it were passed over, and where the
// bad value came from.
#pragma once

#include "coroner/analysis/blame.hpp"
#include "coroner/analysis/value_origin.hpp"
#include "coroner/commands/session.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace coroner {

struct BlameOptions {
    bool explain = false;                   // list the skipped frames and trace the bad value
    bool select = false;                    // make the blamed frame the debugger's selected frame
    std::optional<std::string> rules_file;  // --rules FILE, ahead of the user's and the built-in rules
    int frames = 64;
};

struct BlameReport {
    std::vector<Frame> frames;
    Blame blame;
    bool explain = false;
    std::optional<ValueOrigin> origin;
    bool selected = false;
    DebuggerKind debugger = DebuggerKind::gdb;  // the text speaks its command syntax
};

BlameReport blame_report(const Session& session, const BlameOptions& options);

struct TriageReport;
// Where the bad value of a triaged crash came from (a bad pointer or a jump to nowhere), traced up the stack.
std::optional<ValueOrigin> blamed_value_origin(const Session& session, const TriageReport& triage);

nlohmann::ordered_json blame_json(const BlameReport& report);
std::string blame_text(const BlameReport& report);

}  // namespace coroner
