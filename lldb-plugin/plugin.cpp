// The LLDB plugin's entry: registers every command libcoroner declares, each forwarding its arguments
// and an LldbDebugger to run_command() and printing what comes back. Nothing is decided here.
#include "lldb_debugger.hpp"

#include "coroner/base/interrupt.hpp"
#include "coroner/commands/commands.hpp"

#include <lldb/API/SBCommandInterpreter.h>
#include <lldb/API/SBCommandReturnObject.h>
#include <lldb/API/SBDebugger.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

// LLDB hands over the arguments already split; CLI11 wants one string, so quote what needs it.
std::string join_arguments(char** argv) {
    std::string joined;
    for (; argv && *argv; ++argv) {
        std::string arg = *argv;
        if (!joined.empty()) joined += ' ';
        if (arg.empty() || arg.find_first_of(" \t\"'\\") != std::string::npos) {
            joined += '"';
            for (char c : arg) {
                if (c == '"' || c == '\\') joined += '\\';
                joined += c;
            }
            joined += '"';
        } else {
            joined += arg;
        }
    }
    return joined;
}

class CoronerCommand : public lldb::SBCommandPluginInterface {
public:
    explicit CoronerCommand(std::string name) : name_(std::move(name)) {}

    bool DoExecute(lldb::SBDebugger debugger, char** command, lldb::SBCommandReturnObject& result) override {
        coroner::LldbDebugger adapter(debugger);
        // Ctrl-C during a long scan or copy: LLDB records it in the command interpreter.
        coroner::set_interrupt_check(
            [debugger]() mutable { return debugger.GetCommandInterpreter().WasInterrupted(); });
        coroner::CommandOutcome outcome = coroner::run_command(name_, join_arguments(command), adapter);
        // The outcome holds no NUL (run_command escapes it), so PutCString prints it whole.
        if (!outcome.ok) {
            // Printed as it is (LLDB would prefix "error: " to SetError): the same line as in GDB.
            result.PutCString((outcome.error + "\n").c_str());
            result.SetStatus(lldb::eReturnStatusFailed);
            return false;
        }
        result.PutCString(outcome.output.c_str());
        result.SetStatus(lldb::eReturnStatusSuccessFinishResult);
        return true;
    }

private:
    std::string name_;
};

}  // namespace

namespace lldb {
#define CORONER_EXPORT __attribute__((visibility("default")))
CORONER_EXPORT bool PluginInitialize(SBDebugger debugger);
}  // namespace lldb

bool lldb::PluginInitialize(lldb::SBDebugger debugger) {
    // A plugin works only in the LLDB whose liblldb it linked; refuse another one in one line.
    std::string version = SBDebugger::GetVersionString();
    auto digit = version.find_first_of("0123456789");
    int major = digit == std::string::npos ? -1 : std::atoi(version.c_str() + digit);
    if (major != CORONER_LLDB_MAJOR) {
        std::fprintf(stderr,
                     "coroner: not loaded: this plugin was built for LLDB %d but this is LLDB %d; load the plugin "
                     "built for LLDB %d (configure with -DLLDB_ROOT=/usr/lib/llvm-%d).\n",
                     CORONER_LLDB_MAJOR, major, major, major);
        return false;
    }
    SBCommandInterpreter interpreter = debugger.GetCommandInterpreter();
    for (const auto& info : coroner::command_infos()) {
        // Loading twice is harmless: AddCommand replaces a user command of the same name.
        std::string help = coroner::command_help(info, coroner::DebuggerKind::lldb);
        interpreter.AddCommand(info.name.c_str(), new CoronerCommand(info.name), help.c_str());
    }
    return true;
}
