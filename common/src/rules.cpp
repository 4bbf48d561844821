#include "coroner/rules.hpp"

#include "coroner/error.hpp"

#include <fmt/format.h>

#include <fstream>
#include <map>
#include <mutex>
#include <sstream>

namespace coroner {

// Generated at build time from common/rules/*.json (see common/CMakeLists.txt).
std::string embedded_rule_text(const std::string& name);

const nlohmann::json& builtin_rules(const std::string& name) {
    static std::mutex lock;
    static std::map<std::string, nlohmann::json> parsed;
    std::lock_guard<std::mutex> guard(lock);
    auto it = parsed.find(name);
    if (it == parsed.end()) it = parsed.emplace(name, nlohmann::json::parse(embedded_rule_text(name))).first;
    return it->second;
}

nlohmann::json load_rules_file(const std::string& path, const std::string& expected_schema) {
    std::ifstream in(path);
    if (!in)
        throw UserError(fmt::format("cannot read rules file {}", path), "check the path and its permissions");
    std::stringstream text;
    text << in.rdbuf();
    nlohmann::json rules = nlohmann::json::parse(text.str(), nullptr, false);
    if (rules.is_discarded() || !rules.is_object())
        throw UserError(fmt::format("rules file {} is not valid JSON", path), "fix the file's syntax");
    if (rules.value("schema", "") != expected_schema || !rules.contains("rules") || !rules["rules"].is_array())
        throw UserError(fmt::format("rules file {} is not a {} file", path, expected_schema),
                        fmt::format("give it \"schema\": \"{}\" and a \"rules\" array", expected_schema));
    return rules;
}

}  // namespace coroner
