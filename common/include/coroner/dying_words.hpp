// The dying words: what the program said as it died, read from the core's memory, not guessed.
#pragma once

#include "coroner/memory.hpp"
#include "coroner/model.hpp"

#include <optional>
#include <string>

namespace coroner {

// glibc keeps the text of a fatal message (a failed assert, a malloc check, the stack protector,
// _FORTIFY_SOURCE, abort() with a message) in `__abort_msg`; found through libc's own symbol table.
std::optional<std::string> glibc_abort_message(const ProcessFacts& facts, MemoryReader& memory);

}  // namespace coroner
