#include "coroner/analysis/signals.hpp"

#include <fmt/format.h>

#include <array>
#include <utility>

namespace coroner {
namespace {

struct SignalRow {
    int number;
    const char* name;
    const char* meaning;
};

// Linux's generic numbering (asm-generic), which every CPU in supported_arches() uses.
constexpr std::array<SignalRow, 31> signals{{
    {1, "SIGHUP", "hangup"},
    {2, "SIGINT", "interrupt from the terminal"},
    {3, "SIGQUIT", "quit from the terminal or another process"},
    {4, "SIGILL", "illegal instruction"},
    {5, "SIGTRAP", "trace or breakpoint trap"},
    {6, "SIGABRT", "aborted"},
    {7, "SIGBUS", "bus error"},
    {8, "SIGFPE", "arithmetic exception"},
    {9, "SIGKILL", "killed"},
    {10, "SIGUSR1", "user-defined signal 1"},
    {11, "SIGSEGV", "segmentation fault"},
    {12, "SIGUSR2", "user-defined signal 2"},
    {13, "SIGPIPE", "broken pipe"},
    {14, "SIGALRM", "alarm clock"},
    {15, "SIGTERM", "terminated"},
    {16, "SIGSTKFLT", "stack fault"},
    {17, "SIGCHLD", "child status changed"},
    {18, "SIGCONT", "continued"},
    {19, "SIGSTOP", "stopped"},
    {20, "SIGTSTP", "stopped from the terminal"},
    {21, "SIGTTIN", "background read from the terminal"},
    {22, "SIGTTOU", "background write to the terminal"},
    {23, "SIGURG", "urgent data on a socket"},
    {24, "SIGXCPU", "CPU time limit exceeded"},
    {25, "SIGXFSZ", "file size limit exceeded"},
    {26, "SIGVTALRM", "virtual timer expired"},
    {27, "SIGPROF", "profiling timer expired"},
    {28, "SIGWINCH", "window size changed"},
    {29, "SIGIO", "I/O possible"},
    {30, "SIGPWR", "power failure"},
    {31, "SIGSYS", "bad system call"},
}};

struct CodeRow {
    int signal;  // 0: any signal
    int code;
    const char* name;
};

constexpr std::array<CodeRow, 37> codes{{
    {0, 0, "SI_USER"},       {0, 0x80, "SI_KERNEL"},  {0, -1, "SI_QUEUE"},     {0, -2, "SI_TIMER"},
    {0, -3, "SI_MESGQ"},     {0, -4, "SI_ASYNCIO"},   {0, -5, "SI_SIGIO"},     {0, -6, "SI_TKILL"},
    {11, 1, "SEGV_MAPERR"},  {11, 2, "SEGV_ACCERR"},  {11, 3, "SEGV_BNDERR"},  {11, 4, "SEGV_PKUERR"},
    {11, 5, "SEGV_ACCADI"},  {11, 6, "SEGV_ADIDERR"}, {11, 7, "SEGV_ADIPERR"}, {11, 8, "SEGV_MTEAERR"},
    {11, 9, "SEGV_MTESERR"}, {7, 1, "BUS_ADRALN"},    {7, 2, "BUS_ADRERR"},    {7, 3, "BUS_OBJERR"},
    {7, 4, "BUS_MCEERR_AR"}, {7, 5, "BUS_MCEERR_AO"}, {4, 1, "ILL_ILLOPC"},    {4, 2, "ILL_ILLOPN"},
    {4, 3, "ILL_ILLADR"},    {4, 4, "ILL_ILLTRP"},    {4, 5, "ILL_PRVOPC"},    {4, 6, "ILL_PRVREG"},
    {4, 7, "ILL_COPROC"},    {4, 8, "ILL_BADSTK"},    {8, 1, "FPE_INTDIV"},    {8, 2, "FPE_INTOVF"},
    {8, 3, "FPE_FLTDIV"},    {8, 4, "FPE_FLTOVF"},    {8, 5, "FPE_FLTUND"},    {5, 1, "TRAP_BRKPT"},
    {5, 2, "TRAP_TRACE"},
}};

}  // namespace

std::string signal_name(int number) {
    for (const auto& row : signals)
        if (row.number == number) return row.name;
    return fmt::format("SIG{}", number);
}

std::string signal_meaning(int number) {
    for (const auto& row : signals)
        if (row.number == number) return row.meaning;
    return "real-time or unknown signal";
}

std::optional<std::string> signal_code_name(int signal, int code) {
    // Codes at or below zero and SI_KERNEL mean the same for every signal; positive ones are per signal.
    for (const auto& row : codes)
        if (row.code == code && (row.signal == 0 ? (code <= 0 || code == si_kernel) : row.signal == signal))
            return std::string(row.name);
    return std::nullopt;
}

}  // namespace coroner
