#include "coroner/analysis/classify.hpp"

#include "coroner/analysis/names.hpp"
#include "coroner/analysis/signals.hpp"
#include "coroner/base/rules.hpp"
#include "coroner/base/text.hpp"
#include "coroner/core/process_map.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace coroner {
namespace {

constexpr int segv_accerr = 2, fpe_intdiv = 1;
constexpr std::uint64_t null_page_limit = 0x10000;        // 64 KiB: NULL plus a field offset
constexpr std::uint64_t stack_guard_reach = 1024 * 1024;  // the kernel's stack guard gap is 256 pages

// The fault is in the gap or guard below the stack that the stack pointer is in, or the stack pointer
// has left every mapping.
bool hits_stack_guard(const ProcessFacts& f, std::uint64_t fault) {
    if (!f.crash_sp) return false;
    const Mapping* stack = ProcessMap(f.mappings).at(*f.crash_sp);
    if (!stack) return true;
    if (!stack->writable || !stack->path.empty()) return false;
    const Mapping* at_fault = ProcessMap(f.mappings).at(fault);
    bool guard_like = !at_fault || (!at_fault->readable && !at_fault->writable);
    return guard_like && fault < stack->start && stack->start - fault <= stack_guard_reach;
}

Cause abort_cause(const std::vector<Frame>& frames) {
    for (const auto& rule : abort_rules()) {
        for (const auto& frame : frames) {
            if (!frame.function) continue;
            if (rule.function.full_match(strip_parameters(*frame.function))) {
                Cause c;
                c.cls = rule.cls;
                c.rule = rule.id;
                c.summary =
                    fmt::format("{} (frame #{} is {})", rule.summary, frame.index, strip_parameters(*frame.function));
                return c;
            }
        }
    }
    Cause c;
    c.cls = CauseClass::abort;
    c.summary = "the program called abort()";
    return c;
}

// " (INSTRUCTION; REGISTER = 0x0)": the instruction and the register that held the address.
std::string how(const std::optional<FaultingAccess>& access) {
    if (!access) return "";
    std::string reg = access->base_register && access->base_value
                          ? fmt::format("; {} = {:#x}", *access->base_register, *access->base_value)
                          : "";
    return fmt::format(" ({}{})", access->instruction, reg);
}

// "read of" / "write of" a field; "read from" / "write to" an address.
std::string verb(const std::optional<FaultingAccess>& access, bool of_field = false) {
    if (!access || !access->access) return "access to";
    if (of_field) return to_string(*access->access) + " of";
    return *access->access == Access::read ? "read from" : "write to";
}

Cause memory_fault(const Arch& arch, const ProcessFacts& f, const SignalInfo& s,
                   const std::optional<FaultingAccess>& access) {
    Cause c;
    if (access) c.access = access->access;
    std::string sig = signal_name(s.number);
    // The program counter itself is bad: a jump or call to nowhere.
    if (f.crash_pc) {
        const Mapping* at_pc = ProcessMap(f.mappings).at(*f.crash_pc);
        if (!at_pc || !at_pc->executable) {
            c.cls = CauseClass::bad_jump;
            c.access = Access::execute;
            if (*f.crash_pc < null_page_limit) c.shape = CauseShape::near_null;
            c.summary = *f.crash_pc < null_page_limit
                            ? fmt::format("bad jump: call or jump to {:#x} (a NULL function pointer?)", *f.crash_pc)
                            : fmt::format("bad jump: the program counter {:#x} is in {} memory", *f.crash_pc,
                                          at_pc ? "non-executable" : "unmapped");
            return c;
        }
    }
    // A return, call or jump to a non-canonical address faults on the instruction itself (general
    // protection, no address): the pc never got there, but it is a bad jump all the same.
    if (access && access->transfer && access->target && !arch.canonical(*access->target)) {
        c.cls = CauseClass::bad_jump;
        c.access = Access::execute;
        if (*access->transfer == "ret") c.shape = CauseShape::smashed_return;
        c.summary = *access->transfer == "ret"
                        ? fmt::format("bad jump: return to the non-canonical address {:#x} (a smashed return address)",
                                      *access->target)
                        : fmt::format("bad jump: {} to the non-canonical address {:#x}{}", *access->transfer,
                                      *access->target, how(access));
        return c;
    }
    if (s.number == sigsegv && s.code == si_kernel) {
        c.cls = CauseClass::non_canonical_address;
        c.summary = fmt::format("{}: {} a non-canonical address (the kernel reports none){}",
                                arch.fault_without_address, verb(access), how(access));
        return c;
    }
    if (!s.fault_address) {
        c.summary = fmt::format("{} with no fault address recorded{}", sig,
                                s.siginfo_recorded ? "" : " (the core has no siginfo)");
        if (s.number == sigbus) c.cls = CauseClass::bus_error;
        return c;
    }
    std::uint64_t addr = *s.fault_address;
    const Mapping* at_fault = ProcessMap(f.mappings).at(addr);
    if (hits_stack_guard(f, addr)) {
        c.cls = CauseClass::stack_overflow;
        c.summary = fmt::format("stack overflow: {} {:#x}, in the guard below the stack (sp {:#x}){}", verb(access),
                                addr, f.crash_sp.value_or(0), how(access));
        return c;
    }
    if (addr < null_page_limit) {
        c.cls = CauseClass::null_deref;
        c.summary = addr == 0 ? fmt::format("NULL pointer dereference: {} address 0x0{}", verb(access), how(access))
                              : fmt::format("NULL pointer dereference: {} the field at offset {:#x}{}",
                                            verb(access, true), addr, how(access));
        return c;
    }
    if (!arch.canonical(addr)) {
        c.cls = CauseClass::non_canonical_address;
        c.summary = fmt::format("{} the non-canonical address {:#x}{}", verb(access), addr, how(access));
        return c;
    }
    // Without siginfo there is no SEGV_ACCERR to say so: a write into a mapping that is there but read-only is one.
    bool accerr = s.code == segv_accerr || (!s.siginfo_recorded && access && access->access == Access::write);
    if (s.number == sigsegv && accerr && at_fault && at_fault->readable && !at_fault->writable) {
        c.cls = CauseClass::readonly_write;
        c.access = Access::write;
        c.summary =
            fmt::format("write to read-only memory at {:#x}{}{}", addr,
                        at_fault->path.empty() ? "" : fmt::format(" in {}", base_name(at_fault->path)), how(access));
        return c;
    }
    if (!at_fault || (!at_fault->readable && !at_fault->writable)) {
        c.cls = CauseClass::wild_pointer;
        c.summary = fmt::format("wild pointer: {} {} address {:#x}{}", verb(access),
                                at_fault ? "inaccessible" : "unmapped", addr, how(access));
        return c;
    }
    if (s.number == sigbus) {
        c.cls = CauseClass::bus_error;
        c.summary = fmt::format("bus error at {:#x}{}", addr,
                                at_fault->path.empty() ? "" : fmt::format(" (in {})", base_name(at_fault->path)));
        return c;
    }
    c.summary = fmt::format("{} at mapped address {:#x}", sig, addr);
    return c;
}

}  // namespace

const std::vector<AbortRule>& abort_rules() {
    static const std::vector<AbortRule> rules = [] {
        std::vector<AbortRule> out;
        for (const RuleFields& r : rule_list(builtin_rules("abort_causes"), "abort", "the built-in rules"))
            out.push_back({r.id(), r.choice<CauseClass>("class"), r.text("summary"), r.pattern("function")});
        return out;
    }();
    return rules;
}

Cause classify(const Arch& arch, const ProcessFacts& facts, const std::vector<Frame>& frames,
               const std::optional<FaultingAccess>& access) {
    if (!facts.signal) {
        Cause c;
        c.summary = "no signal is recorded for this process";
        return c;
    }
    const SignalInfo& s = *facts.signal;
    std::string sig = signal_name(s.number);
    bool sent = code_is_sent_by_process(s.code) && s.sender_pid;
    if (sent && *s.sender_pid != facts.pid) {
        Cause c;
        c.cls = CauseClass::external_signal;
        c.summary = fmt::format("killed by {} ({}) sent by another process: pid {}, uid {}", sig,
                                signal_meaning(s.number), *s.sender_pid, s.sender_uid.value_or(-1));
        return c;
    }
    switch (s.number) {
    case sigsegv:
    case sigbus:
        if (!sent) return memory_fault(arch, facts, s, access);
        break;
    case sigabrt: return abort_cause(frames);
    case sigfpe: {
        Cause c;
        c.cls = s.code == fpe_intdiv ? CauseClass::divide_by_zero : CauseClass::fp_exception;
        c.summary = s.code == fpe_intdiv ? std::string("integer divide by zero")
                                         : fmt::format("arithmetic exception ({})",
                                                       signal_code_name(s.number, s.code).value_or("unknown code"));
        return c;
    }
    case sigill: {
        Cause c;
        c.cls = CauseClass::illegal_instruction;
        c.summary =
            fmt::format("illegal instruction ({} / __builtin_trap, or a jump into data)", arch.trap_instruction);
        return c;
    }
    case sigtrap: {
        Cause c;
        const auto& traps = arch.trap_breakpoints;
        if (access && std::find(traps.begin(), traps.end(), access->instruction) != traps.end()) {
            c.cls = CauseClass::illegal_instruction;
            c.summary = fmt::format("__builtin_trap (`{}`, which raises SIGTRAP on {}): the program trapped on purpose",
                                    access->instruction, arch.name);
            return c;
        }
        c.cls = CauseClass::breakpoint;
        c.summary = fmt::format("breakpoint or trace trap outside a debugger ({}, __builtin_debugtrap)",
                                arch.breakpoint_instruction);
        return c;
    }
    default: break;
    }
    Cause c;
    c.summary = sent ? fmt::format("the process sent itself {} ({})", sig, signal_meaning(s.number))
                     : fmt::format("{} ({})", sig, signal_meaning(s.number));
    return c;
}

}  // namespace coroner
