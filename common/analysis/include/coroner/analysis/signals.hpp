// Names of Linux signals and of their si_code values, so both debuggers print the same words.
#pragma once

#include "coroner/core/siginfo.hpp"

#include <optional>
#include <string>

namespace coroner {

std::string signal_name(int number);                                // "SIGSEGV", or "SIG42" when unknown
std::optional<std::string> signal_code_name(int signal, int code);  // "SEGV_MAPERR", "SI_TKILL", ...
std::string signal_meaning(int number);                             // "segmentation fault"

}  // namespace coroner
