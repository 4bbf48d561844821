#include "coroner/analysis/stack_recovery.hpp"

#include "coroner/base/error.hpp"
#include "coroner/base/rules.hpp"

#include <algorithm>

namespace coroner {

const RecoveryLimits& recovery_limits() {
    static const RecoveryLimits limits = [] {
        RecoveryLimits l;
        for (const RuleFields& rule :
             rule_list(builtin_rules("stack_recovery"), "stack-recovery", "the built-in rules")) {
            std::string method = rule.text("method");
            if (method == "frame-pointer") {
                l.chain_frames = rule.count("max_frames", l.chain_frames, 1, 100000);
            } else if (method == "scan") {
                l.scan_words = rule.count("max_words", l.scan_words, 1, 1 << 20);
                l.scan_frames = rule.count("max_frames", l.scan_frames, 1, 100000);
            } else if (method == "entry") {
                l.entries.push_back(rule.pattern("function"));
            } else if (method == "trampoline") {
                l.trampolines.push_back(rule.pattern("function"));
            } else {
                rule.fail("method is '" + method + "'", "use frame-pointer, scan, entry or trampoline");
            }
        }
        return l;
    }();
    return limits;
}

namespace {

// A module's code: where a return address can point. Anonymous or [stack]/[heap] memory is not (code
// written at run time has no symbols to check a guess against).
bool in_module_code(ProcessMap mappings, std::uint64_t address) {
    const Mapping* m = mappings.at(address);
    return m && m->executable && !m->path.empty() && m->path != "[stack]" && m->path != "[heap]";
}

std::optional<Instruction> instruction_at(const Arch& arch, MemoryReader& memory, std::uint64_t address,
                                          std::size_t size) {
    auto bytes = memory.read(address, size);
    if (!bytes) return std::nullopt;
    return arch.decode(*bytes, address);
}

// The word a pc-relative memory operand names (a GOT slot), read from the core.
std::optional<std::uint64_t> pointer_through(MemoryReader& memory, const Instruction& insn, const MemoryOperand& m) {
    if (!m.pc_relative || m.index) return std::nullopt;
    return read_u64(memory, insn.address + insn.size + static_cast<std::uint64_t>(m.displacement));
}

// Where a call to `target` ends up: past a PLT stub (`[endbr64;] jmp *slot(%rip)`), the slot's address,
// which the dynamic linker filled (for an IFUNC, with the implementation chosen).
std::uint64_t through_stub(const Arch& arch, MemoryReader& memory, std::uint64_t target) {
    std::uint64_t at = target;
    for (int step = 0; step < 2; step++) {
        auto insn = instruction_at(arch, memory, at, arch.instruction_window);
        if (!insn) break;
        if (insn->transfer == "jmp" && insn->target && insn->target->memory) {
            if (auto slot = pointer_through(memory, *insn, *insn->target->memory)) return *slot;
            break;
        }
        if (insn->text.rfind("endbr64", 0) != 0) break;
        at += insn->size;
    }
    return target;
}

// The frames of a signal delivery, when `slot` holds a return address to the signal trampoline: the
// trampoline's, then the interrupted code's, with where the chain goes on (the interrupted frame pointer).
struct SignalFrames {
    RecoveredFrame trampoline, interrupted;
    std::uint64_t frame_pointer = 0;
};
std::optional<SignalFrames> signal_frames(const Arch& arch, MemoryReader& memory, ProcessMap mappings,
                                          std::uint64_t slot, std::uint64_t return_address, const CodeNames& names) {
    if (!arch.signal_frame || names.function_at(return_address) != arch.signal_frame->trampoline) return std::nullopt;
    const SignalFrameLayout& layout = *arch.signal_frame;
    auto pc = read_u64(memory, slot + layout.pc), sp = read_u64(memory, slot + layout.sp),
         fp = read_u64(memory, slot + layout.fp);
    if (!pc || !sp || !fp || !in_module_code(mappings, *pc)) return std::nullopt;
    return SignalFrames{
        {return_address, slot + 8, FoundBy::frame_pointer, true}, {*pc, *sp, FoundBy::frame_pointer, true}, *fp};
}

// The innermost frame's caller by the link register, when the frame has not saved it yet: a return address
// after a call in a module's code, into another function than the frame's own (a stale one, left by a call
// the frame made, returns into itself) and not the one the first frame record holds (then it was saved).
std::optional<std::uint64_t> caller_by_link(const Arch& arch, MemoryReader& memory, ProcessMap mappings,
                                            const RecoveryStart& start, const CodeNames& names,
                                            std::uint64_t first_record) {
    if (!start.link || !in_module_code(mappings, *start.link) || !call_before(arch, memory, *start.link))
        return std::nullopt;
    auto caller = names.function_at(*start.link - 1);
    if (caller && start.function && *caller == *start.function) return std::nullopt;
    if (read_u64(memory, first_record + arch.frame_record.return_address) == start.link) return std::nullopt;
    return start.link;
}

// The chain of frame records from the start frame's frame pointer: each record holds the caller's frame
// pointer and the return address into the caller, and lies in the thread's stack above the one before.
std::vector<RecoveredFrame> frame_pointer_walk(const Arch& arch, MemoryReader& memory, ProcessMap mappings,
                                               const RecoveryStart& start, const CodeNames& names,
                                               const RecoveryLimits& limits) {
    std::vector<RecoveredFrame> out;
    const Mapping* stack = mappings.at(start.sp);
    if (!start.frame_pointer || !stack) return out;
    std::uint64_t record = *start.frame_pointer, lowest = start.sp;
    const std::uint64_t record_size = std::max(arch.frame_record.caller_frame, arch.frame_record.return_address) + 8;
    if (auto link = caller_by_link(arch, memory, mappings, start, names, record)) {
        out.push_back({*link, start.sp, FoundBy::frame_pointer});
        if (names.is_entry(*link)) return out;
    }
    while (out.size() < limits.chain_frames) {
        if (record < lowest || record % arch.frame_alignment != 0 || record + record_size > stack->end) break;
        const std::uint64_t slot = record + arch.frame_record.return_address;
        auto caller_record = read_u64(memory, record + arch.frame_record.caller_frame);
        auto return_address = read_u64(memory, slot);
        if (!caller_record || !return_address || !in_module_code(mappings, *return_address)) break;
        if (auto signal = signal_frames(arch, memory, mappings, slot, *return_address, names)) {
            out.push_back(signal->trampoline);
            out.push_back(signal->interrupted);
            // A handler may run on an alternate signal stack: the interrupted code's stack is its own.
            stack = mappings.at(signal->interrupted.sp);
            if (!stack) break;
            lowest = signal->interrupted.sp;
            record = signal->frame_pointer;
            continue;
        }
        if (!call_before(arch, memory, *return_address)) break;
        out.push_back({*return_address, record + record_size, FoundBy::frame_pointer});
        if (names.is_entry(*return_address)) break;
        lowest = record + record_size;
        record = *caller_record;  // 0 at the outermost frame: the next round stops
    }
    return out;
}

// The stack's words from the start frame up, each a return address when it points just after a call in a
// module's code. A call whose target is known must go to the function of the frame below it; the first
// frame must pass that check (past a smashed return address, the words above are the caller's, and a guess
// there would invent a stack).
std::vector<RecoveredFrame> stack_scan(const Arch& arch, MemoryReader& memory, ProcessMap mappings,
                                       const RecoveryStart& start, const CodeNames& names,
                                       const RecoveryLimits& limits) {
    std::vector<RecoveredFrame> out;
    const Mapping* stack = mappings.at(start.sp);
    if (!stack) return out;
    std::uint64_t first = (start.sp + 7) & ~std::uint64_t{7};
    std::uint64_t end = std::min(stack->end, first + 8 * static_cast<std::uint64_t>(limits.scan_words));
    if (first >= end) return out;
    auto words = memory.read(first, end - first);
    auto word_at = [&](std::uint64_t address) -> std::optional<std::uint64_t> {
        if (!words) return read_u64(memory, address);
        std::uint64_t value = 0;
        std::copy_n(words->data() + (address - first), 8, reinterpret_cast<std::uint8_t*>(&value));
        return value;
    };
    std::optional<std::string> below = start.function;
    for (std::uint64_t at = first; at + 8 <= end && out.size() < limits.scan_frames; at += 8) {
        auto word = word_at(at);
        if (!word || !in_module_code(mappings, *word)) continue;
        auto call = call_before(arch, memory, *word);
        if (!call) continue;
        std::optional<std::string> callee = call->target ? names.function_at(*call->target) : std::nullopt;
        bool checked = callee && below;
        if (checked ? *callee != *below : out.empty()) continue;
        out.push_back({*word, at + 8, FoundBy::scan});
        if (names.is_entry(*word)) break;
        below = names.function_at(call->address);
    }
    return out;
}

// A frame pointer that code built without frame pointers never touched still holds an outer frame's: the
// chain then skips the callers in between. Its first caller's call, when the target is known, goes to another
// function than the start frame's.
bool skips_callers(const Arch& arch, MemoryReader& memory, const RecoveryStart& start, const CodeNames& names,
                   const std::vector<RecoveredFrame>& chain) {
    if (chain.empty() || !start.function || chain.front().exact_pc) return false;
    auto call = call_before(arch, memory, chain.front().pc);
    if (!call || !call->target) return false;
    auto callee = names.function_at(*call->target);
    return callee && *callee != *start.function;
}

}  // namespace

std::optional<CallSite> call_before(const Arch& arch, MemoryReader& memory, std::uint64_t return_address) {
    for (std::size_t length : arch.call_lengths) {
        if (return_address < length) continue;
        auto insn = instruction_at(arch, memory, return_address - length, length);
        if (!insn || insn->size != length || insn->transfer != "call") continue;
        CallSite site{insn->address, std::nullopt};
        if (insn->target && insn->target->immediate)
            site.target = through_stub(arch, memory, *insn->target->immediate);
        else if (insn->target && insn->target->memory)
            site.target = pointer_through(memory, *insn, *insn->target->memory);
        return site;
    }
    return std::nullopt;
}

std::vector<RecoveredFrame> recover_stack(const Arch& arch, MemoryReader& memory, ProcessMap mappings,
                                          const RecoveryStart& start, const CodeNames& names,
                                          const RecoveryLimits& limits) {
    std::vector<RecoveredFrame> frames = frame_pointer_walk(arch, memory, mappings, start, names, limits);
    // A chain that skips callers yields to a scan that finds them (the scan checks its first frame's call); a
    // tail call also makes the first call go elsewhere, and then the scan finds nothing and the chain stays.
    if (frames.empty() || skips_callers(arch, memory, start, names, frames)) {
        std::vector<RecoveredFrame> scanned = stack_scan(arch, memory, mappings, start, names, limits);
        if (!scanned.empty() || frames.empty()) return scanned;
    }
    return frames;
}

}  // namespace coroner
