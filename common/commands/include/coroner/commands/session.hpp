// What every command starts from: the loaded target checked, and the facts of the process gathered
// once from the core file (or /proc for a live process). Anything wrong becomes one UserError here.
#pragma once

#include "coroner/analysis/runtimes/cpython.hpp"
#include "coroner/analysis/runtimes/go_panic.hpp"
#include "coroner/base/model.hpp"
#include "coroner/core/debugger.hpp"
#include "coroner/core/elf_core.hpp"
#include "coroner/core/file_memory.hpp"
#include "coroner/core/live_process.hpp"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace coroner {

struct ExecutableCheck {
    std::optional<std::string> path_in_core;  // where the program lived when it crashed
    std::optional<std::string> build_id_in_core;
    std::optional<std::string> build_id_on_disk;
    bool mismatched = false;  // same program name, different build
};

struct Session {
    Debugger* debugger = nullptr;
    DebuggerInfo debugger_info;
    TargetState target;
    const Arch* arch = nullptr;  // the CPU the process ran on
    ProcessFacts facts;
    std::unique_ptr<ElfCore> core;                  // for core targets
    std::unique_ptr<FileMemory> files;              // read-only file-backed pages the core left out
    std::unique_ptr<MemoryReader> debugger_memory;  // the debugger, where the core knows of no gap
    std::unique_ptr<ChainedMemory> memory;          // core first, then the files, then the debugger
    ExecutableCheck executable;
    std::vector<ThreadInfo> threads;
    ThreadInfo crashing_thread;
    // A Go program that died of a panic: the value and the panicking goroutine's stack, which stands in
    // for the crashing thread's (by then deep in the runtime's signal handler).
    std::optional<GoPanic> go_panic;
    // Whether frames() walks on where the debugger's unwinder stopped early (--no-recover turns it off).
    bool recover_frames = true;
    // A CPython process: its threads' Python stacks, laid among their native frames by frames().
    std::optional<PythonStacks> python;

    // The thread's frames, with modules named from the mappings (the executable by its opened path);
    // for the crashing thread of a Go panic, the panicking goroutine's; in a Python process, with the thread's
    // Python frames among them.
    std::vector<Frame> frames(const ThreadInfo& thread, int limit) const;

    // Whether frames(crashing_thread) are a stack coroner walked itself rather than the debugger's.
    bool crash_frames_walked() const { return go_panic && !go_panic->stack.empty(); }

    // The process's mappings with the executable under the path it was opened from (it may have moved
    // since it crashed): what reading its symbols from disk needs.
    std::vector<Mapping> mappings_on_disk() const;

private:
    // Frames for a stack coroner walked itself (a goroutine's): the innermost pc, then return addresses,
    // named by the debugger and normalized like the debugger's own.
    std::vector<Frame> frames_at(const std::vector<std::uint64_t>& pcs) const;
    // Names normalized, cut at main and where the stack turns to garbage, modules named.
    std::vector<Frame> finished(std::vector<Frame> frames) const;
    // The frames past the last of `frames` that coroner finds itself (analysis/stack_recovery.hpp),
    // finished like the debugger's; none when the stack ends where it should.
    std::vector<Frame> recovered(std::int64_t tid, const std::vector<Frame>& frames) const;
    // Whether the debugger's frame i (past the innermost) is a guess where its unwinder lost the stack.
    bool lost_here(const std::vector<Frame>& frames, std::size_t i) const;
    // Whether a frame ends a stack: main, a thread's or the process's entry.
    bool ends_stack(const std::vector<Frame>& frames, std::size_t i) const;
};

Session open_session(Debugger& debugger);

// A core file read without a debugger (the `coroner` program's secrets-scan and redact): the core's own
// facts and memory, and the program's files when `program` is given (its symbols name what a finding is
// in). It has no debugger, so no threads' frames: what needs the debugger must not be asked of it.
Session open_core_file(const std::string& core_path, const std::optional<std::string>& program);

}  // namespace coroner
