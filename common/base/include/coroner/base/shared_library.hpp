// A shared library opened the first time a command needs it (dlopen), not by the dynamic loader at every
// start. For the big ones few commands use: capstone's 77,000 relocations and libcrypto's 17,000 cost
// every coroner process, and every debugger that loads a frontend, about 7 ms of page faults at start
// (measured on a VM where a page fault costs 14 us), for the commands that decode an instruction or hash
// a file.
#pragma once

#include <string>

namespace coroner {

// The library named by its soname ("libcapstone.so.4"), opened for the rest of the process (asking again
// gives the same handle); nullptr when it cannot be, with the loader's reason in `why`.
void* open_shared_library(const std::string& soname, std::string* why = nullptr);

// The address of `name` in `library`, or nullptr.
void* shared_library_symbol(void* library, const char* name);

// Sets `out` to the function `name` of `library`; false where the library lacks it.
template <class Function>
bool find_function(void* library, const char* name, Function*& out) {
    out = reinterpret_cast<Function*>(shared_library_symbol(library, name));
    return out != nullptr;
}

}  // namespace coroner
