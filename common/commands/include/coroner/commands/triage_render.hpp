// pm-triage's report as JSON (coroner.triage/1) and as one screen of text.
#pragma once

#include "coroner/commands/triage_report.hpp"

#include <nlohmann/json.hpp>

#include <string>

namespace coroner {

inline constexpr const char* triage_schema = "coroner.triage/1";

nlohmann::ordered_json triage_json(const TriageReport& report);
// The blamed native frame's Python caller (Blame::python_caller) as JSON: frame, function, file, line; or null.
nlohmann::ordered_json python_caller_json(const std::vector<Frame>& frames, const Blame& blame);
// `next_commands`: the line of commands, in the debugger's syntax, that take the analysis on (pm-report
// leaves it out: its text is the same in every debugger).
std::string triage_text(const TriageReport& report, bool next_commands = true);

}  // namespace coroner
