#include "coroner/secrets/secret_scan.hpp"

#include "coroner/base/rules.hpp"
#include "coroner/base/text.hpp"
#include "coroner/secrets/prefilter.hpp"
#include "coroner/secrets/run_finder.hpp"

#include <fmt/format.h>
#include <hs/hs.h>
#include <re2/re2.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <functional>
#include <map>
#include <set>
#include <stdexcept>
#include <tuple>

namespace coroner {
namespace {

constexpr std::size_t window = 64u << 20;   // bytes per Vectorscan call
constexpr std::size_t overlap = 16u << 10;  // longer than any match, so none is cut by a window edge

struct Candidate {
    unsigned rule;
    std::size_t to;  // where a match ends; the re-check finds where it starts
};

int on_match(unsigned id, unsigned long long, unsigned long long to, unsigned, void* context) {
    static_cast<std::vector<Candidate>*>(context)->push_back({id, static_cast<std::size_t>(to)});
    return 0;
}

// Vectorscan's scratch space, one per thread (allocating it anew costs more than scanning a small block),
// grown where the rules' databases need more. Grown once per rule set: hs_alloc_scratch checks the whole
// database each time (about a millisecond), which made redacting many short texts slow.
hs_scratch_t* scratch_for(const SecretRules& rules) {
    struct Scratch {
        hs_scratch_t* scratch = nullptr;
        std::uint64_t grown_for = 0;  // serial() of the rules it fits
        ~Scratch() { hs_free_scratch(scratch); }
    };
    thread_local Scratch mine;
    if (mine.scratch && mine.grown_for == rules.serial()) return mine.scratch;
    for (hs_database_t* db : {rules.database(), rules.anchor_database(), rules.unanchored_database()})
        if (db && hs_alloc_scratch(db, &mine.scratch) != HS_SUCCESS)
            throw std::runtime_error("cannot allocate Vectorscan scratch");
    mine.grown_for = rules.serial();
    return mine.scratch;
}

// A repeat reports a match at every end it can reach: keep the last of each run of consecutive ends.
std::vector<Candidate> last_ends(std::vector<Candidate> found) {
    std::sort(found.begin(), found.end(),
              [](const Candidate& a, const Candidate& b) { return a.rule != b.rule ? a.rule < b.rule : a.to < b.to; });
    std::vector<Candidate> kept;
    for (std::size_t i = 0; i < found.size(); i++) {
        bool continued =
            i + 1 < found.size() && found[i + 1].rule == found[i].rule && found[i + 1].to <= found[i].to + 1;
        if (!continued) kept.push_back(found[i]);
    }
    return kept;
}

// rules/secret_filters.json: the words that make a value a placeholder, the published test card numbers.
struct SecretFilters {
    std::vector<std::string> placeholder_words;  // lower case, as the value is compared
    std::set<std::string> test_card_numbers;     // digits only
};

void add_placeholder_words(const RuleFields& r, SecretFilters& filters) {
    for (const std::string& word : r.texts("placeholder_words")) {
        if (std::any_of(word.begin(), word.end(), [](char c) { return std::isupper(static_cast<unsigned char>(c)); }))
            r.fail(fmt::format("placeholder word '{}' has upper case, but values are compared in lower case", word),
                   "write it in lower case");
        filters.placeholder_words.push_back(word);
    }
}

void add_test_cards(const RuleFields& r, SecretFilters& filters) {
    for (const std::string& number : r.texts("test_card_numbers")) {
        auto digit = [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; };
        if (!std::all_of(number.begin(), number.end(), digit) || !luhn_valid(number))
            r.fail(fmt::format("test card number '{}' is not digits that pass the Luhn check", number),
                   "give the number's digits only");
        filters.test_card_numbers.insert(number);
    }
}

const SecretFilters& secret_filters() {
    static const SecretFilters filters = [] {
        SecretFilters f;
        for (const RuleFields& r : rule_list(builtin_rules("secret_filters"), "secret-filter", "the built-in rules")) {
            if (r.has("placeholder_words") == r.has("test_card_numbers"))
                r.fail("holds neither or both of \"placeholder_words\" and \"test_card_numbers\"", "give one list");
            add_placeholder_words(r, f);
            add_test_cards(r, f);
        }
        return f;
    }();
    return filters;
}

bool looks_like_placeholder(const std::string& value) {
    std::string v;
    for (char c : value) v += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    // A weak real password ("secret") is still a finding; a value naming the thing itself ("password",
    // "IAMUserChangePassword") or standing in for one is not.
    for (const std::string& w : secret_filters().placeholder_words)
        if (v.find(w) != std::string::npos) return true;
    // A shell, PHP or PowerShell variable ("$db_pass"): what is stored is the reference, not a password.
    if (value.size() > 1 && value[0] == '$' &&
        (std::isalpha(static_cast<unsigned char>(value[1])) || value[1] == '_' || value[1] == '('))
        return true;
    // "<your-token>"; a lone '>' or '<' is just a character of a random secret.
    auto open = v.find('<');
    if (open != std::string::npos && v.find('>', open) != std::string::npos) return true;
    // The thing's own name ("password"), or a path or anchor that mentions it ("#add-password").
    if (v.find("password") != std::string::npos &&
        (v == "password" || v.find_first_of("/#:") != std::string::npos || v.find("change") != std::string::npos))
        return true;
    return std::all_of(value.begin(), value.end(), [&](char c) { return c == value.front(); });
}

// A few card numbers the networks publish for testing: found, but said to be test numbers.
bool is_test_card(const std::string& digits) { return secret_filters().test_card_numbers.count(digits) > 0; }

std::string digits_of(const std::string& text) {
    std::string digits;
    for (char c : text)
        if (std::isdigit(static_cast<unsigned char>(c))) digits += c;
    return digits;
}

// Runs `db` over [data, data+size) in windows Vectorscan can take, adding each match's end (plus
// `offset`) to `out`.
void scan_all(hs_database_t* db, hs_scratch_t* scratch, const std::uint8_t* data, std::size_t size, std::size_t offset,
              std::vector<Candidate>& out) {
    for (std::size_t start = 0; start < size; start += window) {
        std::size_t length = std::min(size - start, window + overlap);
        std::vector<Candidate> found;
        // A scan that fails finds nothing: a secret would then be missed (and left in a "redacted" copy).
        hs_error_t status = hs_scan(db, reinterpret_cast<const char*>(data + start), static_cast<unsigned>(length), 0,
                                    scratch, on_match, &found);
        if (status != HS_SUCCESS)
            throw std::runtime_error("Vectorscan failed to scan (error " + std::to_string(status) + ")");
        for (auto& c : found) {
            // A match ending in the overlap is the next window's (it sees the match whole).
            if (start + window < size && c.to > window) continue;
            out.push_back({c.rule, c.to + start + offset});
        }
        if (start + window >= size) break;
    }
}

// Where the anchors are searched: in the anchor filter where the host can run its fast kernel and the
// chosen SIMD level is the widest (CORONER_SIMD=avx2 or lower keeps Vectorscan's), else with Vectorscan.
bool anchor_filter_chosen() {
    static const bool chosen = anchor_vbmi_available() && simd_level() == SimdLevel::avx512bw;
    return chosen;
}

// Around each anchor found, the stretch its rule's matches could cover: a match holds the anchor and is
// at most max_length long.
void add_anchor_spans(const SecretRules& rules, const std::vector<AnchorEnd>& anchors, const std::uint8_t* data,
                      std::size_t size, std::vector<Span>& spans) {
    for (const auto& a : anchors) {
        const SecretRule& rule = rules.rules()[rules.anchor_rules()[a.anchor]];
        if (!rule.after_anchor.empty() && a.end < size &&
            rule.after_anchor.find(static_cast<char>(data[a.end])) == std::string::npos)
            continue;
        std::size_t reach = rule.max_length;
        spans.push_back({a.end > reach ? a.end - reach : 0, std::min(size, a.end + reach)});
    }
}

// The stretches around the anchors, digit runs (and with `wide`, the UTF-16 runs found): in the anchor
// filter's one loop with the run finder where the host can run its fast kernel and the chosen SIMD level is
// the widest (CORONER_SIMD=avx2 or lower keeps Vectorscan's), else with Vectorscan and then the run finder.
void find_spans(const SecretRules& rules, hs_scratch_t* scratch, const std::uint8_t* data, std::size_t size,
                std::vector<Span>& spans, std::vector<WideRun>* wide) {
    std::vector<AnchorEnd> anchors;
    if (rules.anchor_filter() && anchor_filter_chosen()) {
        find_anchors_and_runs(*rules.anchor_filter(), data, size, anchors, rules.digit_run(), rules.digit_run_reach(),
                              spans, wide);
    } else {
        if (rules.anchor_database()) {
            std::vector<Candidate> found;
            scan_all(rules.anchor_database(), scratch, data, size, 0, found);
            for (const auto& c : found) anchors.push_back({c.rule, c.to});
        }
        find_runs(data, size, rules.digit_run(), rules.digit_run_reach(), spans, wide);
    }
    add_anchor_spans(rules, anchors, data, size, spans);
}

// Sorted, with stretches that overlap or nearly touch joined: one Vectorscan call each.
std::vector<Span> merged(std::vector<Span> spans) {
    constexpr std::size_t near = 256;  // a call costs about as much as scanning this many bytes
    std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) { return a.from < b.from; });
    std::vector<Span> out;
    for (const auto& s : spans) {
        if (!out.empty() && s.from <= out.back().to + near)
            out.back().to = std::max(out.back().to, s.to);
        else
            out.push_back(s);
    }
    return out;
}

// Candidate matches of every rule in [data, data+size): the anchors and digit runs first, in one fast
// pass, then the full patterns only around them (and over everything for a rule with neither).
// With `wide`, the UTF-16 runs found on the way.
void scan_text(const SecretRules& rules, const std::uint8_t* data, std::size_t size, std::vector<Candidate>& out,
               std::vector<WideRun>* wide = nullptr) {
    hs_scratch_t* scratch = scratch_for(rules);
    std::vector<Span> spans;
    find_spans(rules, scratch, data, size, spans, wide);
    for (const auto& span : merged(std::move(spans)))
        scan_all(rules.database(), scratch, data + span.from, span.to - span.from, span.from, out);
    if (rules.unanchored_database()) scan_all(rules.unanchored_database(), scratch, data, size, 0, out);
}

// The capture that is the secret: the first from the rule's group on that took part in the match (a
// pattern with alternatives has one capture each), else the whole match.
std::size_t secret_group(const SecretRule& rule, const std::vector<re2::StringPiece>& m) {
    for (std::size_t g = static_cast<std::size_t>(std::max(rule.group, 0)); g > 0 && g < m.size(); g++)
        if (m[g].data() != nullptr) return g;
    return 0;
}

// Text as programs store it: UTF-8 without control characters other than line breaks and tabs. Random
// bytes that happen to follow a keyword ("pwd=" and then binary) seldom are.
bool is_text(const std::string& value) {
    for (std::size_t i = 0; i < value.size();) {
        auto c = static_cast<unsigned char>(value[i]);
        bool line_break = c == '\n' || c == '\r' || c == '\t';  // a PEM key spans lines
        if (c < 0x80) {
            if ((c < 0x20 && !line_break) || c == 0x7f) return false;
            i++;
        } else {
            std::size_t length = utf8_char_length(value, i);
            if (length == 0) return false;
            i += length;
        }
    }
    return true;
}

// The rule's filters on a value the re-check found.
bool passes_filters(const SecretRule& rule, const std::string& value) {
    if (value.empty() || !is_text(value)) return false;
    if (rule.entropy_min && shannon_entropy(value) < *rule.entropy_min) return false;
    if (rule.placeholders && looks_like_placeholder(value)) return false;
    if (rule.luhn) {
        std::string digits = digits_of(value);
        if (digits.size() < 13 || digits.size() > 19 || !luhn_valid(digits)) return false;
    }
    return true;
}

// Whether the whole match holds one of the rule's except_words (a key a vendor rule reads).
bool holds_except_word(const SecretRule& rule, re2::StringPiece match) {
    if (rule.except_words.empty()) return false;
    std::string text(match.data(), match.size());
    if (rule.caseless)
        std::transform(text.begin(), text.end(), text.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return std::any_of(rule.except_words.begin(), rule.except_words.end(),
                       [&text](const std::string& word) { return text.find(word) != std::string::npos; });
}

// Re-checks each candidate with the rule's regex over the bytes before its end, recovering the exact
// start, length and secret group, then filters and keeps each (rule, start) once.
// `address_of` turns an offset in the scanned text into the target address it came from.
void add_hits(const SecretRules& rules, const std::uint8_t* text_bytes, std::size_t size,
              const std::vector<Candidate>& candidates, bool utf16,
              const std::function<std::uint64_t(std::size_t)>& address_of, std::vector<SecretHit>& hits) {
    std::set<std::pair<std::size_t, std::size_t>> seen;  // (rule, start of the secret)
    // Latest end first: where a match could end at a word boundary and further on, the longer one wins.
    auto ends = last_ends(candidates);
    for (auto c_it = ends.rbegin(); c_it != ends.rend(); ++c_it) {
        const Candidate& c = *c_it;
        const SecretRule& rule = rules.rules()[c.rule];
        std::size_t to = std::min(c.to, size);
        std::size_t from = to > rule.max_length ? to - rule.max_length : 0;
        // Every match in the stretch, as std::sregex_iterator went: each search starts where the last match
        // ended (one further after an empty one), with the text before it still seen by \b and ^.
        re2::StringPiece text(reinterpret_cast<const char*>(text_bytes + from), to - from);
        const re2::RE2& re = rule.recheck.re2();
        // Only the whole match where the rule names no group: RE2 then needs no submatch pass.
        std::vector<re2::StringPiece> m(rule.group > 0 ? static_cast<std::size_t>(rule.recheck.capture_count()) + 1
                                                       : 1);
        for (std::size_t pos = 0; pos <= text.size() && re.Match(text, pos, text.size(), re2::RE2::UNANCHORED, m.data(),
                                                                 static_cast<int>(m.size()));) {
            std::size_t end = static_cast<std::size_t>(m[0].data() - text.data()) + m[0].size();
            pos = m[0].empty() ? end + 1 : end;
            std::size_t g = secret_group(rule, m);
            std::size_t at = from + static_cast<std::size_t>(m[g].data() - text.data());
            std::string value(m[g].data(), m[g].size());
            if (!passes_filters(rule, value) || holds_except_word(rule, m[0]) || !seen.insert({c.rule, at}).second)
                continue;
            SecretHit h;
            h.rule = c.rule;
            h.value = value;
            h.utf16 = utf16;
            h.address = address_of(at);
            h.length = utf16 ? 2 * value.size() : value.size();
            h.confidence = rule.luhn && is_test_card(digits_of(value)) ? Confidence::low : rule.confidence;
            hits.push_back(std::move(h));
        }
    }
}

}  // namespace

double shannon_entropy(const std::string& text) {
    if (text.empty()) return 0;
    std::map<char, std::size_t> counts;
    for (char c : text) counts[c]++;
    double bits = 0;
    for (const auto& [c, n] : counts) {
        double p = static_cast<double>(n) / static_cast<double>(text.size());
        bits -= p * std::log2(p);
    }
    return bits;
}

bool luhn_valid(const std::string& digits) {
    int sum = 0;
    bool twice = false;
    for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
        int d = *it - '0';
        if (twice) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
        sum += d;
        twice = !twice;
    }
    return !digits.empty() && sum % 10 == 0;
}

std::string secret_preview(const std::string& value) {
    std::size_t k = std::min<std::size_t>(4, value.size() / 8);
    return printable_value(value.substr(0, k)) + "…" + printable_value(value.substr(value.size() - k));
}

std::string printable_value(const std::string& value) {
    static const char digits[] = "0123456789abcdef";
    std::string out;
    for (std::size_t i = 0; i < value.size();) {
        auto c = static_cast<unsigned char>(value[i]);
        std::size_t length = c >= 0x80 ? utf8_char_length(value, i) : 0;
        if (length > 0) {  // a UTF-8 character ("Grüße") prints as itself
            out.append(value, i, length);
            i += length;
        } else if (c >= 0x20 && c < 0x7f && c != '\\') {
            out += static_cast<char>(c);
            i++;
        } else {
            out += "\\x";
            out += digits[c >> 4];
            out += digits[c & 15];
            i++;
        }
    }
    return out;
}

std::vector<SecretHit> without_contained_hits(std::vector<SecretHit> hits, const SecretRules& rules) {
    auto rank = [&rules](const SecretHit& h) { return std::make_tuple(h.confidence, h.rule, h.address, ~h.length); };
    std::sort(hits.begin(), hits.end(), [&](const SecretHit& a, const SecretHit& b) { return rank(a) < rank(b); });
    std::size_t longest = 0;
    for (const auto& r : rules.rules()) longest = std::max(longest, 2 * r.max_length);  // UTF-16 doubles
    std::multimap<std::uint64_t, std::uint64_t> kept;                                   // start -> end
    std::vector<SecretHit> out;
    out.reserve(hits.size());
    for (auto& h : hits) {
        bool inside = false;
        for (auto it = kept.upper_bound(h.address); it != kept.begin() && !inside;) {
            --it;
            if (it->first + longest < h.address) break;
            inside = it->second >= h.address + h.length;
        }
        if (inside) continue;
        kept.emplace(h.address, h.address + h.length);
        out.push_back(std::move(h));
    }
    std::sort(out.begin(), out.end(), [](const SecretHit& a, const SecretHit& b) {
        return a.address != b.address ? a.address < b.address : a.rule < b.rule;
    });
    return out;
}

std::vector<SecretHit> scan_for_secrets(const SecretRules& rules, const std::uint8_t* data, std::size_t size,
                                        std::uint64_t base) {
    std::vector<SecretHit> hits;
    if (size == 0) return hits;
    std::vector<Candidate> candidates;
    std::vector<WideRun> wide;
    scan_text(rules, data, size, candidates, &wide);
    add_hits(
        rules, data, size, candidates, false, [base](std::size_t offset) { return base + offset; }, hits);
    // UTF-16LE runs of printable ASCII, narrowed to one byte a character and scanned the same way.
    std::vector<std::uint8_t> narrow;
    std::vector<std::uint64_t> addresses;
    for (const auto& run : wide) {
        for (std::size_t k = run.from; k < run.to; k += 2) {
            narrow.push_back(data[k]);
            addresses.push_back(base + k);
        }
        narrow.push_back('\n');  // runs do not join into one match
        addresses.push_back(base + run.to);
    }
    if (!narrow.empty()) {
        std::vector<Candidate> narrow_candidates;
        scan_text(rules, narrow.data(), narrow.size(), narrow_candidates);
        add_hits(
            rules, narrow.data(), narrow.size(), narrow_candidates, true,
            [&addresses](std::size_t offset) { return addresses[offset]; }, hits);
    }
    return hits;
}

}  // namespace coroner
