// Credential formats (rules/secrets.json, or a user's --rules file) compiled once into one Vectorscan
// database, so that memory is read in a single multi-pattern pass.
#pragma once

#include <nlohmann/json.hpp>

#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <vector>

struct hs_database;

namespace coroner {

struct SecretRule {
    std::string id;
    std::string name;
    std::string confidence;         // high | medium | low
    std::string pattern;
    bool caseless = false;
    int group = 0;                  // the first capture that may be the secret itself; 0: the whole match
    std::optional<double> entropy_min;
    bool placeholders = false;      // reject placeholder values ("changeme", "${VAR}", "xxxx")
    bool luhn = false;
    std::size_t max_length = 512;   // the longest match: how far before a match's end the re-check looks
    std::regex recheck;             // the same pattern, for the exact span and the group
};

class SecretRules {
public:
    // Parses and compiles a coroner.secret-rules/1 document; a rule that does not compile is a
    // UserError naming it.
    static std::shared_ptr<const SecretRules> compile(const nlohmann::json& doc);
    ~SecretRules();
    const std::vector<SecretRule>& rules() const { return rules_; }
    hs_database* database() const { return database_; }

private:
    SecretRules() = default;
    std::vector<SecretRule> rules_;
    hs_database* database_ = nullptr;
};

// The built-in rules, compiled on first use; with `rules_file`, that file's rules instead.
std::shared_ptr<const SecretRules> secret_rules(const std::optional<std::string>& rules_file = std::nullopt);

}  // namespace coroner
