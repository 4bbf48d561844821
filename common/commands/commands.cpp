#include "coroner/commands/commands.hpp"

#include "coroner/base/error.hpp"
#include "coroner/base/json_util.hpp"
#include "coroner/base/output_file.hpp"
#include "coroner/base/regular_file.hpp"
#include "coroner/base/text.hpp"
#include "coroner/commands/blame_report.hpp"
#include "coroner/commands/postmortem_check.hpp"
#include "coroner/commands/redact_report.hpp"
#include "coroner/commands/report.hpp"
#include "coroner/commands/secrets_report.hpp"
#include "coroner/commands/session.hpp"
#include "coroner/commands/symbols_report.hpp"
#include "coroner/commands/threads_report.hpp"
#include "coroner/commands/triage_render.hpp"
#include "coroner/commands/triage_report.hpp"
#include "coroner/secrets/text_redaction.hpp"

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <unistd.h>
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <functional>
#include <memory>
#include <stdexcept>

namespace coroner {
namespace {

using Json = nlohmann::ordered_json;

// What a command prints: text from the core (dying words, arguments, names, quoted source) with every
// secret shown as its preview, unless the user asked for --reveal.
std::string printed(Json j, bool reveal) {
    if (!reveal) redact_secrets_in_json(j, *secret_rules());
    return json_line(j);
}

std::string printed(const std::string& text, bool reveal) {
    return reveal ? text : redact_secrets_in_text(text, *secret_rules());
}

// CLI::PositiveNumber explains itself with a range of doubles 400 characters long.
const CLI::Validator thread_number(
    [](std::string& value) {
        try {
            std::size_t used = 0;
            if (std::stol(value, &used) >= 1 && used == value.size()) return std::string();
        } catch (const std::exception&) {}
        return "a thread number is 1 or more, as pm-threads lists them, not " + value;
    },
    "THREAD");

constexpr const char* reveal_help = "show secrets in text that came from the core (redacted otherwise)";

// What a command did: its output, and whether it changed the debugger's selection.
struct Ran {
    Ran(std::string text, bool changed = false)  // NOLINT: implicit, most commands give only their output
        : output(std::move(text)), selection_changed(changed) {}
    std::string output;
    bool selection_changed;
};

// One command: its options bound to a parser, and what it does once they are parsed.
// --no-recover, on the commands that show or judge stacks.
void add_no_recover_flag(CLI::App& app, bool& no_recover) {
    app.add_flag("--no-recover", no_recover,
                 "show only the frames the debugger found (no frame-pointer walk or stack scan past where it stopped)");
}

struct Command {
    std::unique_ptr<CLI::App> app;
    std::function<Ran(Debugger&)> run;
};

Command make_triage() {
    struct Options {
        bool json = false;
        bool reveal = false;
        bool no_recover = false;
        TriageOptions triage;
    };
    auto options = std::make_shared<Options>();
    auto app = std::make_unique<CLI::App>(
        "Why did the process die? Signal, cause, crashing thread, blamed frame, "
        "bucket, symbol problems.",
        "pm-triage");
    app->add_flag("--json", options->json, "print one coroner.triage/1 JSON object");
    app->add_flag("--reveal", options->reveal, reveal_help);
    app->add_option("--thread", options->triage.thread, "analyse this thread (the debugger's number) instead")
        ->check(thread_number);
    app->add_option("--frames", options->triage.frames, "how many frames to show (default 32)")
        ->check(CLI::Range(1, 100000));
    add_no_recover_flag(*app, options->no_recover);
    return {std::move(app), [options](Debugger& debugger) {
                Session session = open_session(debugger);
                session.recover_frames = !options->no_recover;
                TriageReport report = triage(session, options->triage);
                return options->json ? printed(triage_json(report), options->reveal)
                                     : printed(triage_text(report), options->reveal);
            }};
}

Command make_blame() {
    struct Options {
        bool json = false;
        bool reveal = false;
        bool no_recover = false;
        BlameOptions blame;
    };
    auto options = std::make_shared<Options>();
    auto app = std::make_unique<CLI::App>(
        "Which frame should a human look at first? Skips signal, abort, assert, "
        "allocator and runtime frames by rules kept as data.",
        "pm-blame-frame");
    app->add_flag("--json", options->json, "print one coroner.blame/1 JSON object");
    app->add_flag("--reveal", options->reveal, reveal_help);
    app->add_flag("--explain", options->blame.explain,
                  "say why each skipped frame was skipped, and trace the bad value up the stack");
    app->add_flag("--select", options->blame.select, "make the blamed frame the debugger's selected frame");
    app->add_option("--rules", options->blame.rules_file,
                    "a coroner.blame-rules/1 file whose rules come before the user's and the built-in ones");
    add_no_recover_flag(*app, options->no_recover);
    return {std::move(app), [options](Debugger& debugger) {
                Session session = open_session(debugger);
                session.recover_frames = !options->no_recover;
                BlameReport report = blame_report(session, options->blame);
                return Ran{options->json ? printed(blame_json(report), options->reveal)
                                         : printed(blame_text(report), options->reveal),
                           report.selected};
            }};
}

Command make_secrets_scan() {
    struct Options {
        bool json = false;
        SecretsOptions scan;
    };
    auto options = std::make_shared<Options>();
    auto app = std::make_unique<CLI::App>("What credentials does this core hold? Values are redacted unless --reveal.",
                                          "pm-secrets-scan");
    app->add_flag("--json", options->json, "print one coroner.secrets/1 JSON object");
    add_secrets_scan_options(*app, options->scan);
    return {std::move(app), [options](Debugger& debugger) {
                Session session = open_session(debugger);
                SecretsReport report = scan_secrets(session, options->scan);
                return options->json ? secrets_json_line(report, options->scan.reveal)
                                     : printed(secrets_text(report), options->scan.reveal);
            }};
}

}  // namespace

void add_secrets_scan_options(CLI::App& app, SecretsOptions& options) {
    app.add_flag("--reveal", options.reveal, "show the secrets' values (they are redacted otherwise)");
    app.add_option("--rules", options.rules_file, "a coroner.secret-rules/1 file to use instead of the built-in rules");
    app.add_option("--regions", options.regions, "scan only these kinds: heap,stack,data,bss,anon,file");
    app.add_option("--min-confidence", options.min_confidence,
                   "list only findings this confident or more: high, medium or low (all by default)");
}

namespace {

Command make_redact() {
    struct Options {
        bool json = false;
        RedactOptions redact;
    };
    auto options = std::make_shared<Options>();
    auto app = std::make_unique<CLI::App>(
        "Writes a copy of the loaded core with every secret overwritten in place "
        "(mode 0600); the original is never modified.",
        "pm-redact");
    app->add_option("OUTPUT", options->redact.output, "where to write the copy")->required();
    app->add_flag("--force", options->redact.force, "replace OUTPUT if it exists");
    app->add_flag("--json", options->json, "print one coroner.redact/1 JSON object");
    app->add_option("--rules", options->redact.rules_file, "a coroner.secret-rules/1 file to use instead");
    return {std::move(app), [options](Debugger& debugger) {
                Session session = open_session(debugger);
                RedactResult result = redact_core(session, options->redact);
                return options->json ? printed(redact_json(result), false) : printed(redact_text(result), false);
            }};
}

Command make_symbols() {
    auto json = std::make_shared<bool>(false);
    auto app = std::make_unique<CLI::App>(
        "Can the backtrace be trusted? Per module: build-id on disk and in the core, "
        "debug info (embedded, separate, none), and how to get what is missing.",
        "pm-symbols");
    app->add_flag("--json", *json, "print one coroner.symbols/1 JSON object");
    return {std::move(app), [json](Debugger& debugger) {
                Session session = open_session(debugger);
                auto modules = symbols_report(session);
                return *json ? printed(symbols_json(modules), false) : printed(symbols_text(modules), false);
            }};
}

Command make_threads() {
    struct Options {
        bool json = false;
        bool reveal = false;
        bool no_recover = false;
        int frames = 16;
    };
    auto options = std::make_shared<Options>();
    auto app = std::make_unique<CLI::App>(
        "What were the other threads doing? Every thread's stack, identical stacks "
        "grouped, the crashing thread's group first.",
        "pm-threads");
    app->add_flag("--json", options->json, "print one coroner.threads/1 JSON object");
    app->add_flag("--reveal", options->reveal, reveal_help);
    app->add_option("--frames", options->frames, "frames per thread to unwind and compare (default 16)")
        ->check(CLI::Range(1, 100000));
    add_no_recover_flag(*app, options->no_recover);
    return {std::move(app), [options](Debugger& debugger) {
                Session session = open_session(debugger);
                session.recover_frames = !options->no_recover;
                ThreadsReport report = threads_report(session, options->frames);
                return options->json ? printed(threads_json(report), options->reveal)
                                     : printed(threads_text(report), options->reveal);
            }};
}

// pm-report --check FILE: the checker of `coroner check-postmortem`, with its output.
std::string check_written_report(const std::string& path, bool json) {
    constexpr std::size_t max_size = 16 << 20;
    auto text = read_regular_file(path, max_size);
    if (!text)
        throw UserError(fmt::format("cannot read {}: {}", path, why_unreadable(max_size)),
                        "give the Markdown file of the write-up");
    auto findings = check_postmortem(*text);
    if (json) return json_line(postmortem_findings_json(path, findings));
    return postmortem_findings_text(path, findings) +
           fmt::format("pm-report --check: {} finding{}\n", findings.size(), findings.size() == 1 ? "" : "s");
}

// Writes the report into `file` (made before the work: an existing FILE is refused at once) and names it.
std::string write_report(OutputFile& file, const std::string& text) {
    for (std::size_t done = 0; done < text.size();) {
        ssize_t wrote = ::write(file.fd(), text.data() + done, text.size() - done);
        if (wrote < 0) {
            if (errno == EINTR) continue;
            throw UserError(fmt::format("cannot write {}: {}", file.path(), std::strerror(errno)),
                            "give --output a path on a file system with room");
        }
        done += static_cast<std::size_t>(wrote);
    }
    file.commit();
    return fmt::format("wrote {} (mode 0600)\n", file.path());
}

Command make_report() {
    struct Options {
        bool json = false;
        bool reveal = false;
        bool force = false;
        std::optional<std::string> output, check;
        ReportOptions report;
    };
    auto options = std::make_shared<Options>();
    auto app = std::make_unique<CLI::App>(
        "Drafts the post-mortem write-up from the evidence (Markdown, blameless, times in UTC): summary, "
        "timeline with the log lines around the crash, root cause, five whys, action items, supporting "
        "information. --check FILE checks an edited write-up as coroner check-postmortem does.",
        "pm-report");
    app->add_option("-o,--output", options->output, "write the report to FILE (mode 0600) instead of printing it");
    app->add_flag("--force", options->force, "replace the --output file if it exists");
    app->add_option("--log", options->report.logs,
                    "a log to take the lines around the crash from (RFC 3339, syslog, journalctl short-iso or "
                    "-o json); repeatable, one file each")
        ->allow_extra_args(false);
    app->add_option("--window", options->report.window,
                    "how far before the crash log lines are taken (default 10m; 1 min after is always kept)");
    app->add_flag("--json", options->json, "print one coroner.report/1 JSON object (sections as fields)");
    app->add_flag("--reveal", options->reveal, reveal_help);
    app->add_option("--check", options->check,
                    "check an edited write-up instead (blame language, timeline times, sections, fill prompts, "
                    "credentials); needs no core");
    // What only `coroner report`'s intake knows (systemd-coredump's or apport's metadata).
    CrashMetadata& m = options->report.metadata;
    app->add_option("--crash-time", m.time, "the crash's UTC time, as recorded (coroner report passes it)");
    app->add_option("--time-source", m.time_source, "where --crash-time was recorded");
    app->add_option("--host", m.host, "the host the process ran on");
    app->add_option("--package", m.package, "the package (and version) of the program");
    app->add_option("--truncated", m.truncation, "the core is truncated: why that is said");
    app->add_option("--stored", m.stored, "the file the core was unpacked from (coroner report passes it)");
    app->add_option("--stored-format", m.stored_format, "how that file holds the core (zstd, apport-gzip...)");
    return {std::move(app), [options](Debugger& debugger) -> Ran {
                if (options->check) return check_written_report(*options->check, options->json);
                Session session = open_session(debugger);
                std::optional<OutputFile> file;
                if (options->output) file.emplace(*options->output, options->force, session.target.core_file);
                ReportFacts facts = gather_report(session, options->report);
                std::string text = options->json ? printed(report_json(facts), options->reveal)
                                                 : printed(report_markdown(facts), options->reveal);
                return file ? write_report(*file, printable_output(text)) : text;
            }};
}

struct CommandEntry {
    CommandInfo info;
    std::function<Command()> make;
};

const std::vector<CommandEntry>& registry() {
    static const std::vector<CommandEntry> entries{
        {{"pm-triage", "Why did the process die? Cause, crashing thread, blamed frame, bucket."}, make_triage},
        {{"pm-blame-frame", "Which frame to look at first, why, and where the bad value came from."}, make_blame},
        {{"pm-threads", "What were the other threads doing? Identical stacks grouped, crashing thread first."},
         make_threads},
        {{"pm-secrets-scan", "What credentials does this core hold? Redacted unless --reveal."}, make_secrets_scan},
        {{"pm-redact", "Write a copy of the core with every secret overwritten, safe to share."}, make_redact},
        {{"pm-symbols", "Can the backtrace be trusted? Build-ids and debug info of every module."}, make_symbols},
        {{"pm-report", "Draft the post-mortem write-up from the evidence, in UTC; --check an edited one."},
         make_report},
    };
    return entries;
}

std::string one_line(std::string s) {
    for (auto& c : s)
        if (c == '\n' || c == '\r') c = ' ';
    while (!s.empty() && s.back() == ' ') s.pop_back();
    return s;
}

}  // namespace

const std::vector<CommandInfo>& command_infos() {
    static const std::vector<CommandInfo> infos = [] {
        std::vector<CommandInfo> v;
        for (const auto& e : registry()) v.push_back(e.info);
        return v;
    }();
    return infos;
}

std::string command_help(const CommandInfo& command, DebuggerKind kind) {
    return fmt::format("{}{}Run `{} --help` for its options.", command.summary, kind == DebuggerKind::gdb ? "\n" : " ",
                       command.name);
}

namespace {

const CommandEntry& entry_named(const std::string& name) {
    for (const auto& e : registry())
        if (e.info.name == name) return e;
    throw std::invalid_argument("no command " + name);
}

}  // namespace

std::string command_description(const std::string& name) { return entry_named(name).make().app->get_description(); }

std::vector<OptionHelp> command_options(const std::string& name) { return option_help(*entry_named(name).make().app); }

namespace {

// CLI11 names a value by its type and its checks ("INT:THREAD", "INT:INT in [1 - 100000]"): a manual wants
// one word, the check's name when it is one ("THREAD"), else the type's.
std::string value_name(const std::string& type) {
    std::string last = type.substr(type.rfind(':') + 1);
    bool word =
        !last.empty() && std::all_of(last.begin(), last.end(), [](char c) { return std::isupper(c) || c == '_'; });
    return word ? last : type.substr(0, type.find(':'));
}

}  // namespace

std::vector<OptionHelp> option_help(const CLI::App& app) {
    std::vector<OptionHelp> options;
    for (const CLI::Option* option : app.get_options()) {
        OptionHelp help;
        help.argument = option->get_positional() && !option->nonpositional();
        help.names = help.argument ? option->get_name(true) : option->get_name(false, true);
        if (option->get_type_size() != 0) help.value = value_name(option->get_type_name());
        help.meaning = option->get_description();
        options.push_back(std::move(help));
    }
    return options;
}

namespace {

CommandOutcome run_checked(const std::string& name, const std::string& arguments, Debugger& debugger) {
    CommandOutcome outcome;
    auto fail = [&](const std::string& what, const std::string& todo) {
        outcome.ok = false;
        outcome.error = printed(fmt::format("{}: error: {} ({})", name, one_line(what), one_line(todo)), false);
        return outcome;
    };
    try {
        const CommandEntry* entry = nullptr;
        for (const auto& e : registry())
            if (e.info.name == name) entry = &e;
        if (!entry) return fail("no such command", syntax_of(debugger.info().kind).list_commands);
        Command command = entry->make();
        try {
            command.app->parse(arguments, false);
        } catch (const CLI::CallForHelp&) {
            outcome.output = command.app->help();
            return outcome;
        } catch (const CLI::ParseError& e) {
            return fail(e.what(), fmt::format("see {} --help", name));
        }
        Ran ran = command.run(debugger);
        outcome.output = std::move(ran.output);
        outcome.selection_changed = ran.selection_changed;
    } catch (const UserError& e) {
        return fail(e.problem(), e.remedy());
    } catch (const std::exception& e) {
        return fail(fmt::format("internal error: {}", e.what()), "please report it with the command and the core");
    }
    return outcome;
}

}  // namespace

CommandOutcome run_command(const std::string& name, const std::string& arguments, Debugger& debugger) {
    CommandOutcome outcome = run_checked(name, arguments, debugger);
    if (!already_printable(outcome.output)) outcome.output = printable_output(outcome.output);
    outcome.error = printable_output(outcome.error);
    return outcome;
}

}  // namespace coroner
