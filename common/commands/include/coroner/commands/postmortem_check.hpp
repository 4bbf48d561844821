// Checking an edited post-mortem write-up before it is published (coroner check-postmortem; pm-report
// --check): blame language (rules/postmortem_language.json), timeline entries without a UTC time or zone,
// required sections (rules/postmortem_sections.json) missing or still holding fill prompts, and credentials
// pasted into the text. Findings name their line; a credential is shown only as its preview.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>
#include <vector>

namespace coroner {

inline constexpr const char* postmortem_check_schema = "coroner.postmortem-check/1";

struct PostmortemFinding {
    std::size_t line = 0;  // 1-based; 0 for the document as a whole (a missing section)
    std::string id;        // the rule's id (PM-BLAME-..., PM-SECTION-...) or PM-TIMELINE-..., PM-FILL, PM-SECRET
    std::string kind;      // blame | timeline | section | fill | secret
    std::string message;
    std::string hint;
};

// The sections a write-up must have, in order (rules/postmortem_sections.json): pm-report drafts exactly these.
struct PostmortemSection {
    std::string id, title;
};
std::vector<PostmortemSection> postmortem_sections();

// The findings for a Markdown document, by line.
std::vector<PostmortemFinding> check_postmortem(const std::string& markdown);

// "FILE:LINE: ID message (hint)", one line each, then nothing else.
std::string postmortem_findings_text(const std::string& file, const std::vector<PostmortemFinding>& findings);
nlohmann::ordered_json postmortem_findings_json(const std::string& file,
                                                const std::vector<PostmortemFinding>& findings);

}  // namespace coroner
