#include "coroner/secret_rules.hpp"

#include "coroner/error.hpp"
#include "coroner/rules.hpp"

#include <fmt/format.h>
#include <hs/hs.h>

#include <mutex>

namespace coroner {

SecretRules::~SecretRules() {
    if (database_) hs_free_database(database_);
}

std::shared_ptr<const SecretRules> SecretRules::compile(const nlohmann::json& doc) {
    std::shared_ptr<SecretRules> set(new SecretRules());
    for (const auto& r : doc.at("rules")) {
        SecretRule rule;
        rule.id = r.value("id", "");
        try {
            rule.name = r.value("name", rule.id);
            rule.confidence = r.value("confidence", "medium");
            rule.pattern = r.at("pattern").get<std::string>();
            rule.caseless = r.value("caseless", false);
            rule.group = r.value("group", 0);
            if (r.contains("entropy_min")) rule.entropy_min = r["entropy_min"].get<double>();
            rule.placeholders = r.value("placeholders", false);
            rule.luhn = r.value("luhn", false);
            rule.max_length = r.value("max_length", std::size_t{512});
            auto flags = std::regex::ECMAScript | std::regex::optimize;
            if (rule.caseless) flags |= std::regex::icase;
            rule.recheck = std::regex(rule.pattern, flags);
        } catch (const std::exception& e) {
            throw UserError(fmt::format("secret rule '{}' is invalid: {}", rule.id, e.what()),
                            "fix its pattern or fields");
        }
        if (rule.confidence != "high" && rule.confidence != "medium" && rule.confidence != "low")
            throw UserError(fmt::format("secret rule '{}' has confidence '{}'", rule.id, rule.confidence),
                            "use high, medium or low");
        set->rules_.push_back(std::move(rule));
    }
    if (set->rules_.empty()) throw UserError("the secret rules are empty", "give at least one rule");
    std::vector<const char*> patterns;
    std::vector<unsigned> flags, ids;
    for (std::size_t i = 0; i < set->rules_.size(); i++) {
        patterns.push_back(set->rules_[i].pattern.c_str());
        // Ends only: asking Vectorscan for each match's start too (SOM) made the generic rules take seconds
        // to compile; the re-check finds the start.
        flags.push_back(set->rules_[i].caseless ? HS_FLAG_CASELESS : 0u);
        ids.push_back(static_cast<unsigned>(i));
    }
    hs_compile_error_t* error = nullptr;
    if (hs_compile_multi(patterns.data(), flags.data(), ids.data(), static_cast<unsigned>(patterns.size()),
                         HS_MODE_BLOCK, nullptr, &set->database_, &error) != HS_SUCCESS) {
        std::string what = error && error->message ? error->message : "unknown error";
        std::string id = error && error->expression >= 0 && static_cast<std::size_t>(error->expression) < set->rules_.size()
                             ? set->rules_[static_cast<std::size_t>(error->expression)].id
                             : "?";
        if (error) hs_free_compile_error(error);
        throw UserError(fmt::format("secret rule '{}' does not compile: {}", id, what), "simplify its pattern");
    }
    return set;
}

std::shared_ptr<const SecretRules> secret_rules(const std::optional<std::string>& rules_file) {
    if (rules_file) return SecretRules::compile(load_rules_file(*rules_file, "coroner.secret-rules/1"));
    static std::shared_ptr<const SecretRules> builtin;
    static std::once_flag once;
    std::call_once(once, [] { builtin = SecretRules::compile(builtin_rules("secrets")); });
    return builtin;
}

}  // namespace coroner
