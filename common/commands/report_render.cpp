// pm-report's draft as Markdown and as coroner.report/1 JSON, from ReportFacts alone. The sections and
// their order are the checker's (rules/postmortem_sections.json): what pm-report writes is what
// check-postmortem requires.
#include "coroner/base/text.hpp"
#include "coroner/commands/postmortem_check.hpp"
#include "coroner/commands/report.hpp"

#include <fmt/format.h>

#include <cctype>
#include <functional>
#include <map>

namespace coroner {
namespace {

std::string fill(const std::string& what) { return fmt::format("<!-- fill: {} -->\n", what); }

// Text from a core or a log, made inert in Markdown: no HTML comment (a fill prompt) opens in it, and a
// table cell keeps its pipes.
std::string inert(std::string text, bool in_table = false) {
    for (std::size_t at = text.find("<!--"); at != std::string::npos; at = text.find("<!--", at))
        text.replace(at, 1, "&lt;");
    if (in_table)
        for (std::size_t at = text.find('|'); at != std::string::npos; at = text.find('|', at + 2))
            text.replace(at, 1, "\\|");
    return text;
}

std::string date_of(const std::string& iso) { return iso.substr(0, std::min<std::size_t>(10, iso.size())); }
std::string clock_of(const std::string& iso) { return iso.size() >= 19 ? iso.substr(11, 8) : iso; }

std::string code_block(const std::string& text) {
    return "```text\n" + text + (text.empty() || text.back() == '\n' ? "" : "\n") + "```\n";
}

// A shell word: quoted unless it is plainly safe.
std::string shell_word(const std::string& word) {
    if (!word.empty() &&
        word.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._+-=:,") ==
            std::string::npos)
        return word;
    std::string out = "'";
    for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

std::string where_died(const ReportFacts& f) {
    return fmt::format("{} (pid {}{}{})", f.program_name, f.pid, f.host ? ", host " + *f.host : "",
                       f.package ? ", package " + *f.package : "");
}

std::string summary_section(const ReportFacts& f) {
    std::string out =
        fmt::format("{} died on {} at {} UTC{}: {} (`{}`).", where_died(f), date_of(f.crash_time),
                    clock_of(f.crash_time), f.signal ? " of " + *f.signal : "", f.cause_summary, f.cause_class);
    if (f.blame)
        out += fmt::format(" The evidence points to {}: {}.", f.blame->where(), f.blame_reason);
    else
        out += fmt::format(" No frame could be blamed: {}.", f.blame_reason);
    if (f.origin_value)
        out += fmt::format(" The bad value {}{} came from {}.", *f.origin_value,
                           f.origin_what ? fmt::format(" (`{}`)", *f.origin_what) : "",
                           f.origin_steps.empty() ? "a frame up the stack" : f.origin_steps.back().first.where());
    else if (f.message)
        out += fmt::format(" Its last words: \"{}\".", inert(*f.message));
    return out + "\n";
}

std::string impact_section(const ReportFacts& f) {
    return fill("who and what was affected, for how long; requests or jobs lost") +
           fmt::format("\n- What the core knows: {} died at {}, taking its {} thread{} with it.\n", where_died(f),
                       f.crash_time, f.thread_count, f.thread_count == 1 ? "" : "s") +
           (f.args ? fmt::format("- It ran as `{}`.\n", inert(*f.args)) : "");
}

std::string detection_section(const ReportFacts& f) {
    return fill("how the failure was noticed (an alert, a user report, the core arriving), and how long after") +
           fmt::format("\n- The core was written at {} ({}).\n", f.crash_time, f.time_source);
}

std::string trigger_section(const ReportFacts& f) {
    return fill("what set it off: a deploy, a configuration change, an input, a load spike") +
           (f.logs.empty() ? "\n- No log was given (pm-report --log FILE puts the lines around the crash in the "
                             "timeline).\n"
                           : "\n- The timeline below holds the log lines around the crash.\n");
}

std::string resolution_section(const ReportFacts&) {
    return fill("what restored service and when (UTC); whether the fix is deployed");
}

std::string timeline_section(const ReportFacts& f) {
    std::string out;
    for (const auto& e : f.timeline) {
        if (e.crash)
            out += fmt::format("- **{} — {}** (time: {})\n", *e.time, inert(e.what), f.time_source);
        else if (e.time)
            out += fmt::format("- {} — {}\n", *e.time, inert(e.what));
        else
            out += fmt::format("- (time unreadable; placed after {}) — {}\n", e.after.value_or("?"), inert(e.what));
    }
    // A paragraph, not list items: the checker wants a time on every entry of the timeline.
    if (!f.logs.empty()) {
        std::string read;
        for (const auto& log : f.logs) read += (read.empty() ? "" : "; ") + inert(log);
        out += fmt::format(
            "\nLog lines of the {} (times in UTC; syslog lines, which carry no zone, read as UTC in "
            "the crash's year): {}.\n",
            f.window, read);
    }
    out +=
        "\n" + fill("detection, escalation, mitigation and resolution, each with its UTC time (2026-11-29T16:26:51Z)");
    return out;
}

std::string root_cause_section(const ReportFacts& f) {
    std::string out = fmt::format("- Cause of death: `{}`: {}.\n", f.cause_class, inert(f.cause_summary));
    if (f.signal) out += fmt::format("- Signal: {}.\n", *f.signal);
    if (f.message) out += fmt::format("- Dying words: \"{}\".\n", inert(*f.message));
    if (f.access) out += fmt::format("- Faulting access: {}.\n", *f.access);
    if (f.blame)
        out += fmt::format("- Blamed frame: {} ({}).\n", f.blame->where(), f.blame_reason);
    else
        out += fmt::format("- Blamed frame: none ({}).\n", f.blame_reason);
    if (f.origin_value) {
        out += fmt::format("- Origin of the bad value {}{}:\n", *f.origin_value,
                           f.origin_what ? fmt::format(", held in `{}`", *f.origin_what) : "");
        for (const auto& [frame, how] : f.origin_steps) out += fmt::format("  - {}: {}\n", frame.where(), inert(how));
    }
    if (f.thread_states.size() > 1) {
        out += fmt::format("- Threads ({} in all):\n", f.thread_count);
        for (const auto& state : f.thread_states) out += fmt::format("  - {}\n", state);
    }
    for (const auto& m : f.missing_debug_info)
        out += fmt::format("- Symbols: {} has no debug info here, so its frames say less{}.\n", m.path,
                           m.hint ? fmt::format(" ({})", *m.hint) : "");
    for (const auto& m : f.mismatched)
        out += fmt::format("- Symbols: {} is not the build that crashed (build-ids differ): frames may be wrong.\n", m);
    if (f.truncation)
        out += fmt::format("- The core is truncated ({}): what it lacks reads as zeros.\n", *f.truncation);
    out += "\n" + fill("the underlying cause in the system: what made this failure possible, beyond the frame");
    return out;
}

std::string five_whys_section(const ReportFacts& f) {
    std::vector<std::string> whys;
    whys.push_back(
        fmt::format("Why did {} die? {}{}: {}. *Evidence: the signal and the registers in the core "
                    "(pm-triage).*",
                    f.program_name, f.signal ? "It received " + *f.signal : "It stopped", "", inert(f.cause_summary)));
    if (f.blame && f.access)
        whys.push_back(
            fmt::format("Why did that fault? {} made a {}. *Evidence: the faulting instruction, decoded "
                        "from the core, and the blamed frame (pm-blame-frame).*",
                        f.blame->where(), *f.access));
    else if (f.blame && f.message)
        whys.push_back(
            fmt::format("Why did it stop there? {} reached \"{}\". *Evidence: the dying words in the "
                        "core's memory and the blamed frame (pm-blame-frame).*",
                        f.blame->where(), inert(*f.message)));
    else if (f.blame)
        whys.push_back(fmt::format("Why there? {}: {}. *Evidence: the crashing thread's stack (pm-blame-frame).*",
                                   f.blame->where(), f.blame_reason));
    if (f.origin_value && !f.origin_steps.empty())
        whys.push_back(
            fmt::format("Where did the bad value {} come from? {}: {}. *Evidence: the value traced up the "
                        "stack (pm-blame-frame --explain).*",
                        *f.origin_value, f.origin_steps.back().first.where(), inert(f.origin_steps.back().second)));
    std::string out;
    for (std::size_t i = 0; i < whys.size(); ++i) out += fmt::format("{}. {}\n", i + 1, whys[i]);
    for (std::size_t i = whys.size(); i < 5; ++i)
        out += fmt::format("{}. Why? {}", i + 1, fill("the next why, answered from what the team knows"));
    return out;
}

std::string action_items_section(const ReportFacts& f) {
    std::string out = "| Item | Kind | Owner | Tracking |\n|---|---|---|---|\n";
    for (const auto& a : f.actions) out += fmt::format("| {} ({}) | {} |  |  |\n", inert(a.text, true), a.id, a.kind);
    out += "\n" + fill("keep, change or drop the candidates above; give each an owner and a ticket");
    return out;
}

std::string lessons_section(const ReportFacts&) {
    return "### What went well\n\n" + fill("what worked: detection, tooling, people's response") +
           "\n### What went wrong\n\n" + fill("what made it worse or slower to resolve") +
           "\n### Where we got lucky\n\n" + fill("what could have made it worse and did not");
}

std::string supporting_section(const ReportFacts& f) {
    std::string out = "### pm-triage\n\n" + code_block(f.triage_text);
    out += "\n### Threads (pm-threads)\n\n" + code_block(f.threads_text);
    out += "\n### Symbols (pm-symbols)\n\n" + code_block(f.symbols_text);
    out += "\n### Secrets (pm-secrets-scan; counts only, never a value)\n\n";
    if (f.secrets.empty()) {
        out += "The built-in rules found no credential in the core.\n";
    } else {
        out += "| Rule | Kind | Region | Count |\n|---|---|---|---|\n";
        for (const auto& s : f.secrets)
            out += fmt::format("| {} | {} | {} | {} |\n", s.rule, inert(s.name, true), s.region, s.count);
    }
    out += fmt::format("\n### Bucket\n\n- Bucket: `{}`\n- Signature: `{}`\n- Security: {}\n", f.bucket,
                       inert(f.signature), f.security);
    out += "\n### Evidence files\n\n";
    if (f.stored)
        out += fmt::format("- Stored core: `{}` ({}) sha256 `{}`\n", *f.stored, f.stored_format.value_or("packed"),
                           f.stored_sha256.value_or("(unreadable)"));
    if (f.core_file)
        out += fmt::format(
            "- {}: `{}` sha256 `{}`\n",
            f.stored ? "The plain core the analysis read (unpacked or completed in a temporary folder)" : "Core",
            *f.core_file, f.core_sha256.value_or("(unreadable)"));
    out += fmt::format("- Program: `{}` sha256 `{}`\n", f.program, f.program_sha256.value_or("(unreadable)"));
    if (f.core_file) {
        // A stored core is unpacked again (the analysis's copy was temporary), under the name coroner unpack gives.
        std::string core = *f.core_file;
        out +=
            "\n### Reproduce the analysis\n\nWith coroner's package installed (otherwise load it first: "
            "`-x <prefix>/share/coroner/coroner-gdb.py`, `-o 'plugin load <prefix>/lib/coroner/libcoroner-lldb.so'`):"
            "\n\n```sh\n";
        if (f.stored) {
            core = f.program_name + ".core";
            out += fmt::format("coroner unpack {} -o {}\n", shell_word(*f.stored), shell_word(core));
        }
        out += fmt::format(
            "gdb -batch -ex pm-triage -ex 'pm-blame-frame --explain' -ex pm-threads -ex pm-symbols "
            "-ex pm-secrets-scan {} {}\n",
            shell_word(f.program), shell_word(core));
        out += fmt::format(
            "lldb -b -o {} -o pm-triage -o 'pm-blame-frame --explain' -o pm-threads -o pm-symbols "
            "-o pm-secrets-scan\n",
            shell_word(fmt::format("target create \"{}\" -c \"{}\"", f.program, core)));
        out += "```\n";
    }
    return out;
}

using Writer = std::function<std::string(const ReportFacts&)>;

const std::map<std::string, Writer>& writers() {
    static const std::map<std::string, Writer> w = {
        {"PM-SECTION-SUMMARY", summary_section},           {"PM-SECTION-IMPACT", impact_section},
        {"PM-SECTION-DETECTION", detection_section},       {"PM-SECTION-TRIGGER", trigger_section},
        {"PM-SECTION-RESOLUTION", resolution_section},     {"PM-SECTION-TIMELINE", timeline_section},
        {"PM-SECTION-ROOT-CAUSE", root_cause_section},     {"PM-SECTION-FIVE-WHYS", five_whys_section},
        {"PM-SECTION-ACTION-ITEMS", action_items_section}, {"PM-SECTION-LESSONS", lessons_section},
        {"PM-SECTION-SUPPORTING", supporting_section},
    };
    return w;
}

// "Timeline (UTC)" -> "timeline", "Root cause" -> "root_cause".
std::string field_name(const std::string& title) {
    std::string out;
    for (char c : title.substr(0, title.find(" ("))) out += c == ' ' ? '_' : static_cast<char>(std::tolower(c));
    return out;
}

}  // namespace

std::string report_title(const ReportFacts& f) {
    return fmt::format("{}{} crashed: {}{}", f.program_name, f.host ? " on " + *f.host : "",
                       f.signal ? f.signal->substr(0, f.signal->find(' ')) + " " : "", f.cause_class) +
           (f.blame && f.blame->function ? " in " + *f.blame->function : "");
}

std::vector<ReportSection> report_sections(const ReportFacts& f) {
    std::vector<ReportSection> out;
    for (const auto& section : postmortem_sections()) {
        auto it = writers().find(section.id);
        std::string body = it != writers().end() ? it->second(f) : fill("this section");
        out.push_back({section.id, section.title, field_name(section.title), std::move(body)});
    }
    return out;
}

std::string report_markdown(const ReportFacts& f) {
    std::string out = fmt::format(
        "# {}\n\nStatus: draft  \nDate: {} (UTC)  \nWritten by coroner pm-report from the "
        "core; blameless: it names what failed, not who.\n",
        report_title(f), date_of(f.crash_time));
    for (const auto& s : report_sections(f)) out += fmt::format("\n## {}\n\n{}", s.title, s.body);
    return out;
}

nlohmann::ordered_json report_json(const ReportFacts& f) {
    using json = nlohmann::ordered_json;
    json out = {
        {"schema", report_schema}, {"title", report_title(f)}, {"status", "draft"}, {"date", date_of(f.crash_time)}};
    for (const auto& s : report_sections(f)) out[s.field] = s.body;
    json blame = nullptr;
    if (f.blame)
        blame = {{"function", f.blame->function ? json(*f.blame->function) : json(nullptr)},
                 {"file", f.blame->file ? json(*f.blame->file) : json(nullptr)},
                 {"line", f.blame->line ? json(*f.blame->line) : json(nullptr)}};
    json actions = json::array();
    for (const auto& a : f.actions) actions.push_back({{"id", a.id}, {"kind", a.kind}, {"text", a.text}});
    out["facts"] = {{"program", f.program},
                    {"pid", f.pid},
                    {"crash_time", f.crash_time},
                    {"time_source", f.time_source},
                    {"class", f.cause_class},
                    {"blame", blame},
                    {"bucket", f.bucket},
                    {"signature", f.signature},
                    {"actions", actions},
                    {"core_sha256", f.core_sha256 ? json(*f.core_sha256) : json(nullptr)},
                    {"program_sha256", f.program_sha256 ? json(*f.program_sha256) : json(nullptr)}};
    return out;
}

}  // namespace coroner
