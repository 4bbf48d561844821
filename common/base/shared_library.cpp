#include "coroner/base/shared_library.hpp"

#include <dlfcn.h>

namespace coroner {

// (See the header.) The loader keeps one handle per library, however often it is asked (dlopen counts),
// and dlerror is per thread. RTLD_NOW: a missing symbol is found here, not as a crash in the middle of a
// command. RTLD_LOCAL: the library's symbols stay its own (a debugger may carry another capstone).
void* open_shared_library(const std::string& soname, std::string* why) {
    void* handle = dlopen(soname.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle && why) {
        const char* error = dlerror();
        *why = error ? error : "";
    }
    return handle;
}

void* shared_library_symbol(void* library, const char* name) { return library ? dlsym(library, name) : nullptr; }

}  // namespace coroner
