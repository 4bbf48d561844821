// pm-triage: the cause of death on one screen. Gathers, classifies, blames, signs; renders elsewhere.
#pragma once

#include "coroner/analysis/access.hpp"
#include "coroner/analysis/blame.hpp"
#include "coroner/analysis/classify.hpp"
#include "coroner/analysis/security.hpp"
#include "coroner/analysis/signature.hpp"
#include "coroner/commands/session.hpp"

#include <optional>
#include <string>
#include <vector>

namespace coroner {

struct TriageOptions {
    std::optional<int> thread;              // the debugger's thread number to analyse instead of the crashing one
    int frames = 32;                        // how many frames to fetch and show
    std::optional<std::string> rules_file;  // blame rules ahead of the user's and the built-in ones
};

struct TriageReport {
    DebuggerInfo debugger;
    std::optional<std::string> executable;
    std::int64_t pid = 0;
    std::optional<std::string> args;
    std::optional<std::string> core_file;
    std::optional<std::string> core_time;
    std::optional<SignalInfo> signal;
    Cause cause;
    std::optional<FaultingAccess> access;  // the decoded faulting instruction, for a memory fault
    ThreadInfo thread;
    bool thread_is_crashing = true;
    std::vector<Frame> frames;
    std::optional<std::string> frames_from;  // when the frames are not the thread's own unwound stack
    std::size_t thread_count = 0;
    Blame blame;
    Signature signature;
    std::vector<std::string> missing_debug_info;
    std::vector<std::string> mismatched;
    SecurityRating security;
    struct Python {
        std::string version;              // "" when the interpreter does not say
        std::optional<std::string> note;  // why its Python frames are not shown
    };
    std::optional<Python> python;  // a CPython process
};

TriageReport triage(const Session& session, const TriageOptions& options);

}  // namespace coroner
