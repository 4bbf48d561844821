// The one interface a debugger frontend implements. It collects facts the debugger knows best and
// reads memory; it decides nothing. Calls are lazy so that a command fetches only what it uses
// (a 2,000-thread core must not be unwound in full for one crashing thread).
#pragma once

#include "coroner/base/model.hpp"
#include "coroner/core/memory.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace coroner {

// unsupported: a target coroner cannot read, e.g. a remote process (its pid is not one of this machine).
enum class TargetKind { none, core, live_stopped, live_running, unsupported };

struct TargetState {
    TargetKind kind = TargetKind::none;
    std::optional<std::string> executable;  // absolute path of the loaded program, if any
    std::optional<std::string> core_file;   // absolute path, for kind == core
    std::optional<std::int64_t> pid;        // for live processes
    // For unsupported: what the target is ("remote"); for a core without core_file: why it is not known.
    std::string description;
};

// Which debugger coroner runs in: it decides how hints and remedies spell the commands they suggest.
enum class DebuggerKind { gdb, lldb };

struct DebuggerInfo {
    std::string name;     // "gdb" or "lldb", as reports show it
    std::string version;  // e.g. "13.1"
    DebuggerKind kind = DebuggerKind::gdb;
};

// The commands coroner's hints and remedies suggest, as the user types them in one debugger.
struct DebuggerSyntax {
    const char* open_target;    // remedy when nothing is loaded
    const char* load_program;   // remedy when a core is loaded without its program
    const char* reload_core;    // remedy when the debugger does not say which core is loaded
    const char* list_commands;  // where the pm-* commands are listed
    const char* select_frame;   // fmt pattern taking the debugger's frame number
    const char* show_locals;
    const char* all_backtraces;
};

const DebuggerSyntax& syntax_of(DebuggerKind kind);

class Debugger : public MemoryReader {
public:
    ~Debugger() override = default;
    virtual DebuggerInfo info() = 0;
    virtual TargetState target() = 0;
    virtual std::vector<ThreadInfo> threads() = 0;
    // Frames of one thread, innermost first, at most `limit` of them (limit <= 0: all), numbered from 0:
    // the frames unwind() gives without the artificial ones.
    std::vector<Frame> frames(std::int64_t tid, int limit);
    // The debugger's own frames of one thread, innermost first, at most `limit` of them (limit <= 0: all),
    // each frame the debugger synthesized (a tail call's, from DWARF call-site data) marked `artificial`.
    virtual std::vector<Frame> unwind(std::int64_t tid, int limit) = 0;
    // What the debug info (or, without it, the symbol table) says of a code address: function, file and
    // line; `pc` is set, the rest is empty when nothing is known.
    virtual Frame symbolize(std::uint64_t pc) = 0;
    // The arguments and locals of a thread's frame, by the debugger's own frame number, each with a value
    // only where it is a scalar (see Variable): what variables_as_given() gives, judged once here.
    std::vector<Variable> variables(std::int64_t tid, int debugger_index);
    // The same as the debugger gives them: a kind for each, and a value wherever the debugger could read
    // it as an integer.
    virtual std::vector<Variable> variables_as_given(std::int64_t tid, int debugger_index) = 0;
    // Makes that frame the debugger's selected one (what `frame N` does); false if there is no such frame.
    virtual bool select_frame(std::int64_t tid, int debugger_index) = 0;
    // For a live process: the signal the selected thread stopped with, and that thread's tid.
    virtual std::optional<SignalInfo> live_signal() = 0;
    virtual std::optional<std::int64_t> selected_tid() = 0;
    // For a live process: the registers named (the CPU's general-purpose ones, Arch::debugger_registers) of
    // a thread's innermost frame, those the debugger has. A core's registers come from its notes instead.
    virtual std::map<std::string, std::uint64_t> registers(std::int64_t tid, const std::vector<std::string>& names) = 0;
    // One register of a thread's frame (by the debugger's frame number) as the debugger unwound it: what a
    // walk past the debugger's last frame starts from (its frame pointer). Nothing when it has no value.
    virtual std::optional<std::uint64_t> frame_register(std::int64_t tid, int debugger_index,
                                                        const std::string& name) = 0;
};

}  // namespace coroner
