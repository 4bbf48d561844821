// Cause of death: signal x where the fault landed x what the stack shows -> a cause class.
#pragma once

#include "coroner/analysis/access.hpp"
#include "coroner/base/model.hpp"

#include <optional>
#include <string>
#include <vector>

namespace coroner {

struct Cause {
    std::string cls = "unknown";             // one of SPEC's cause classes
    std::string summary;                     // plain English, one line
    std::optional<std::string> access;       // "read" | "write" | "exec"
    std::optional<std::string> message;
    std::optional<std::string> exception_type;
    std::optional<std::string> rule;         // id of the abort rule that decided, if one did
    std::optional<std::string> shape;        // a finer kind within the class, for the security rules:
                                             // "near-null" (a bad jump below 64 KiB), "smashed-return"
};

// `arch` is the CPU the process ran on; `frames` are the crashing thread's, innermost first; `access` is the
// decoded faulting instruction, when there is one.
Cause classify(const Arch& arch, const ProcessFacts& facts, const std::vector<Frame>& frames,
               const std::optional<FaultingAccess>& access = std::nullopt);

}  // namespace coroner
