// Every pm-* command, declared once: name, help, options (CLI11) and what it runs. Both debugger
// frontends register exactly this list and forward the raw argument string here.
#pragma once

#include "coroner/core/debugger.hpp"

#include <string>
#include <vector>

namespace coroner {

struct CommandInfo {
    std::string name;
    std::string summary;  // one line, for the debugger's `help`
};

const std::vector<CommandInfo>& command_infos();

struct CommandOutcome {
    bool ok = true;
    std::string output;  // what to print (text, or one line of JSON), ends with a newline
    std::string error;   // when !ok: "pm-NAME: error: <what is wrong> (<what to do>)"
};

// Parses `arguments` with the command's options, runs it against the debugger, renders the result.
// Never throws: every failure becomes a one-line error.
CommandOutcome run_command(const std::string& name, const std::string& arguments, Debugger& debugger);

}  // namespace coroner
