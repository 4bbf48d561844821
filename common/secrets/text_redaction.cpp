#include "coroner/secrets/text_redaction.hpp"

#include "coroner/secrets/secret_scan.hpp"

#include "coroner/base/ranges.hpp"

#include <string>
#include <unordered_map>

namespace coroner {

std::string redact_secrets_in_text(const std::string& text, const SecretRules& rules) {
    if (text.empty()) return text;
    auto hits = scan_for_secrets(rules, reinterpret_cast<const std::uint8_t*>(text.data()), text.size(), 0);
    if (hits.empty()) return text;
    // Overlapping hits (two rules on one secret) become one range, so no byte of either is left out.
    std::vector<std::pair<std::size_t, std::size_t>> ranges;
    for (const auto& h : hits) ranges.emplace_back(h.address, h.address + h.length);
    std::string out;
    std::size_t at = 0;
    for (const auto& [from, to] : joined_ranges(std::move(ranges))) {
        out.append(text, at, from - at);
        out += secret_preview(text.substr(from, to - from));
        at = to;
    }
    out.append(text, at, std::string::npos);
    return out;
}

namespace {

// Each distinct string is scanned once: a report repeats the same rule ids, region names and previews in
// every one of thousands of findings, and a scan call costs far more than a lookup.
template <class Json>
void redact_strings(Json& document, const SecretRules& rules, std::unordered_map<std::string, std::string>& done) {
    if (document.is_string()) {
        const auto& text = document.template get_ref<const std::string&>();
        auto it = done.find(text);
        if (it == done.end()) it = done.emplace(text, redact_secrets_in_text(text, rules)).first;
        document = it->second;
    } else if (document.is_structured()) {
        for (auto& child : document) redact_strings(child, rules, done);
    }
}

template <class Json>
void redact_strings(Json& document, const SecretRules& rules) {
    std::unordered_map<std::string, std::string> done;
    redact_strings(document, rules, done);
}

}  // namespace

void redact_secrets_in_json(nlohmann::ordered_json& document, const SecretRules& rules) {
    redact_strings(document, rules);
}

void redact_secrets_in_json(nlohmann::json& document, const SecretRules& rules) { redact_strings(document, rules); }

}  // namespace coroner
