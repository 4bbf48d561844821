// The manual pages, coroner(1) and coroner-commands(7), written in roff from the same tables --help reads
// (the coroner program's CLI11 subcommands, common/commands' pm-* table), so that they cannot drift apart.
// The build runs `coroner --man-page 1` and `--man-page 7` (cli/CMakeLists.txt).
#pragma once

#include "coroner/commands/commands.hpp"

#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace coroner::cli {

// A command as a manual page shows it: a subcommand of coroner, or one of the debugger commands.
struct ManCommand {
    std::string name;         // "coroner triage", "pm-triage"
    std::string description;  // what --help says first
    std::vector<OptionHelp> options;
};

// The subcommands of `app` (the coroner program), as --help lists them.
std::vector<ManCommand> program_commands(const CLI::App& app);

// The debugger commands, from the one table both debuggers register.
std::vector<ManCommand> debugger_commands();

std::string program_man_page(const std::vector<ManCommand>& commands, const std::string& version);
std::string commands_man_page(const std::vector<ManCommand>& commands, const std::string& version);

}  // namespace coroner::cli
