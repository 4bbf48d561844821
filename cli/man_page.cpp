#include "man_page.hpp"

#include <fmt/format.h>
#include <CLI/CLI.hpp>

namespace coroner::cli {
namespace {

// Text as roff reads it: a backslash is \e, and a line may not start with a control character.
std::string roff(const std::string& text) {
    std::string out;
    bool line_start = true;
    for (char c : text) {
        if (line_start && (c == '.' || c == '\'')) out += "\\&";
        if (c == '\\')
            out += "\\e";
        else
            out += c;
        line_start = c == '\n';
    }
    return out;
}

// An option name or a command line, where every '-' is a minus sign (so that it can be copied).
std::string literal(const std::string& text) {
    std::string out;
    for (char c : roff(text)) out += c == '-' ? std::string("\\-") : std::string(1, c);
    return out;
}

std::string option_entry(const OptionHelp& option) {
    std::string head = option.argument ? fmt::format("\\fI{}\\fR", literal(option.names))
                                       : fmt::format("\\fB{}\\fR", literal(option.names));
    if (!option.value.empty()) head += fmt::format(" \\fI{}\\fR", literal(option.value));
    return fmt::format(".TP\n{}\n{}\n", head, roff(option.meaning));
}

// "pm-triage [--json] [--thread INT]... ARGUMENT"
std::string synopsis(const ManCommand& command) {
    std::string line = fmt::format("\\fB{}\\fR", literal(command.name));
    for (const auto& option : command.options) {
        if (option.names == "-h,--help" || option.names == "--help") continue;
        if (option.argument) {
            line += fmt::format(" \\fI{}\\fR", literal(option.names));
            continue;
        }
        std::string name = option.names.substr(option.names.rfind(',') + 1);
        line += option.value.empty() ? fmt::format(" [\\fB{}\\fR]", literal(name))
                                     : fmt::format(" [\\fB{}\\fR \\fI{}\\fR]", literal(name), literal(option.value));
    }
    return line;
}

std::string command_section(const ManCommand& command) {
    std::string out =
        fmt::format(".SS {}\n{}\n.PP\n{}\n", literal(command.name), synopsis(command), roff(command.description));
    for (const auto& option : command.options) out += option_entry(option);
    return out;
}

std::string header(const std::string& title, int section, const std::string& version, const std::string& manual) {
    return fmt::format(".TH {} {} \"\" \"coroner {}\" \"{}\"\n", title, section, version, manual);
}

}  // namespace

std::vector<ManCommand> program_commands(const CLI::App& app) {
    std::vector<ManCommand> commands;
    for (const CLI::App* sub : app.get_subcommands({})) {
        if (sub->get_group().empty()) continue;  // hidden
        commands.push_back({app.get_name() + " " + sub->get_name(), sub->get_description(), option_help(*sub)});
    }
    return commands;
}

std::vector<ManCommand> debugger_commands() {
    std::vector<ManCommand> commands;
    for (const auto& info : command_infos())
        commands.push_back({info.name, command_description(info.name), command_options(info.name)});
    return commands;
}

std::string program_man_page(const std::vector<ManCommand>& commands, const std::string& version) {
    std::string out = header("CORONER", 1, version, "User Commands");
    out += ".SH NAME\ncoroner \\- post\\-mortem triage of core dumps as they arrive\n.SH SYNOPSIS\n";
    for (const auto& command : commands) out += synopsis(command) + "\n.br\n";
    out += R"ROFF(.SH DESCRIPTION
.B coroner
reads core dumps in the forms they are stored in (a plain ELF core, systemd\-coredump's
.IR .zst ,
.I .lz4
and
.I .xz
files with their extended attributes, Ubuntu apport's
.I .crash
reports), finds each core's program (checking its build\-id), and triages it in GDB (or LLDB) in batch mode
with coroner's debugger commands, one JSON row per core.
The rows are sorted into buckets (one per bug) with
.BR "coroner buckets" .
The analysis is the one the debugger commands give; see
.BR coroner\-commands (7).
.PP
Text that came from a core (messages, arguments, names) is printed with every secret it holds redacted,
unless
.B \-\-reveal
is given.
Errors are one line,
.RB \(lq "coroner: error: " "what is wrong (what to do)" \(rq.
.SH COMMANDS
)ROFF";
    for (const auto& command : commands) out += command_section(command);
    out += R"ROFF(.SH EXIT STATUS
.TP
.B 0
Success: every input was triaged, the report was written, the write\-up has no findings.
.TP
.B 1
Some inputs failed (their rows say why), or the write\-up has findings
.RB ( check\-postmortem ),
or a file could not be read.
.TP
.B 2
A usage error: nothing was read.
.SH ENVIRONMENT
.TP
.BR SLURM_ARRAY_TASK_ID ", " SLURM_ARRAY_TASK_MIN ", " SLURM_ARRAY_TASK_COUNT ", " JOB_COMPLETION_INDEX
read by
.BR "\-\-shard auto" .
.SH SEE ALSO
.BR coroner\-commands (7),
.BR gdb (1),
.BR lldb (1),
.BR systemd\-coredump (8),
.BR coredumpctl (1)
)ROFF";
    return out;
}

std::string commands_man_page(const std::vector<ManCommand>& commands, const std::string& version) {
    std::string out = header("CORONER-COMMANDS", 7, version, "coroner");
    out += ".SH NAME\ncoroner\\-commands \\- post\\-mortem commands for GDB and LLDB\n.SH SYNOPSIS\n";
    for (const auto& command : commands) out += synopsis(command) + "\n.br\n";
    out += R"ROFF(.SH DESCRIPTION
coroner adds these commands to GDB and to LLDB, for a process opened from its core dump
.RB ( "gdb ./prog ./core" ,
.BR "lldb ./prog \-c ./core" ).
Both debuggers run the same analysis and print the same text; with
.B \-\-json
a command prints one JSON object whose
.I schema
field names its format.
.PP
With the Debian package installed the commands are there when the debugger starts. From a build tree or
another prefix, load them in GDB with
.B source .../share/coroner/coroner\-gdb.py
and in LLDB with
.BR "plugin load .../lib/coroner/libcoroner\-lldb.so" .
.PP
Text that came from the core (messages, arguments, variables) is printed with every secret redacted to a
short preview, unless the command is given
.BR \-\-reveal .
An error is one line,
.RB \(lq "pm\-NAME: error: " "what is wrong (what to do)" \(rq;
the core is never modified.
.SH COMMANDS
)ROFF";
    for (const auto& command : commands) out += command_section(command);
    out += R"ROFF(.SH SEE ALSO
.BR coroner (1),
.BR gdb (1),
.BR lldb (1)
)ROFF";
    return out;
}

}  // namespace coroner::cli
