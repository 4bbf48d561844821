// Whether the user asked the running command to stop (Ctrl-C, or SIGTERM to the debugger). Only the
// frontend knows how its debugger tells — GDB through Python's pending signals, LLDB through its command
// interpreter — so it installs the check; long work (a scan, a copy) asks between steps, from the thread
// that runs the command.
#pragma once

#include <functional>

namespace coroner {

void set_interrupt_check(std::function<bool()> check);

// Whether the user has asked to stop since the last time this said so.
bool interrupted();

// The UserError that ends an interrupted command.
[[noreturn]] void throw_interrupted();

}  // namespace coroner
