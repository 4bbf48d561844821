// Every pm-* command, declared once: name, help, options (CLI11) and what it runs. Both debugger
// frontends register exactly this list and forward the raw argument string here.
#pragma once

#include "coroner/core/debugger.hpp"

#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace coroner {

struct SecretsOptions;

struct CommandInfo {
    std::string name;
    std::string summary;  // one line, for the debugger's `help`
};

const std::vector<CommandInfo>& command_infos();

// One option (or argument) of a command, as its --help lists it: for the manual page, written from the
// same table so that it cannot drift from --help.
struct OptionHelp {
    std::string names;      // "--output", "-o,--output", or the argument's name ("FILE")
    std::string value;      // what it takes ("TEXT", "INT"); empty for a flag
    std::string meaning;    // the --help description
    bool argument = false;  // positional
};

// The command's long description (its --help's first paragraph) and its options, --help first.
std::string command_description(const std::string& name);
std::vector<OptionHelp> command_options(const std::string& name);

// The options of any CLI11 command (the coroner program's subcommands too), as above.
std::vector<OptionHelp> option_help(const CLI::App& app);

// pm-secrets-scan's options but --json (--reveal, --rules, --regions, --min-confidence), for the `coroner`
// program's secrets-scan to take the very same ones.
void add_secrets_scan_options(CLI::App& app, SecretsOptions& options);

// The help a debugger shows for the command, laid out as that debugger's `help` wants it: GDB takes its
// first line as the summary, LLDB one paragraph.
std::string command_help(const CommandInfo& command, DebuggerKind kind);

// Output and error are printable as they are (printable_output): UTF-8 without NUL or control bytes.
struct CommandOutcome {
    bool ok = true;
    std::string output;  // what to print (text, or one line of JSON), ends with a newline
    std::string error;   // when !ok: "pm-NAME: error: <what is wrong> (<what to do>)"
    // The command made another frame the debugger's selected one (pm-blame-frame --select): the frontend
    // keeps it instead of restoring the user's selection.
    bool selection_changed = false;
};

// Parses `arguments` with the command's options, runs it against the debugger, renders the result.
// Never throws: every failure becomes a one-line error.
CommandOutcome run_command(const std::string& name, const std::string& arguments, Debugger& debugger);

}  // namespace coroner
