// Which core file a debugger in this process has open, for debuggers that do not say (LLDB before
// SBProcess::GetCoreFile): LLDB maps the core file into its own address space, so look for ELF cores
// among this process's file mappings (and open files) whose process id is the one the debugger reports.
// Two loaded cores of one process (a core and its redacted copy) are told apart by their memory: where
// they differ, the debugger's own read of the selected process says which one it has loaded.
#pragma once

#include "coroner/core/memory.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace coroner {

struct MappedCore {
    std::optional<std::string> path;
    std::string why_unknown;  // when path is empty: why, in a few words
};

MappedCore find_mapped_core_file(std::int64_t pid, MemoryReader& loaded);

}  // namespace coroner
