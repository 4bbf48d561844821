// pm-report's pure pieces: the log window merged around the crash, the action items the rules select, the
// Markdown and JSON rendered from a plain facts struct (and accepted by the checker once filled), SHA-256.
#include "coroner/base/log_window.hpp"
#include "coroner/base/sha256.hpp"
#include "coroner/commands/postmortem_check.hpp"
#include "coroner/commands/report.hpp"

#include <doctest/doctest.h>

#include <algorithm>

using namespace coroner;

namespace {

constexpr std::int64_t crash = 1795969611;  // 2026-11-29T16:26:51Z

std::vector<std::string> window_texts(const std::vector<LogText>& logs, LogWindow window = {crash, 600, 60}) {
    std::vector<std::string> out;
    for (const auto& line : log_window(logs, window, {2026, 0}))
        out.push_back(line.file + ":" + std::to_string(line.number) + (line.time ? "" : "?") + " " + line.text);
    return out;
}

ReportFacts null_deref_facts() {
    ReportFacts f;
    f.program = "/opt/ledger/bin/ledger";
    f.program_name = "ledger";
    f.pid = 4242;
    f.host = "db-3";
    f.core_file = "/var/crash/ledger.core";
    f.crash_time = "2026-11-29T16:26:51Z";
    f.time_source = "recorded by systemd-coredump";
    f.signal = "SIGSEGV (SEGV_MAPERR, segmentation fault)";
    f.cause_class = "null-deref";
    f.cause_summary = "read of a field at offset 0x8 of a NULL pointer";
    f.access = "read of 0x8 by `mov eax, dword ptr [rdi + 8]`";
    f.blame = ReportFrame{"parse_record", "/src/ledger/parse.c", 42};
    f.blame_reason = "the first frame in the program";
    f.origin_value = "0x0";
    f.origin_what = "rec";
    f.origin_steps = {{ReportFrame{"parse_record", "/src/ledger/parse.c", 42}, "argument `rec`"},
                      {ReportFrame{"load", "/src/ledger/load.c", 17}, "computed here: `rec = find(id)`"}};
    f.thread_count = 3;
    f.thread_states = {"the crashing group, 1 thread: crashed (SIGSEGV)", "2 threads: waiting on a mutex"};
    f.bucket = "0123456789abcdef";
    f.signature = "SIGSEGV null-deref parse_record load main";
    f.security = "not-likely: a read near NULL";
    f.missing_debug_info = {{"/usr/lib/x86_64-linux-gnu/libz.so.1", std::string("zlib1g"), std::nullopt}};
    f.secrets = {{"GITHUB-PAT", "GitHub token", "heap", 2}};
    f.secret_kinds = {"GitHub token"};
    f.timeline = {{std::string("2026-11-29T16:20:00Z"), std::nullopt, "app.log:1: started", false},
                  {std::string("2026-11-29T16:26:51Z"), std::nullopt, "ledger (pid 4242) died of SIGSEGV", true}};
    f.triage_text = "SIGSEGV (SEGV_MAPERR, segmentation fault): null-deref\n";
    f.threads_text = "3 threads in 2 groups\n";
    f.symbols_text = "1 module, 0 with something missing or wrong\n";
    f.core_sha256 = std::string(64, 'a');
    f.program_sha256 = std::string(64, 'b');
    f.actions = select_actions(f);
    return f;
}

bool has_action(const ReportFacts& f, const std::string& id) {
    return std::any_of(f.actions.begin(), f.actions.end(), [&](const ActionItem& a) { return a.id == id; });
}

// Every fill prompt replaced by a sentence, as the person editing the draft would.
std::string filled(std::string text) {
    for (std::size_t at = text.find("<!-- fill:"); at != std::string::npos; at = text.find("<!-- fill:")) {
        std::size_t end = text.find("-->", at);
        text.replace(at, end + 3 - at, "Written by the team.");
    }
    return text;
}

}  // namespace

TEST_CASE("report log window: files merged in UTC order, 10 min before and 1 min after, unreadable lines kept") {
    LogText app{"app.log",
                {"2026-11-29T17:20:00+01:00 worker started",  // 16:20:00Z
                 "  stack trace line without a time",         // placed after it
                 "2026-11-29T16:10:00Z too early",            // before the window
                 "2026-11-29T16:27:30Z after the crash",      // in (within 1 min)
                 "2026-11-29T16:28:00Z too late"}};
    LogText sys{"syslog", {"Nov 29 16:25:00 host kernel: oom warning", "Nov 29 16:26:51 host ledger[4242]: segfault"}};
    LogText journal{
        "journal.json",
        {R"({"__REALTIME_TIMESTAMP":"1795969605000000","MESSAGE":"health check failed","SYSLOG_IDENTIFIER":"lb"})"}};
    CHECK(window_texts({app, sys, journal}) ==
          std::vector<std::string>{
              "app.log:1 2026-11-29T17:20:00+01:00 worker started", "app.log:2?   stack trace line without a time",
              "syslog:1 Nov 29 16:25:00 host kernel: oom warning", "journal.json:1 lb: health check failed",
              "syslog:2 Nov 29 16:26:51 host ledger[4242]: segfault",
              "app.log:4 2026-11-29T16:27:30Z after the crash"});
    // A shorter window leaves out what came before it.
    CHECK(window_texts({app}, {crash, 60, 60}) ==
          std::vector<std::string>{"app.log:4 2026-11-29T16:27:30Z after the crash"});
    // Unreadable lines before a file's first time go with it; a file with no time at all gives nothing.
    CHECK(window_texts({{"a", {"header", "2026-11-29T16:26:00Z x"}}, {"b", {"no time", "none here"}}}) ==
          std::vector<std::string>{"a:1? header", "a:2 2026-11-29T16:26:00Z x"});
}

TEST_CASE("report durations: with their unit, never a bare number") {
    CHECK(parse_duration("10m") == 600);
    CHECK(parse_duration("90s") == 90);
    CHECK(parse_duration("1h30m") == 5400);
    CHECK(parse_duration("2d") == 172800);
    for (const char* bad : {"", "10", "m", "10x", "-5m", "1.5h", "10 m", "1001d", "999999999d999999999d"})
        CHECK_MESSAGE(!parse_duration(bad), bad);
}

TEST_CASE("report actions: chosen by class and by what is known, in the rules' order") {
    ReportFacts f = null_deref_facts();
    CHECK(has_action(f, "PM-ACTION-VALIDATE-POINTER"));
    CHECK(has_action(f, "PM-ACTION-TRACE-ORIGIN"));
    CHECK(has_action(f, "PM-ACTION-DEBUG-INFO"));
    CHECK(has_action(f, "PM-ACTION-ROTATE-CREDENTIALS"));
    CHECK(has_action(f, "PM-ACTION-RESTRICT-CORES"));
    CHECK_FALSE(has_action(f, "PM-ACTION-CORE-SIZE-LIMIT"));
    CHECK_FALSE(has_action(f, "PM-ACTION-BOUND-RECURSION"));
    for (const auto& a : f.actions) {
        CHECK(a.text.find('{') == std::string::npos);
        CHECK((a.kind == "prevent" || a.kind == "mitigate" || a.kind == "detect"));
        if (a.id == "PM-ACTION-DEBUG-INFO") CHECK(a.text.find("libz.so.1 (package zlib1g)") != std::string::npos);
        if (a.id == "PM-ACTION-ROTATE-CREDENTIALS") CHECK(a.text.find("GitHub token") != std::string::npos);
        if (a.id == "PM-ACTION-VALIDATE-POINTER") CHECK(a.text.find("parse_record at parse.c:42") != std::string::npos);
    }
    f.cause_class = "stack-overflow";
    f.secrets.clear();
    f.truncation = "it has 100 of the 200 bytes its segments need";
    f.actions = select_actions(f);
    CHECK(has_action(f, "PM-ACTION-BOUND-RECURSION"));
    CHECK(has_action(f, "PM-ACTION-CORE-SIZE-LIMIT"));
    CHECK_FALSE(has_action(f, "PM-ACTION-VALIDATE-POINTER"));
    CHECK_FALSE(has_action(f, "PM-ACTION-ROTATE-CREDENTIALS"));
    f.cause_class = "heap-corruption";
    f.actions = select_actions(f);
    CHECK(has_action(f, "PM-ACTION-HEAP-ASAN"));
}

TEST_CASE("report markdown: the checker's sections in order, facts in place, passes the checker once filled") {
    ReportFacts f = null_deref_facts();
    std::string md = report_markdown(f);
    CHECK(md.rfind("# ledger on db-3 crashed: SIGSEGV null-deref in parse_record\n", 0) == 0);
    CHECK(md.find("\nStatus: draft") != std::string::npos);
    CHECK(md.find("Date: 2026-11-29 (UTC)") != std::string::npos);
    std::size_t at = 0;
    for (const auto& section : postmortem_sections()) {
        std::size_t found = md.find("\n## " + section.title + "\n", at);
        CHECK_MESSAGE(found != std::string::npos, section.title);
        at = found == std::string::npos ? at : found;
    }
    for (const char* fact :
         {"parse_record at parse.c:42", "`null-deref`", "0123456789abcdef", "| Item | Kind | Owner |",
          "GITHUB-PAT | GitHub token | heap | 2", "aaaaaaaaaaaaaaaa", "gdb -batch -ex pm-triage",
          "lldb -b -o 'target create \"/opt/ledger/bin/ledger\" -c \"/var/crash/ledger.core\"'",
          "- **2026-11-29T16:26:51Z — ledger (pid 4242) died of SIGSEGV**", "<!-- fill:"})
        CHECK_MESSAGE(md.find(fact) != std::string::npos, fact);
    // Five whys: three answered from the evidence, two left to fill.
    CHECK(md.find("3. Where did the bad value 0x0 come from? load at load.c:17") != std::string::npos);
    CHECK(md.find("5. Why? <!-- fill:") != std::string::npos);
    auto findings = check_postmortem(md);
    CHECK(std::all_of(findings.begin(), findings.end(), [](const PostmortemFinding& p) { return p.kind == "fill"; }));
    CHECK_FALSE(findings.empty());
    findings = check_postmortem(filled(md));
    CHECK_MESSAGE(findings.empty(), postmortem_findings_text("draft.md", findings));
}

TEST_CASE("report json: one object, the sections as fields, the facts for tools") {
    auto j = report_json(null_deref_facts());
    CHECK(j["schema"] == "coroner.report/1");
    CHECK(j["status"] == "draft");
    CHECK(j["date"] == "2026-11-29");
    for (const char* field : {"summary", "impact", "detection", "trigger", "resolution", "timeline", "root_cause",
                              "five_whys", "action_items", "lessons_learned", "supporting_information"})
        CHECK_MESSAGE(j[field].is_string(), field);
    CHECK(j["facts"]["class"] == "null-deref");
    CHECK(j["facts"]["blame"]["function"] == "parse_record");
    CHECK(j["facts"]["blame"]["line"] == 42);
    CHECK(j["facts"]["bucket"] == "0123456789abcdef");
}

TEST_CASE("report text from a core or a log cannot open a fill prompt or break the action table") {
    ReportFacts f = null_deref_facts();
    f.message = "<!-- fill: not a prompt --> a | b";
    f.cause_class = "assert-failed";
    f.actions = select_actions(f);
    std::string md = report_markdown(f);
    CHECK(md.find("&lt;!-- fill: not a prompt") != std::string::npos);
    CHECK(md.find("a \\| b") != std::string::npos);
}

TEST_CASE("sha256: the FIPS 180-4 examples") {
    CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}
