// Rule files kept as data (common/rules/*.json), compiled into the library at build time.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace coroner {

// The parsed built-in rule file `name` ("blame_skip", "security", "abort_causes").
const nlohmann::json& builtin_rules(const std::string& name);

// A rule file from disk (for --rules); throws UserError naming the file when it cannot be read or parsed.
nlohmann::json load_rules_file(const std::string& path, const std::string& expected_schema);

}  // namespace coroner
