// The Rust runtime reader over arbitrary memory: the stack above sp searched for a PanicInfo (a
// Location with file, line and column beside a &dyn Any payload whose vtable says String or &str).
// The input is the thread's stack, sp at its first byte; once as a mapped stack, once with no mapping
// known (then the reader looks 64 KiB above sp).
#include "coroner/analysis/runtimes/rust_panic.hpp"

#include "fuzz_support.hpp"

#include <cstdint>

using namespace coroner;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz::ByteMemory memory(data, size, 0x7ffd00000000);
    std::vector<Mapping> mappings{{memory.base(), memory.end(), 0, true, true, false, "[stack]"}};
    std::size_t seen = 0;
    for (const auto& known : {mappings, std::vector<Mapping>{}})
        if (auto panic = rust_panic(memory, known, memory.base()))
            seen += panic->file.size() + panic->line + (panic->message ? panic->message->size() : 0);
    // Per word of the stack: a Location (five reads) and the payload slots around it (eight reads each).
    fuzz::check_reads(memory, 2 * (size / 8 + 1) * 110 + 100, "rust_panic");
    volatile std::size_t sink = seen;
    (void)sink;
    return 0;
}
