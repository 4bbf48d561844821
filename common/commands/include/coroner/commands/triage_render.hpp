// pm-triage's report as JSON (coroner.triage/1) and as one screen of text.
#pragma once

#include "coroner/commands/triage_report.hpp"

#include <nlohmann/json.hpp>

#include <string>

namespace coroner {

inline constexpr const char* triage_schema = "coroner.triage/1";

nlohmann::ordered_json triage_json(const TriageReport& report);
std::string triage_text(const TriageReport& report);

}  // namespace coroner
