#include "coroner/secret_scan.hpp"

#include <hs/hs.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <functional>
#include <map>
#include <tuple>
#include <set>
#include <stdexcept>

namespace coroner {
namespace {

constexpr std::size_t window = 64u << 20;   // bytes per Vectorscan call
constexpr std::size_t overlap = 16u << 10;  // longer than any match, so none is cut by a window edge
// Characters in a UTF-16 run worth narrowing: 12 or more, so that a run always covers one of the
// word-aligned 16-byte windows the search tests.
constexpr std::size_t shortest_utf16 = 12;

struct Candidate {
    unsigned rule;
    std::size_t to;  // where a match ends; the re-check finds where it starts
};

int on_match(unsigned id, unsigned long long, unsigned long long to, unsigned, void* context) {
    static_cast<std::vector<Candidate>*>(context)->push_back({id, static_cast<std::size_t>(to)});
    return 0;
}

struct Scratch {
    hs_scratch_t* scratch = nullptr;
    explicit Scratch(hs_database_t* db) {
        if (hs_alloc_scratch(db, &scratch) != HS_SUCCESS) throw std::runtime_error("cannot allocate Vectorscan scratch");
    }
    ~Scratch() { hs_free_scratch(scratch); }
};

// A repeat reports a match at every end it can reach: keep the last of each run of consecutive ends.
std::vector<Candidate> last_ends(std::vector<Candidate> found) {
    std::sort(found.begin(), found.end(),
              [](const Candidate& a, const Candidate& b) { return a.rule != b.rule ? a.rule < b.rule : a.to < b.to; });
    std::vector<Candidate> kept;
    for (std::size_t i = 0; i < found.size(); i++) {
        bool continued = i + 1 < found.size() && found[i + 1].rule == found[i].rule && found[i + 1].to <= found[i].to + 1;
        if (!continued) kept.push_back(found[i]);
    }
    return kept;
}

bool looks_like_placeholder(const std::string& value) {
    std::string v;
    for (char c : value) v += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    // A weak real password ("secret") is still a finding; a value naming the thing itself ("password",
    // "IAMUserChangePassword") or standing in for one is not.
    static const char* words[] = {"example", "changeme", "change_me", "your", "xxxx", "****",
                                  "redacted", "dummy", "placeholder", "${", "{{", "#{",
                                  "%s", "null", "none", "undefined", "true", "false", "env.", "process.",
                                  "getenv", "os.environ", "config.", "settings.", "foobar",
                                  "1234567890", "abcdef", "a1b2c3", "00000000"};
    for (const char* w : words)
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
bool is_test_card(const std::string& digits) {
    static const char* known[] = {"4111111111111111", "4242424242424242", "4012888888881881", "5555555555554444",
                                  "5105105105105100", "378282246310005", "371449635398431", "6011111111111117",
                                  "4000056655665556", "5200828282828210"};
    return std::find(std::begin(known), std::end(known), digits) != std::end(known);
}

std::string digits_of(const std::string& text) {
    std::string digits;
    for (char c : text)
        if (std::isdigit(static_cast<unsigned char>(c))) digits += c;
    return digits;
}

void scan_text(const SecretRules& rules, const std::uint8_t* data, std::size_t size, std::vector<Candidate>& out) {
    Scratch scratch(rules.database());
    for (std::size_t start = 0; start < size; start += window) {
        std::size_t length = std::min(size - start, window + overlap);
        std::vector<Candidate> found;
        hs_scan(rules.database(), reinterpret_cast<const char*>(data + start), static_cast<unsigned>(length), 0,
                scratch.scratch, on_match, &found);
        for (auto& c : found) {
            // A match ending in the overlap is the next window's (it sees the match whole).
            if (start + window < size && c.to > window) continue;
            out.push_back({c.rule, c.to + start});
        }
        if (start + window >= size) break;
    }
}

// The capture that is the secret: the first from the rule's group on that took part in the match (a
// pattern with alternatives has one capture each), else the whole match.
std::size_t secret_group(const SecretRule& rule, const std::smatch& m) {
    for (std::size_t g = static_cast<std::size_t>(std::max(rule.group, 0)); g > 0 && g < m.size(); g++)
        if (m[g].matched) return g;
    return 0;
}

// The rule's filters on a value the re-check found.
bool passes_filters(const SecretRule& rule, const std::string& value) {
    if (value.empty()) return false;
    if (rule.entropy_min && shannon_entropy(value) < *rule.entropy_min) return false;
    if (rule.placeholders && looks_like_placeholder(value)) return false;
    if (rule.luhn) {
        std::string digits = digits_of(value);
        if (digits.size() < 13 || digits.size() > 19 || !luhn_valid(digits)) return false;
    }
    return true;
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
        std::string text(reinterpret_cast<const char*>(text_bytes + from), to - from);
        for (std::sregex_iterator it(text.begin(), text.end(), rule.recheck), end; it != end; ++it) {
            const std::smatch& m = *it;
            std::size_t g = secret_group(rule, m);
            std::size_t at = from + static_cast<std::size_t>(m.position(g));
            std::string value = m.str(g);
            if (!passes_filters(rule, value) || !seen.insert({c.rule, at}).second) continue;
            SecretHit h;
            h.rule = c.rule;
            h.value = value;
            h.utf16 = utf16;
            h.address = address_of(at);
            h.length = utf16 ? 2 * value.size() : value.size();
            h.confidence = rule.luhn && is_test_card(digits_of(value)) ? "low" : rule.confidence;
            hits.push_back(std::move(h));
        }
    }
}

bool printable(std::uint8_t c) { return c >= 0x20 && c < 0x7f; }

// Calls found(from, to) for each run of at least shortest_utf16 UTF-16LE printable ASCII characters.
// Eight bytes are tested at a time (their odd bytes must all be zero), so memory that holds no such
// text, nearly all of it, is passed over at word speed; a candidate is then extended byte by byte.
template <typename Found>
void for_each_utf16_run(const std::uint8_t* data, std::size_t size, Found found) {
    constexpr std::uint64_t high_bytes = 0xFF00FF00FF00FF00ULL;
    for (std::size_t align = 0; align < 2; align++) {
        std::size_t done = 0;  // runs end before here
        for (std::size_t i = align; i + 16 <= size; i += 8) {
            std::uint64_t w1, w2;
            std::memcpy(&w1, data + i, 8);
            std::memcpy(&w2, data + i + 8, 8);
            if (((w1 | w2) & high_bytes) != 0 || i < done || !printable(data[i])) continue;
            std::size_t from = i, to = i;
            while (from >= 2 && from - 2 >= done && data[from - 1] == 0 && printable(data[from - 2])) from -= 2;
            while (to + 1 < size && data[to + 1] == 0 && printable(data[to])) to += 2;
            if ((to - from) / 2 >= shortest_utf16) found(from, to);
            done = to;
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
    for (char ch : value) {
        auto c = static_cast<unsigned char>(ch);
        if (c >= 0x20 && c < 0x7f && c != '\\') {
            out += ch;
        } else {
            out += "\\x";
            out += digits[c >> 4];
            out += digits[c & 15];
        }
    }
    return out;
}

int confidence_rank(const std::string& confidence) {
    return confidence == "high" ? 0 : confidence == "medium" ? 1 : 2;
}

std::vector<SecretHit> without_contained_hits(std::vector<SecretHit> hits, const SecretRules& rules) {
    auto rank = [&rules](const SecretHit& h) {
        return std::make_tuple(confidence_rank(h.confidence), h.rule, h.address, ~h.length);
    };
    std::sort(hits.begin(), hits.end(), [&](const SecretHit& a, const SecretHit& b) { return rank(a) < rank(b); });
    std::size_t longest = 0;
    for (const auto& r : rules.rules()) longest = std::max(longest, 2 * r.max_length);  // UTF-16 doubles
    std::multimap<std::uint64_t, std::uint64_t> kept;  // start -> end
    std::vector<SecretHit> out;
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
    scan_text(rules, data, size, candidates);
    add_hits(rules, data, size, candidates, false, [base](std::size_t offset) { return base + offset; }, hits);
    // UTF-16LE runs of printable ASCII, narrowed to one byte a character and scanned the same way.
    std::vector<std::uint8_t> narrow;
    std::vector<std::uint64_t> addresses;
    for_each_utf16_run(data, size, [&](std::size_t from, std::size_t to) {
        for (std::size_t k = from; k < to; k += 2) {
            narrow.push_back(data[k]);
            addresses.push_back(base + k);
        }
        narrow.push_back('\n');  // runs do not join into one match
        addresses.push_back(base + to);
    });
    if (!narrow.empty()) {
        std::vector<Candidate> wide;
        scan_text(rules, narrow.data(), narrow.size(), wide);
        add_hits(rules, narrow.data(), narrow.size(), wide, true,
                 [&addresses](std::size_t offset) { return addresses[offset]; }, hits);
    }
    return hits;
}

}  // namespace coroner
