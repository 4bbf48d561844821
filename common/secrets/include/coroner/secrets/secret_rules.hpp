// Credential formats (rules/secrets.json, or a user's --rules file) compiled once into Vectorscan
// databases: the rules' anchor literals, searched over all memory in one fast pass, and the full patterns,
// run around what the anchors found (and over all memory for a rule without anchors).
#pragma once

#include "coroner/base/enum_names.hpp"
#include "coroner/base/pattern.hpp"
#include "coroner/secrets/anchor_filter.hpp"

#include <nlohmann/json.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct hs_database;

namespace coroner {

// The longest match a rule may declare (max_length): the scan's windows overlap by this much, so that no
// match is cut in two.
constexpr std::size_t max_secret_length = 16u << 10;

// How sure a finding is; listed from the most sure, so that `<` means "more sure".
enum class Confidence { high, medium, low };

template <>
struct EnumNames<Confidence> {
    static constexpr std::pair<Confidence, const char*> names[] = {
        {Confidence::high, "high"},
        {Confidence::medium, "medium"},
        {Confidence::low, "low"},
    };
};
CORONER_ENUM_JSON(Confidence)

struct SecretRule {
    std::string id;
    std::string name;
    Confidence confidence = Confidence::medium;
    std::string pattern;
    bool caseless = false;
    int group = 0;  // the first capture that may be the secret itself; 0: the whole match
    std::optional<double> entropy_min;
    bool placeholders = false;  // reject placeholder values ("changeme", "${VAR}", "xxxx")
    bool luhn = false;
    std::size_t max_length = 512;      // the longest match: how far before a match's end the re-check looks
    std::vector<std::string> anchors;  // literals of which every match holds one
    // Where not empty: every match has one of these bytes right after the anchor it holds, so an anchor
    // followed by another byte is passed over before the pattern runs ("-u" in random bytes is common).
    std::string after_anchor;
    std::size_t digit_run = 0;  // or: every match holds this many digits, broken only by single ' ' or '-'
    Pattern recheck;            // the same pattern, for the exact span and the group
    // A match holding one of these (ignoring case in a caseless rule, which keeps them in lower case) is
    // dropped: a generic rule leaves the keys a vendor rule reads to that rule.
    std::vector<std::string> except_words;
};

class SecretRules {
public:
    // Parses and compiles a coroner.secret-rules/1 document; a rule that is malformed or does not compile
    // is a UserError naming it and `source` (the file it came from).
    static std::shared_ptr<const SecretRules> compile(const nlohmann::json& doc,
                                                      const std::string& source = "the built-in rules");
    // The same, with the databases taken from serialized() of the same document where this machine can
    // load them (compiling takes a few tenths of a second; loading, none): the built-in rules are
    // compiled once, at build time.
    static std::shared_ptr<const SecretRules> load(const nlohmann::json& doc, std::string_view serialized);
    std::string serialized() const;
    // It owns its compiled databases: a copy would free them twice.
    SecretRules(const SecretRules&) = delete;
    SecretRules& operator=(const SecretRules&) = delete;
    ~SecretRules();
    const std::vector<SecretRule>& rules() const { return rules_; }
    // Every rule's pattern: run where the anchors say a match may be.
    hs_database* database() const { return database_; }
    // Every rule's anchors as literals; the id of a match indexes anchor_rules().
    hs_database* anchor_database() const { return anchor_database_; }
    const std::vector<std::size_t>& anchor_rules() const { return anchor_rules_; }
    // The same anchors (same indexes) in the faster filter, where they fit in it (see anchor_filter.hpp).
    const AnchorFilter* anchor_filter() const { return anchor_filter_ ? &*anchor_filter_ : nullptr; }
    // The patterns of rules with no anchors and no digit run, run over all memory; null when there are none.
    hs_database* unanchored_database() const { return unanchored_database_; }
    // The shortest digit run of any rule that has one (0: none does).
    // Different for every SecretRules made in this process (an address may be reused once one is freed).
    std::uint64_t serial() const { return serial_; }
    std::size_t digit_run() const { return digit_run_; }
    // The longest match of any rule that has a digit run.
    std::size_t digit_run_reach() const { return digit_run_reach_; }

private:
    static constexpr const char* serialized_format = "coroner-secret-databases/2";
    SecretRules();
    // `widths`: each rule's widest match, as serialized() wrote them (nothing: worked out again).
    static std::shared_ptr<SecretRules> parse(const nlohmann::json& doc, const std::string& source,
                                              const std::vector<std::size_t>* widths = nullptr);
    void compile_databases();
    std::uint64_t serial_;
    bool deserialize(std::string_view serialized, std::size_t at);
    std::vector<SecretRule> rules_;
    std::vector<std::size_t> widths_;  // each rule's pattern's widest match (SIZE_MAX: unbounded)
    std::uint64_t fingerprint_ = 0;    // of the document they were read from, for serialized()
    std::string source_;               // the rules file, for messages
    hs_database* database_ = nullptr;
    hs_database* anchor_database_ = nullptr;
    std::vector<std::size_t> anchor_rules_;
    std::optional<AnchorFilter> anchor_filter_;
    hs_database* unanchored_database_ = nullptr;
    std::size_t digit_run_ = 0, digit_run_reach_ = 0;
};

// The built-in rules, compiled on first use; with `rules_file`, that file's rules instead, compiled again
// only when the file has changed since.
std::shared_ptr<const SecretRules> secret_rules(const std::optional<std::string>& rules_file = std::nullopt);

}  // namespace coroner
