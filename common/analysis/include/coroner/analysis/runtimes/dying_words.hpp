// The dying words: what the program said as it died, read from the core's memory, not guessed.
#pragma once

#include "coroner/base/model.hpp"
#include "coroner/core/elf_core.hpp"
#include "coroner/core/memory.hpp"

#include <optional>
#include <string>

namespace coroner {

// glibc keeps the text of a fatal message (a failed assert, a malloc check, the stack protector,
// _FORTIFY_SOURCE, abort() with a message) in `__abort_msg`; found through libc's own symbol table.
std::optional<std::string> glibc_abort_message(const ProcessFacts& facts, MemoryReader& memory);

struct CxxException {
    std::string type;                 // demangled: "std::runtime_error"
    std::optional<std::string> what;  // for std::runtime_error and std::logic_error and their subclasses
};

// The C++ exception that reached std::terminate, found in the core's writable memory by the header
// libstdc++ puts before every thrown object (its unwind header's class is "GNUCC++\0") and that
// __cxa_begin_catch marked as handled. Its type comes from the type_info, what() from the message
// that std::runtime_error and std::logic_error keep right after their vtable pointer.
std::optional<CxxException> uncaught_cxx_exception(const ElfCore& core, MemoryReader& memory);

}  // namespace coroner
