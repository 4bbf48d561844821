// Names of Linux signals and of their si_code values, so both debuggers print the same words.
#pragma once

#include "coroner/model.hpp"

#include <optional>
#include <string>

namespace coroner {

std::string signal_name(int number);                       // "SIGSEGV", or "SIG42" when unknown
std::optional<std::string> signal_code_name(int signal, int code);  // "SEGV_MAPERR", "SI_TKILL", ...
std::string signal_meaning(int number);                    // "segmentation fault"

// si_code values that mean "a process sent this" (kill, tgkill, sigqueue): the siginfo then holds
// the sender's pid and uid instead of a fault address.
bool code_is_sent_by_process(int code);
constexpr int si_kernel = 0x80;

// siginfo_t's union means different things per signal and code. Given every view of it (the fault
// address and the sender's pid and uid, as a core note or a debugger reads them), keeps only those
// that apply: a fault address for faults the kernel raised, a sender for signals a process sent.
SignalInfo keep_meaningful_fields(const SignalInfo& raw);

}  // namespace coroner
