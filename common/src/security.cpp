#include "coroner/security.hpp"

#include "coroner/rules.hpp"

#include <regex>

namespace coroner {

SecurityRating rate(const Cause& cause) {
    for (const auto& rule : builtin_rules("security")["rules"]) {
        if (!std::regex_match(cause.cls, std::regex(rule["class"].get<std::string>()))) continue;
        if (rule.contains("access") && cause.access != rule["access"].get<std::string>()) continue;
        if (rule.contains("shape") && cause.shape != rule["shape"].get<std::string>()) continue;
        return {rule["rating"].get<std::string>(), rule["reason"].get<std::string>(), rule["id"].get<std::string>()};
    }
    return {"unknown", "no rule rates this cause", ""};
}

}  // namespace coroner
