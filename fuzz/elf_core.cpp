// The ELF core reader over arbitrary bytes: every note (NT_PRSTATUS, NT_PRPSINFO, NT_SIGINFO, NT_FILE,
// NT_AUXV) and PT_LOAD segment, then what the analyses ask of a core: facts, reads, the build-ids of the
// ELF images its memory holds, and the classification of the signal.
#include "coroner/core/elf_core.hpp"
#include "coroner/analysis/classify.hpp"
#include "coroner/base/error.hpp"
#include "coroner/core/module_file.hpp"

#include <cstdint>
#include <vector>

using namespace coroner;

namespace {

void use_core(ElfCore& core) {
    ProcessFacts facts = core.facts();
    std::size_t bytes = 0;
    for (const auto& thread : core.threads()) {
        if (auto pc = core.read(thread.pc, 16)) bytes += pc->size();
        if (auto sp = core.read(thread.sp, 64)) bytes += sp->size();
    }
    for (const auto& segment : core.segments()) {
        if (auto head = core.read(segment.vaddr, 64)) bytes += head->size();
        if (segment.filesz) bytes += core.segment_bytes(segment)[segment.filesz - 1];
        if (segment.memsz) bytes += core.read(segment.vaddr + segment.memsz - 1, 1).has_value();
    }
    // Each mapped file's ELF header, as pm-symbols reads it for the build-id the core kept.
    for (const auto& mapping : core.file_mappings()) {
        if (auto id = build_id_in_memory(core, mapping.start)) bytes += id->size();
        bytes += mapping.path.size();
    }
    for (const auto& [key, value] : core.auxv())
        if (key == 31)  // AT_EXECFN: the executable's path, on the stack
            if (auto name = read_c_string(core, value, 4096)) bytes += name->size();
    // What pm-redact and the text redaction read: the whole command line from the stack, the notes' bytes
    // and NT_PRPSINFO's psargs within the file.
    if (auto args = core.command_line()) bytes += args->size();
    for (const auto& [offset, size] : core.note_ranges())
        if (size) bytes += core.file_bytes(offset)[size - 1];
    if (auto psargs = core.psargs_offset()) bytes += core.file_bytes(*psargs)[79];
    Cause cause = classify(core.arch(), facts, {});
    bytes += cause.summary.size();
    // Keeps the work above from being optimized away.
    volatile std::size_t sink = bytes;
    (void)sink;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    try {
        auto core = ElfCore::from_bytes(std::vector<std::uint8_t>(data, data + size), "fuzz.core");
        use_core(*core);
    } catch (const UserError&) {}
    return 0;
}
