// Which core file a debugger in this process has open, for debuggers that do not say (LLDB before
// SBProcess::GetCoreFile): LLDB maps the core file into its own address space, so look for an ELF
// core among this process's file mappings whose process id is the one the debugger reports.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace coroner {

std::optional<std::string> find_mapped_core_file(std::int64_t pid);

}  // namespace coroner
