// The plain data that flows between the debugger adapters and the analyses.
// Nothing here knows about GDB, LLDB or ELF; every analysis is a function of these structs.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace coroner {

// One frame of a backtrace, as the debugger symbolized it. `module` is filled by common from the
// process's mappings, not by the adapter, so that both debuggers name modules the same way.
// How a frame was found: by the debugger's unwinder, or by coroner past where the debugger stopped
// (analysis/stack_recovery.hpp): following saved frame pointers, or scanning the stack for return addresses.
enum class FoundBy { debugger, frame_pointer, scan };

// As JSON and text spell it: "debugger", "frame-pointer", "scan".
inline const char* to_string(FoundBy how) {
    return how == FoundBy::frame_pointer ? "frame-pointer" : how == FoundBy::scan ? "scan" : "debugger";
}

struct Frame {
    int index = 0;
    std::uint64_t pc = 0;
    std::optional<std::uint64_t> sp;
    std::optional<std::string> function;  // as the debugger names it; normalized later
    std::optional<std::string> module;
    std::optional<std::string> file;
    std::optional<int> line;
    bool inlined = false;
    bool artificial = false;            // synthesized by the debugger (a tail call's): not on the stack
    std::optional<int> debugger_index;  // what `frame N` takes in the debugger that gave the frame
                                        // (coroner leaves out frames the debugger counts)
    FoundBy found_by = FoundBy::debugger;
    bool python = false;  // a frame of the Python interpreter's own stack (runtimes/cpython.hpp): no pc, no module
};

// How text shows a frame's number: "#3", and for a frame coroner recovered "#3 fp" or "#3 scan".
inline std::string frame_label(const Frame& f) {
    const char* how = f.found_by == FoundBy::frame_pointer ? " fp" : f.found_by == FoundBy::scan ? " scan" : "";
    return "#" + std::to_string(f.index) + how;
}

// What a variable's type is, once typedefs are seen through.
enum class ValueKind { other, pointer, integer, enumeration, boolean, character, floating };

// Whether a variable of that kind has one integer value (a float, a struct or an array has not).
inline bool is_scalar(ValueKind kind) { return kind != ValueKind::other && kind != ValueKind::floating; }

// A variable visible in a frame, as the debug info describes it.
struct Variable {
    std::string name;
    bool argument = false;  // a parameter of the frame's function, or else a local
    ValueKind kind = ValueKind::other;
    std::optional<std::uint64_t> value;  // its value, for scalars and pointers that could be read
    bool pointer() const { return kind == ValueKind::pointer; }  // data or function
};

struct ThreadInfo {
    int index = 0;         // the debugger's own thread number (what `thread N` takes)
    std::int64_t tid = 0;  // the kernel's thread id (LWP)
    std::optional<std::string> name;
};

// What the kernel said about the signal that killed (or stopped) the process.
struct SignalInfo {
    int number = 0;
    int code = 0;
    // False when the core has no siginfo (qemu-user's cores): the number alone, from NT_PRSTATUS; `code` is
    // then not known, and no fault address or sender is either.
    bool siginfo_recorded = true;
    std::optional<std::uint64_t> fault_address;  // only for faults the kernel raised with an address
    std::optional<std::int64_t> sender_pid;      // only for signals sent by a process
    std::optional<std::int64_t> sender_uid;
};

// One mapping of the process's address space.
struct Mapping {
    std::uint64_t start = 0;
    std::uint64_t end = 0;
    std::uint64_t file_offset = 0;
    bool readable = false;
    bool writable = false;
    bool executable = false;
    std::string path;  // empty for anonymous memory; "[stack]", "[heap]" etc. where known
};

// Facts about the process that are read from the core file (or /proc for a live process), never
// from a debugger: the debuggers disagree on them or hide them.
struct ProcessFacts {
    std::int64_t pid = 0;
    std::optional<std::string> program;  // the kernel's comm name, at most 15 characters
    std::optional<std::string> args;
    std::optional<std::int64_t> crashing_tid;
    std::optional<SignalInfo> signal;
    std::optional<std::uint64_t> crash_sp;  // the crashing thread's stack pointer
    std::optional<std::uint64_t> crash_pc;
    std::map<std::string, std::uint64_t> crash_registers;  // by name (the CPU's, and 32-bit ones), when known
    std::vector<Mapping> mappings;                         // sorted by start
    std::optional<std::string> core_time;                  // ISO 8601 UTC, when the core was written
};

}  // namespace coroner
