// Module files as pm-symbols and the runtimes read them: the input is written to a file and read as an
// executable or library (build-id note, .gnu_debuglink, debug sections, symbol tables), and read again
// as the target's memory holding that ELF image (the build-id the core kept of a module's first page).
#include "coroner/core/module_file.hpp"

#include "fuzz_support.hpp"

#include <cstdint>

using namespace coroner;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string& path = fuzz::scratch_path("module");
    if (!fuzz::write_file(path, data, size)) return 0;
    // read_module_file() caches by path: the uncached reader sees each input.
    ModuleFile module = read_module_file_uncached(path);
    std::size_t seen = module.build_id ? module.build_id->size() : 0;
    seen += module.debuglink ? module.debuglink->size() : 0;
    // A name no table holds walks every symbol of .symtab and .dynsym.
    if (auto value = symbol_address(path, "runtime.allgs")) seen += *value & 1;
    if (auto value = symbol_address(path, "coroner fuzz: no such symbol")) seen += *value & 1;
    fuzz::ByteMemory memory(data, size, 0x400000);
    if (auto id = build_id_in_memory(memory, memory.base())) seen += id->size();
    volatile std::size_t sink = seen;
    (void)sink;
    return 0;
}
