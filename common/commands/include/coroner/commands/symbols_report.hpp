// pm-symbols: the health of every module's symbols (analysis/symbol_health), and its text and JSON.
#pragma once

#include "coroner/analysis/symbol_health.hpp"
#include "coroner/commands/session.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace coroner {

std::vector<ModuleHealth> symbols_report(const Session& session);

nlohmann::ordered_json symbols_json(const std::vector<ModuleHealth>& modules);
std::string symbols_text(const std::vector<ModuleHealth>& modules);

}  // namespace coroner
