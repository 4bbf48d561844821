// siginfo_t as Linux fills it: which of its union's fields mean something for a given signal and code.
// Linux's, not the CPU's: the same on every architecture coroner reads.
#pragma once

#include "coroner/base/model.hpp"

namespace coroner {

// Signal numbers coroner decides on (asm-generic numbering, the same on x86-64 and AArch64).
constexpr int sigill = 4, sigtrap = 5, sigabrt = 6, sigbus = 7, sigfpe = 8, sigkill = 9, sigsegv = 11;

// si_code values that mean "a process sent this" (kill, tgkill, sigqueue): the siginfo then holds
// the sender's pid and uid instead of a fault address.
bool code_is_sent_by_process(int code);

// si_code of a signal the kernel raised outside a fault (SI_KERNEL).
constexpr int si_kernel = 0x80;

// siginfo_t's union means different things per signal and code. Given every view of it (the fault
// address and the sender's pid and uid, as a core note or a debugger reads them), keeps only those
// that apply: a fault address for faults the kernel raised, a sender for signals a process sent.
SignalInfo keep_meaningful_fields(const SignalInfo& raw);

}  // namespace coroner
