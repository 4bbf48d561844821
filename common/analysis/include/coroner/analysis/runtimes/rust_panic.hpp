// A Rust panic's message and location, read from the stack of the thread that panicked.
#pragma once

#include "coroner/base/model.hpp"
#include "coroner/core/memory.hpp"
#include "coroner/core/process_map.hpp"

#include <optional>
#include <string>

namespace coroner {

struct RustPanic {
    std::optional<std::string> message;  // "index out of bounds: the len is 3 but the index is 8"
    std::string file;                    // as rustc recorded it: "src/main.rs"
    std::uint32_t line = 0;
    std::uint32_t column = 0;
};

// With panic=abort the panicking frames are still on the stack when abort() raises SIGABRT, and
// std::panicking::rust_panic_with_hook holds a PanicInfo there: a pointer to the `Location` (file, line,
// column) beside the payload (a `&str`, or the `String` the message was formatted into). The stack is
// read upward from `sp`, nearest frames first; the first Location with a readable payload next to it wins.
std::optional<RustPanic> rust_panic(MemoryReader& memory, ProcessMap mappings, std::uint64_t sp);

}  // namespace coroner
