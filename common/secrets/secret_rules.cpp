#include "coroner/secrets/secret_rules.hpp"

#include "coroner/base/error.hpp"
#include "coroner/base/rules.hpp"

#include <fmt/format.h>
#include <hs/hs.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <climits>
#include <cstdint>
#include <cstdlib>
#include <mutex>

namespace coroner {

SecretRules::SecretRules() {
    static std::atomic<std::uint64_t> made{0};
    serial_ = ++made;
}

SecretRules::~SecretRules() {
    for (hs_database_t* db : {database_, anchor_database_, unanchored_database_})
        if (db) hs_free_database(db);
}

namespace {

// Compiles patterns (or, with `literal`, literal strings) into one block-mode database; a pattern that
// does not compile is a UserError naming its rule (ids[i] indexes `rules`).
hs_database_t* compile_database(const std::vector<std::string>& patterns, const std::vector<unsigned>& flags,
                                const std::vector<unsigned>& ids, bool literal, const std::vector<SecretRule>& rules,
                                const std::vector<std::size_t>& rule_of, const std::string& source) {
    std::vector<const char*> texts;
    std::vector<std::size_t> lengths;
    for (const auto& p : patterns) {
        texts.push_back(p.c_str());
        lengths.push_back(p.size());
    }
    hs_database_t* db = nullptr;
    hs_compile_error_t* error = nullptr;
    auto count = static_cast<unsigned>(patterns.size());
    hs_error_t status =
        literal ? hs_compile_lit_multi(texts.data(), flags.data(), ids.data(), lengths.data(), count, HS_MODE_BLOCK,
                                       nullptr, &db, &error)
                : hs_compile_multi(texts.data(), flags.data(), ids.data(), count, HS_MODE_BLOCK, nullptr, &db, &error);
    if (status == HS_SUCCESS) return db;
    std::string what = error && error->message ? error->message : "unknown error";
    std::string id = error && error->expression >= 0 && static_cast<std::size_t>(error->expression) < rule_of.size()
                         ? rules[rule_of[static_cast<std::size_t>(error->expression)]].id
                         : "?";
    if (error) hs_free_compile_error(error);
    throw UserError(fmt::format("secret rule '{}' in {}: \"pattern\" does not compile: {}", id, source, what),
                    "simplify its pattern");
}

// The longest text the rule's pattern can match, as Vectorscan works it out (most vendor formats have a
// fixed length); the largest size_t where it is unbounded or the pattern does not compile (compiling the
// database reports that). The re-check and the stretch scanned around an anchor are no longer than this.
std::size_t widest_match(const SecretRule& rule) {
    hs_expr_info_t* info = nullptr;
    hs_compile_error_t* error = nullptr;
    std::size_t widest = SIZE_MAX;
    if (hs_expression_info(rule.pattern.c_str(), rule.caseless ? HS_FLAG_CASELESS : 0u, &info, &error) == HS_SUCCESS) {
        if (info->max_width != UINT_MAX) widest = info->max_width;
        std::free(info);
    } else if (error) {
        hs_free_compile_error(error);
    }
    return widest;
}

// Reads one rule, every field checked (see RuleFields), but for what the build checked already where
// `checked_by_build` (the rules it serialized from this very document).
SecretRule read_secret_rule(const RuleFields& r, bool checked_by_build) {
    SecretRule rule;
    rule.id = r.id();
    rule.name = r.text_or("name", rule.id);
    rule.confidence = r.choice<Confidence>("confidence", Confidence::medium);
    rule.pattern = r.text("pattern");
    rule.caseless = r.flag("caseless", false);
    rule.group = static_cast<int>(r.count("group", 0, 0, 99));
    if (checked_by_build) {  // their patterns compile on first use
        rule.recheck = Pattern::deferred(rule.pattern, rule.caseless);
    } else {
        rule.recheck = r.pattern("pattern", rule.caseless);
        if (rule.group > rule.recheck.capture_count())
            r.fail(fmt::format("\"group\" is {}, but the pattern has {} capture(s)", rule.group,
                               rule.recheck.capture_count()));
    }
    rule.entropy_min = r.number("entropy_min");
    rule.placeholders = r.flag("placeholders", false);
    rule.luhn = r.flag("luhn", false);
    rule.max_length = r.count("max_length", 512, 1, max_secret_length);
    rule.anchors = r.texts("anchors");
    rule.after_anchor = r.text_or("after_anchor", "");
    if (rule.caseless)
        for (char c : std::string(rule.after_anchor))
            if (std::isalpha(static_cast<unsigned char>(c))) rule.after_anchor += static_cast<char>(c ^ 0x20);
    rule.digit_run = r.count("digit_run", 0, 0, 64);
    rule.except_words = r.texts("except_words");
    if (rule.caseless)
        for (std::string& word : rule.except_words)
            std::transform(word.begin(), word.end(), word.begin(),
                           [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return rule;
}

// FNV-1a of the rules document as text: serialized databases are only taken for the very rules they were
// built from.
std::uint64_t fingerprint(const nlohmann::json& doc) {
    std::uint64_t h = 14695981039346656037ull;
    for (char c : doc.dump()) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
    return h;
}

// The header serialized() writes: the format, the number of rules, the fingerprint of their document, and on
// a second line each rule's widest_match().
std::string serialized_header(const char* format, std::uint64_t fingerprint, const std::vector<std::size_t>& widths) {
    std::string out = fmt::format("{} {} {:016x}\n", format, widths.size(), fingerprint);
    for (std::size_t w : widths) out += fmt::format("{} ", w);
    return out + "\n";
}

// The widths in `serialized`'s header, and where its databases start, when it was made from `doc`.
std::optional<std::pair<std::vector<std::size_t>, std::size_t>> read_serialized_header(const char* format,
                                                                                       std::uint64_t fingerprint,
                                                                                       std::string_view serialized) {
    std::size_t first = serialized.find('\n');
    if (first == std::string_view::npos) return std::nullopt;
    std::size_t second = serialized.find('\n', first + 1);
    if (second == std::string_view::npos) return std::nullopt;
    std::vector<std::size_t> widths;
    std::string line(serialized.substr(first + 1, second - first - 1));
    for (std::size_t at = 0; at < line.size();) {
        std::size_t end = line.find(' ', at);
        if (end == std::string::npos || end == at) return std::nullopt;
        std::string number = line.substr(at, end - at);
        if (number.find_first_not_of("0123456789") != std::string::npos || number.size() > 20) return std::nullopt;
        widths.push_back(std::stoull(number));
        at = end + 1;
    }
    if (serialized.substr(0, second + 1) != serialized_header(format, fingerprint, widths)) return std::nullopt;
    return std::make_pair(std::move(widths), second + 1);
}

}  // namespace

std::shared_ptr<SecretRules> SecretRules::parse(const nlohmann::json& doc, const std::string& source,
                                                const std::vector<std::size_t>* widths) {
    std::shared_ptr<SecretRules> set(new SecretRules());
    set->source_ = source;
    for (const RuleFields& r : rule_list(doc, "secret", source)) {
        std::size_t i = set->rules_.size();
        bool known = widths && i < widths->size();
        SecretRule rule = read_secret_rule(r, known);
        std::size_t widest = known ? (*widths)[i] : widest_match(rule);
        rule.max_length = std::min(rule.max_length, widest);
        set->widths_.push_back(widest);
        set->rules_.push_back(std::move(rule));
    }
    if (set->rules_.empty())
        throw UserError(fmt::format("the secret rules of {} are empty", source), "give at least one rule");
    std::vector<AnchorLiteral> anchors;
    for (std::size_t i = 0; i < set->rules_.size(); i++) {
        const SecretRule& rule = set->rules_[i];
        for (const auto& a : rule.anchors) {
            set->anchor_rules_.push_back(i);
            anchors.push_back({a, rule.caseless});
        }
        if (rule.digit_run) {
            set->digit_run_ = set->digit_run_ ? std::min(set->digit_run_, rule.digit_run) : rule.digit_run;
            set->digit_run_reach_ = std::max(set->digit_run_reach_, rule.max_length);
        }
    }
    if (!anchors.empty()) set->anchor_filter_ = AnchorFilter::build(anchors);
    return set;
}

void SecretRules::compile_databases() {
    const auto& rules = rules_;
    // Ends only: asking Vectorscan for each match's start too (SOM) made the generic rules take seconds to
    // compile; the re-check finds the start.
    std::vector<std::string> patterns, anchors, unanchored;
    std::vector<unsigned> flags, ids, anchor_flags, anchor_ids, unanchored_flags, unanchored_ids;
    std::vector<std::size_t> rule_of, unanchored_rule_of;
    for (std::size_t i = 0; i < rules.size(); i++) {
        const SecretRule& rule = rules[i];
        unsigned caseless = rule.caseless ? HS_FLAG_CASELESS : 0u;
        patterns.push_back(rule.pattern);
        flags.push_back(caseless);
        ids.push_back(static_cast<unsigned>(i));
        rule_of.push_back(i);
        for (const auto& a : rule.anchors) {
            anchor_ids.push_back(static_cast<unsigned>(anchors.size()));
            anchors.push_back(a);
            anchor_flags.push_back(caseless);
        }
        if (rule.anchors.empty() && !rule.digit_run) {
            unanchored.push_back(rule.pattern);
            unanchored_flags.push_back(caseless);
            unanchored_ids.push_back(static_cast<unsigned>(i));
            unanchored_rule_of.push_back(i);
        }
    }
    database_ = compile_database(patterns, flags, ids, false, rules, rule_of, source_);
    if (!anchors.empty())
        anchor_database_ = compile_database(anchors, anchor_flags, anchor_ids, true, rules, anchor_rules_, source_);
    if (!unanchored.empty())
        unanchored_database_ =
            compile_database(unanchored, unanchored_flags, unanchored_ids, false, rules, unanchored_rule_of, source_);
}

std::shared_ptr<const SecretRules> SecretRules::compile(const nlohmann::json& doc, const std::string& source) {
    auto set = parse(doc, source);
    set->fingerprint_ = fingerprint(doc);
    set->compile_databases();
    return set;
}

// The three databases, each as its length (8 bytes, little-endian; 0 for none) and Vectorscan's own
// serialization, after serialized_header(): what Vectorscan takes a while to work out is not worked out
// again.
std::string SecretRules::serialized() const {
    std::string out = serialized_header(serialized_format, fingerprint_, widths_);
    for (hs_database_t* db : {database_, anchor_database_, unanchored_database_}) {
        char* bytes = nullptr;
        std::size_t length = 0;
        if (db && hs_serialize_database(db, &bytes, &length) != HS_SUCCESS)
            throw std::runtime_error("cannot serialize a Vectorscan database");
        for (int b = 0; b < 8; b++) out += static_cast<char>((length >> (8 * b)) & 0xff);
        out.append(bytes ? bytes : "", length);
        std::free(bytes);
    }
    return out;
}

std::shared_ptr<const SecretRules> SecretRules::load(const nlohmann::json& doc, std::string_view serialized) {
    std::uint64_t print = fingerprint(doc);
    auto header = read_serialized_header(serialized_format, print, serialized);
    auto set = parse(doc, "the built-in rules", header ? &header->first : nullptr);
    set->fingerprint_ = print;
    if (!header || !set->deserialize(serialized, header->second)) set->compile_databases();
    return set;
}

// False, with nothing loaded, where Vectorscan cannot load the databases from `at` on this machine (built
// for other CPU features) or they are cut short.
bool SecretRules::deserialize(std::string_view serialized, std::size_t at) {
    hs_database_t* loaded[3] = {nullptr, nullptr, nullptr};
    bool ok = true;
    for (auto& db : loaded) {
        std::size_t length = 0;
        for (int b = 0; ok && b < 8; b++) {
            ok = at < serialized.size();
            if (ok) length |= static_cast<std::size_t>(static_cast<unsigned char>(serialized[at++])) << (8 * b);
        }
        ok = ok && length <= serialized.size() - at;
        if (ok && length > 0) ok = hs_deserialize_database(serialized.data() + at, length, &db) == HS_SUCCESS;
        if (!ok) break;
        at += length;
    }
    if (!ok || !loaded[0]) {
        for (hs_database_t* db : loaded)
            if (db) hs_free_database(db);
        return false;
    }
    database_ = loaded[0];
    anchor_database_ = loaded[1];
    unanchored_database_ = loaded[2];
    return true;
}

}  // namespace coroner
