// The dying words read from a core's memory over arbitrary bytes: the core is parsed as the elf_core target
// does, then searched for the C++ exception that reached std::terminate (unwind header, type_info chain,
// mangled names demangled, what()), and glibc's __abort_msg read through the libc that NT_FILE names.
#include "coroner/analysis/runtimes/dying_words.hpp"
#include "coroner/base/error.hpp"

#include <cstdint>
#include <vector>

using namespace coroner;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    try {
        auto core = ElfCore::from_bytes(std::vector<std::uint8_t>(data, data + size), "fuzz.core");
        std::size_t seen = 0;
        if (auto exception = uncaught_cxx_exception(*core, *core))
            seen += exception->type.size() + (exception->what ? exception->what->size() : 0);
        if (auto message = glibc_abort_message(core->facts(), *core)) seen += message->size();
        volatile std::size_t sink = seen;
        (void)sink;
    } catch (const UserError&) {}
    return 0;
}
