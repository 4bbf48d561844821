// pm-report: the first draft of the post-mortem, written from the evidence. The facts come from the same
// reports the other commands print (triage, blame --explain, threads, symbols, secrets), gathered from one
// session into a plain ReportFacts; report_render.cpp turns it into Markdown (sections in the order of
// rules/postmortem_sections.json, the checker's) and coroner.report/1 JSON.
#pragma once

#include "coroner/base/log_window.hpp"
#include "coroner/commands/session.hpp"

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace coroner {

inline constexpr const char* report_schema = "coroner.report/1";

// What only the intake of `coroner report` knows about the crash (systemd-coredump's or apport's
// metadata), handed to pm-report through its options.
struct CrashMetadata {
    std::optional<std::string> time;         // ISO 8601 UTC
    std::optional<std::string> time_source;  // where `time` was recorded; none: it is a file's time
    std::optional<std::string> host;
    std::optional<std::string> package;
    std::optional<std::string> truncation;     // the core is truncated, and why that is said
    std::optional<std::string> stored;         // the file the core was unpacked from, when it was stored packed
    std::optional<std::string> stored_format;  // "zstd", "apport-gzip"...
};

struct ReportOptions {
    std::vector<std::string> logs;
    std::string window = "10m";
    CrashMetadata metadata;
};

struct ReportFrame {
    std::optional<std::string> function;  // without its parameters; none when unknown ("??" in the text)
    std::optional<std::string> file;      // base name
    std::optional<int> line;
    std::string where() const;  // "parse_record at ledger.c:42"
};

struct ActionItem {
    std::string id, kind, text;  // kind: prevent | mitigate | detect
};

struct SecretCount {
    std::string rule, name, region;
    std::size_t count = 0;
};

struct ModuleWithoutDebugInfo {
    std::string path;
    std::optional<std::string> package;  // the Debian package that ships it, when known
    std::optional<std::string> hint;
};

struct TimelineEntry {
    std::optional<std::string> time;   // ISO 8601 UTC; none for a log line whose time could not be read
    std::optional<std::string> after;  // for such a line: the time it is placed after
    std::string what;
    bool crash = false;
};

// Everything the draft says, as plain data (renderable without a debugger; unit-tested so).
struct ReportFacts {
    std::string program;  // the program's path
    std::string program_name;
    std::optional<std::string> host, package, args;
    std::int64_t pid = 0;
    std::optional<std::string> core_file;
    std::string crash_time;             // ISO 8601 UTC
    std::string time_source;            // said in words, "the core file's modification time (…)"
    std::optional<std::string> signal;  // "SIGSEGV (SEGV_MAPERR, invalid memory reference)"
    std::string cause_class, cause_summary;
    std::optional<std::string> message;  // dying words
    std::optional<std::string> access;   // "read of 0x8 (…)"
    std::optional<ReportFrame> blame;
    std::string blame_reason;
    std::optional<std::string> origin_value, origin_what;           // the bad value and what held it
    std::vector<std::pair<ReportFrame, std::string>> origin_steps;  // where it went, innermost first
    std::size_t thread_count = 0;
    std::vector<std::string> thread_states;  // "3 threads: waiting on a lock (…)", the crashing group first
    std::vector<ModuleWithoutDebugInfo> missing_debug_info;
    std::vector<std::string> mismatched;
    std::string bucket, signature;
    std::string security;
    std::vector<SecretCount> secrets;       // by rule and region kind, never a value
    std::vector<std::string> secret_kinds;  // the rules' names, once each
    std::optional<std::string> truncation;
    std::vector<TimelineEntry> timeline;  // the crash among the log lines of the window
    std::vector<std::string> logs;        // the files read, with what was kept of each
    std::string window;                   // "10 min before and 1 min after the crash"
    std::vector<ActionItem> actions;
    std::string triage_text, threads_text, symbols_text;
    std::optional<std::string> core_sha256, program_sha256;
    std::optional<std::string> stored, stored_format, stored_sha256;  // the packed file the core came from
};

ReportFacts gather_report(const Session& session, const ReportOptions& options);

// The draft's sections, each a title (from postmortem_sections.json) and its Markdown body.
struct ReportSection {
    std::string id, title, field, body;  // field: the JSON name ("root_cause")
};
std::string report_title(const ReportFacts& facts);
std::vector<ReportSection> report_sections(const ReportFacts& facts);
std::string report_markdown(const ReportFacts& facts);
nlohmann::ordered_json report_json(const ReportFacts& facts);

// The action items the rules of rules/report_actions.json select for these facts, in the rules' order.
std::vector<ActionItem> select_actions(const ReportFacts& facts);

}  // namespace coroner
