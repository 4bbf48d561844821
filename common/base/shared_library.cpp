#include "coroner/base/shared_library.hpp"

#include <dlfcn.h>

#include <map>
#include <mutex>

namespace coroner {

// (See the header.) RTLD_NOW: a missing symbol is found here, not as a crash in the middle of a command.
// RTLD_LOCAL: the library's symbols stay its own (a debugger may carry another capstone).
void* open_shared_library(const std::string& soname, std::string* why) {
    static std::mutex mutex;
    static std::map<std::string, std::pair<void*, std::string>> opened;  // soname -> handle, or why not
    std::lock_guard<std::mutex> lock(mutex);
    auto found = opened.find(soname);
    if (found == opened.end()) {
        void* handle = dlopen(soname.c_str(), RTLD_NOW | RTLD_LOCAL);
        const char* error = handle ? nullptr : dlerror();
        found = opened.emplace(soname, std::make_pair(handle, error ? error : "")).first;
    }
    if (!found->second.first && why) *why = found->second.second;
    return found->second.first;
}

void* shared_library_symbol(void* library, const char* name) { return library ? dlsym(library, name) : nullptr; }

}  // namespace coroner
