// Facts about a module (executable or shared library) read from its ELF file on disk, and from the
// copy of its first page that the kernel put in the core: build-id, debug info, debuglink.
#pragma once

#include "coroner/base/model.hpp"
#include "coroner/core/memory.hpp"
#include "coroner/core/process_map.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace coroner {

enum class DebugInfoKind { embedded, separate, none };

struct ModuleFile {
    bool readable = false;                 // the file exists and is an ELF file
    std::optional<std::string> build_id;   // lowercase hex of NT_GNU_BUILD_ID
    bool has_debug_info = false;           // a non-empty .debug_info (or .zdebug_info)
    std::optional<std::string> debuglink;  // .gnu_debuglink file name
    std::uint64_t link_base = 0;           // p_vaddr - p_offset of the first PT_LOAD: 0 for a PIE or
                                           // library, 0x400000 for a classic executable (Go's)
    std::uint16_t machine = 0;             // e_machine: the CPU it is code for
    bool fixed_address = false;            // ET_EXEC: loaded where its PT_LOADs say (not a PIE or library)
    struct Load {
        std::uint64_t start, end, file_offset;  // [p_vaddr, p_vaddr + p_memsz), p_offset
    };
    std::vector<Load> loads;  // the PT_LOADs
};

// Reads the file once; results are cached per path for the life of the process.
const ModuleFile& read_module_file(const std::string& path);
// The same without the cache, for a file that changes under one path (the fuzz target's).
ModuleFile read_module_file_uncached(const std::string& path);

struct DebugInfo {
    DebugInfoKind kind = DebugInfoKind::none;
    std::optional<std::string> debug_file;  // where the separate debug info is
};

// Embedded in the file, or separate where GDB and LLDB both look: /usr/lib/debug/.build-id/xx/rest.debug,
// then the debuglink beside the file, in its .debug/ folder, and under /usr/lib/debug.
DebugInfo find_debug_info(const std::string& path);

// The build-id of the ELF image whose header is at `base` in the target's memory, if the core kept
// that page (the default coredump_filter keeps ELF headers).
std::optional<std::string> build_id_in_memory(MemoryReader& memory, std::uint64_t base);

// The value of a symbol (.symtab, then .dynsym) in the module's file: an offset from its load base
// for a shared library or PIE.
std::optional<std::uint64_t> symbol_address(const std::string& path, const std::string& name);

// The data object (a global or static variable) whose symbol covers `value` (an address as the module's
// file numbers them), by .symtab then .dynsym.
std::optional<std::string> object_symbol_at(const std::string& path, std::uint64_t value);

// Where that symbol is in the process the mappings describe (the module's load bias added), or nothing
// when the module is not mapped or has no such symbol.
std::optional<std::uint64_t> loaded_symbol_address(ProcessMap mappings, const std::string& path,
                                                   const std::string& name);

}  // namespace coroner
