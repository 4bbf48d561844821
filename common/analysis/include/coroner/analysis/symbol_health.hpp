// Can the backtrace be trusted? Per module of the process: its build-id on disk and in the core, where
// its debug info is, and what to do about what is missing. What pm-symbols prints and pm-triage warns of.
#pragma once

#include "coroner/core/memory.hpp"
#include "coroner/core/module_file.hpp"
#include "coroner/core/process_map.hpp"

#include <optional>
#include <string>
#include <vector>

namespace coroner {

struct ModuleHealth {
    std::string path;  // the file the debugger loaded (the executable as opened)
    bool on_disk = false;
    bool is_program = false;
    std::optional<std::string> build_id;          // of the file on disk
    std::optional<std::string> build_id_in_core;  // from the core's copy of the module's first page
    DebugInfoKind debug_info = DebugInfoKind::none;
    std::optional<std::string> debug_file;
    std::optional<bool> matches_core;  // build-ids equal; unknown when either is missing
    std::optional<std::string> hint;   // what to do, when something is missing or wrong
};

// The process's file-backed ELF modules (from its mappings, the files on disk and the core's memory),
// the program (as opened) first, then in address order.
std::vector<ModuleHealth> module_health(ProcessMap mappings, MemoryReader& memory,
                                        const std::optional<std::string>& program);

// What to do about a module without debug info or that is not the build that ran.
std::optional<std::string> symbol_hint(const ModuleHealth& module);

// The Debian package that installed a file (from dpkg's file lists), if any.
std::optional<std::string> debian_package_of(const std::string& path);

// "embedded", "separate" or "none".
const char* debug_info_name(DebugInfoKind kind);

}  // namespace coroner
