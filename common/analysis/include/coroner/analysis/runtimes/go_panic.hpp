// A Go panic's value, read from the runtime's own structures in the core.
#pragma once

#include "coroner/arch/arch.hpp"
#include "coroner/base/model.hpp"
#include "coroner/core/memory.hpp"
#include "coroner/core/process_map.hpp"

#include <optional>
#include <string>
#include <vector>

namespace coroner {

struct GoPanic {
    std::string type;                    // the panic value's Go type: "runtime.boundsError", "string"
    std::optional<std::string> message;  // what the runtime printed after "panic: "
    std::vector<std::uint64_t> stack;    // the panicking goroutine's pc, then its return addresses
};

// Every goroutine is in `runtime.allgs`; a panicking one has `g._panic` set, whose `arg` is the value
// given to panic() (an interface: type descriptor and data). The type's name comes from the descriptor
// (resolved against `runtime.types`); strings and error values are rendered as Go printed them.
// `executable` is the Go program's file, `arch` its CPU (the runtime's layouts). The goroutine's stack is
// walked by its frame pointers from where it last switched to the system stack (`g.sched`): the thread
// itself is deep in the runtime's signal handler by then, where neither debugger unwinds back to the
// goroutine.
std::optional<GoPanic> go_panic(const Arch& arch, MemoryReader& memory, ProcessMap mappings,
                                const std::string& executable);

}  // namespace coroner
