// Frames past where a debugger's unwinder gave up (code without unwind tables, an unrecognised trampoline):
// the frame-pointer chain first, then a bounded scan of the stack for return addresses. Recovered frames
// are return addresses only; naming them is the caller's (the debugger's symbols).
#pragma once

#include "coroner/arch/arch.hpp"
#include "coroner/base/model.hpp"
#include "coroner/base/pattern.hpp"
#include "coroner/core/memory.hpp"
#include "coroner/core/process_map.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace coroner {

// The limits of rules/stack_recovery.json.
struct RecoveryLimits {
    std::size_t chain_frames = 256;    // frames the frame-pointer walk follows at most
    std::size_t scan_words = 4096;     // stack words the scan reads at most
    std::size_t scan_frames = 64;      // frames the scan keeps at most
    std::vector<Pattern> entries;      // functions that end a stack besides main and blame's entry frames
    std::vector<Pattern> trampolines;  // signal trampolines: the frame above one has an exact pc
};
const RecoveryLimits& recovery_limits();

// The last frame the debugger got right: where the walk starts.
struct RecoveryStart {
    std::uint64_t pc = 0;
    std::uint64_t sp = 0;
    std::optional<std::uint64_t> frame_pointer;  // the CPU's frame-pointer register in that frame
    std::optional<std::string> function;         // its function, normalized, when known
    // The link register (Arch::link_register), when the start is the innermost frame: its caller's return
    // address until the function saves it in its frame record (a leaf, or code jumped into, never does).
    std::optional<std::uint64_t> link;
};

// A frame found past the start: its pc and the stack pointer in it. The pc is a return address (its call is
// the instruction before it) except in a signal trampoline's frame and the frame the signal interrupted,
// where it is the instruction itself (`exact_pc`).
struct RecoveredFrame {
    std::uint64_t pc = 0;
    std::uint64_t sp = 0;
    FoundBy found_by = FoundBy::frame_pointer;
    bool exact_pc = false;
};

// What the caller knows of code: the normalized function name at an address (nothing when unknown), and
// whether a frame ends the stack (a thread's or the process's entry).
struct CodeNames {
    std::function<std::optional<std::string>(std::uint64_t)> function_at;
    std::function<bool(std::uint64_t return_address)> is_entry;
};

// The caller frames of `start`, outermost last; none when neither way finds one it can trust. Every pc
// returned lies in a module's executable mapping just after a call instruction, inside the stack of
// `start.sp`, each frame above the one before.
std::vector<RecoveredFrame> recover_stack(const Arch& arch, MemoryReader& memory, ProcessMap mappings,
                                          const RecoveryStart& start, const CodeNames& names,
                                          const RecoveryLimits& limits = recovery_limits());

// The call instruction that a return address returns after, when there is one: its address and, for a
// call whose target the instruction fixes (directly, or through a pointer in memory the core holds), where
// it went. A call through a PLT stub goes where the stub jumps.
struct CallSite {
    std::uint64_t address = 0;
    std::optional<std::uint64_t> target;
};
std::optional<CallSite> call_before(const Arch& arch, MemoryReader& memory, std::uint64_t return_address);

}  // namespace coroner
