// The Python stacks of a dead CPython interpreter, read from the core's memory with the interpreter's own
// layouts (rules/cpython_<major>_<minor>.json), and laid among the native frames where the evaluation loop runs.
#pragma once

#include "coroner/base/model.hpp"
#include "coroner/core/memory.hpp"
#include "coroner/core/process_map.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace coroner {

struct PythonFrame {
    std::string file;      // co_filename, as the interpreter recorded it
    std::string function;  // co_qualname ("Parser.parse", "<module>")
    std::optional<int> line;
    bool entry = false;       // the first frame one call of the evaluation loop ran: its run ends here
    bool incomplete = false;  // pushed but not started: the interpreter's own tracebacks leave it out
};

struct PythonThread {
    std::int64_t native_tid = 0;
    std::vector<PythonFrame> frames;  // innermost first
};

struct PythonStacks {
    std::string version;                // "3.11.2", from the interpreter's Py_Version; "" when it has none
    std::optional<std::string> note;    // why no stack was read (a version coroner has no layout for), one line
    std::string eval_function;          // the native function that runs Python frames
    std::vector<PythonThread> threads;  // those with a Python frame
    const PythonThread* thread(std::int64_t tid) const;
};

// The interpreter's threads' Python stacks, or nothing when no module of `modules` (the program, then its
// libraries: a libpython) exports `_PyRuntime`. Every read is bounded: a corrupt core gives fewer frames.
std::optional<PythonStacks> python_stacks(MemoryReader& memory, ProcessMap mappings,
                                          const std::vector<std::string>& modules);

// `native` (innermost first) with the thread's Python frames put before each native frame of the
// evaluation loop, each call of it taking the run of Python frames up to its entry frame. Python frames have
// `python` set, no pc (0), no module and no debugger index; indexes are renumbered.
std::vector<Frame> with_python_frames(const std::vector<Frame>& native, const std::string& eval_function,
                                      const PythonThread& thread);

// The line of the instruction at byte offset `offset` of a code object whose first line is `first_line`,
// by its 3.11+ location table (Objects/locations.md); nothing for an instruction without a line.
std::optional<int> python_line(const std::vector<std::uint8_t>& table, int first_line, std::int64_t offset);

}  // namespace coroner
