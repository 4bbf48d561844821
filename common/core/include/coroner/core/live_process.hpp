// A process that is still running (a debugger attached to it, not a core): its facts from /proc.
#pragma once

#include "coroner/base/model.hpp"

#include <cstdint>

namespace coroner {

// Facts of a live process from /proc/PID (the debugger supplies the signal and the stopped thread).
ProcessFacts live_process_facts(std::int64_t pid);

}  // namespace coroner
