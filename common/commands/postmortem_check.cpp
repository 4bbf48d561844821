#include "coroner/commands/postmortem_check.hpp"

#include "coroner/base/pattern.hpp"
#include "coroner/base/rules.hpp"
#include "coroner/secrets/secret_rules.hpp"
#include "coroner/secrets/secret_scan.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <optional>

namespace coroner {
namespace {

struct LanguageRule {
    std::string id;
    Pattern pattern;
    std::string hint;
};

struct SectionRule {
    std::string id, title;
    Pattern pattern;
    bool timeline = false;
};

const std::vector<LanguageRule>& language_rules() {
    static const std::vector<LanguageRule> rules = [] {
        std::vector<LanguageRule> out;
        for (const RuleFields& r :
             rule_list(builtin_rules("postmortem_language"), "post-mortem language", "the built-in rules"))
            out.push_back({r.id(), r.pattern("pattern", true), r.text("hint")});
        return out;
    }();
    return rules;
}

const std::vector<SectionRule>& section_rules() {
    static const std::vector<SectionRule> rules = [] {
        std::vector<SectionRule> out;
        for (const RuleFields& r :
             rule_list(builtin_rules("postmortem_sections"), "post-mortem section", "the built-in rules"))
            out.push_back({r.id(), r.text("title"), r.pattern("pattern", true), r.flag("timeline", false)});
        return out;
    }();
    return rules;
}

std::vector<std::string> split_lines(const std::string& text) {
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (start <= text.size()) {
        std::size_t end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        std::string line = text.substr(start, end - start);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        lines.push_back(std::move(line));
        if (end == text.size()) break;
        start = end + 1;
    }
    return lines;
}

// "## Timeline (UTC)" -> "Timeline (UTC)"; nothing for a line that is not a heading.
std::optional<std::string> heading_text(const std::string& line) {
    std::size_t hashes = line.find_first_not_of('#');
    if (hashes == 0 || hashes > 6 || hashes == std::string::npos || (line[hashes] != ' ' && line[hashes] != '\t'))
        return std::nullopt;
    std::size_t start = line.find_first_not_of(" \t", hashes);
    if (start == std::string::npos) return std::string();
    std::size_t end = line.find_last_not_of(" \t#");
    return end == std::string::npos || end < start ? std::string() : line.substr(start, end - start + 1);
}

// A timeline entry: a list item or a table row that is not the table's header or separator line.
bool timeline_entry(const std::string& line, bool after_table_header) {
    static const Pattern item("[ \t]*([-*+]|\\d+[.)])[ \t]+\\S.*");
    static const Pattern separator("[ \t]*\\|?[ \t]*:?-{3,}.*");
    if (item.full_match(line)) return true;
    if (line.find('|') == std::string::npos || separator.full_match(line)) return false;
    return after_table_header;
}

void check_timeline_entry(const std::string& line, std::size_t number, std::vector<PostmortemFinding>& out) {
    // A time of day, with what may follow it: seconds, fractions, then Z, UTC/GMT or an offset.
    static const Pattern time("(^|[^0-9:])\\d{1,2}:\\d{2}(:\\d{2}(\\.\\d+)?)?");
    static const Pattern zoned(
        "(^|[^0-9:])\\d{1,2}:\\d{2}(:\\d{2}(\\.\\d+)?)?[ \t]*(Z\\b|UTC\\b|GMT\\b|[+-]\\d{2}:?\\d{2}\\b)");
    if (line.find("<!--") != std::string::npos) return;  // a fill prompt: reported as one
    if (!time.partial_match(line)) {
        out.push_back({number, "PM-TIMELINE-NO-TIME", "timeline", "a timeline entry without a time",
                       "give each entry its time in UTC, e.g. 2026-11-29T16:26:51Z"});
    } else if (!zoned.partial_match(line)) {
        out.push_back({number, "PM-TIMELINE-NO-ZONE", "timeline", "a timeline entry whose time has no zone",
                       "write the time in UTC with a Z (16:26:51Z), or give its offset (+01:00)"});
    }
}

void check_language(const std::string& line, std::size_t number, std::vector<PostmortemFinding>& out) {
    for (const auto& rule : language_rules())
        if (auto found = rule.pattern.first_match(line))
            out.push_back({number, rule.id, "blame", fmt::format("blame language: \"{}\"", *found), rule.hint});
}

void check_secrets(const std::string& text, const std::vector<std::size_t>& line_starts,
                   std::vector<PostmortemFinding>& out) {
    const SecretRules& rules = *secret_rules();
    auto hits = without_contained_hits(
        scan_for_secrets(rules, reinterpret_cast<const std::uint8_t*>(text.data()), text.size(), 0), rules);
    for (const auto& hit : hits) {
        auto at = std::upper_bound(line_starts.begin(), line_starts.end(), hit.address);
        std::size_t line = static_cast<std::size_t>(at - line_starts.begin());
        out.push_back(
            {line, "PM-SECRET", "secret",
             fmt::format("a credential ({}: {}) in the text", rules.rules()[hit.rule].id, secret_preview(hit.value)),
             "remove it, and rotate it: the draft may have been shared already"});
    }
}

}  // namespace

std::vector<PostmortemSection> postmortem_sections() {
    std::vector<PostmortemSection> out;
    for (const auto& rule : section_rules()) out.push_back({rule.id, rule.title});
    return out;
}

std::vector<PostmortemFinding> check_postmortem(const std::string& markdown) {
    std::vector<PostmortemFinding> out;
    std::vector<std::string> lines = split_lines(markdown);
    std::vector<std::size_t> line_starts;
    for (std::size_t at = 0, i = 0; i < lines.size(); ++i) {
        line_starts.push_back(at);
        at = markdown.find('\n', at);
        at = at == std::string::npos ? markdown.size() : at + 1;
    }
    const auto& sections = section_rules();
    std::vector<bool> seen(sections.size(), false);
    const SectionRule* current = nullptr;
    bool in_code = false, table_header_seen = false;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const std::string& line = lines[i];
        std::size_t number = i + 1;
        if (line.rfind("```", 0) == 0 || line.rfind("~~~", 0) == 0) {
            in_code = !in_code;
            continue;
        }
        if (in_code) continue;  // quoted output (pm-triage's text) is evidence, not prose
        if (auto heading = heading_text(line)) {
            current = nullptr;
            table_header_seen = false;
            for (std::size_t s = 0; s < sections.size(); ++s)
                if (sections[s].pattern.full_match(*heading)) {
                    current = &sections[s];
                    seen[s] = true;
                }
        }
        if (line.find("<!-- fill") != std::string::npos)
            out.push_back({number, "PM-FILL", "fill",
                           fmt::format("a fill prompt is still here{}",
                                       current ? fmt::format(" (in {})", current->title) : std::string()),
                           "write the section, then remove the prompt"});
        if (current && current->timeline && !heading_text(line)) {
            bool is_table_line = line.find('|') != std::string::npos;
            if (timeline_entry(line, table_header_seen)) check_timeline_entry(line, number, out);
            if (is_table_line) table_header_seen = true;
        }
        check_language(line, number, out);
    }
    for (std::size_t s = 0; s < sections.size(); ++s)
        if (!seen[s])
            out.push_back({0, sections[s].id, "section",
                           fmt::format("the section \"{}\" is missing", sections[s].title),
                           "add it as a heading (## " + sections[s].title + "), in the order of pm-report's draft"});
    check_secrets(markdown, line_starts, out);
    std::stable_sort(out.begin(), out.end(),
                     [](const PostmortemFinding& a, const PostmortemFinding& b) { return a.line < b.line; });
    return out;
}

std::string postmortem_findings_text(const std::string& file, const std::vector<PostmortemFinding>& findings) {
    std::string text;
    for (const auto& f : findings) text += fmt::format("{}:{}: {} {} ({})\n", file, f.line, f.id, f.message, f.hint);
    return text;
}

nlohmann::ordered_json postmortem_findings_json(const std::string& file,
                                                const std::vector<PostmortemFinding>& findings) {
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const auto& f : findings)
        list.push_back({{"line", f.line}, {"id", f.id}, {"kind", f.kind}, {"message", f.message}, {"hint", f.hint}});
    return {{"schema", postmortem_check_schema}, {"file", file}, {"findings", list}};
}

}  // namespace coroner
