#include "coroner/core/debugger.hpp"

#include <algorithm>

namespace coroner {

const DebuggerSyntax& syntax_of(DebuggerKind kind) {
    // GDB's "nothing loaded" remedy names LLDB's command too: it is kept as it was, byte for byte.
    static const DebuggerSyntax gdb{"open one first: `gdb PROG CORE`, `target create PROG -c CORE`, or run the program",
                                    "load the program that produced the core: `file PROG` or `gdb PROG CORE`",
                                    "reload it with `core-file CORE`",
                                    "see `help user-defined` or the README for the pm-* commands",
                                    "frame {}",
                                    "info locals",
                                    "thread apply all bt"};
    static const DebuggerSyntax lldb{"open one first: `target create PROG -c CORE`, or run the program",
                                     "load the program that produced the core: `target create PROG -c CORE`",
                                     "reload it with `target create PROG -c CORE`",
                                     "see `help` or the README for the pm-* commands",
                                     "frame select {}",
                                     "frame variable",
                                     "bt all"};
    return kind == DebuggerKind::lldb ? lldb : gdb;
}

std::vector<Frame> Debugger::frames(std::int64_t tid, int limit) {
    // Artificial frames count against the debugger's limit: ask again for more while they hid real ones.
    for (int asked = limit;; asked = asked < (1 << 20) ? asked * 2 : 0) {
        std::vector<Frame> given = unwind(tid, asked);
        std::vector<Frame> real;
        for (auto& f : given)
            if (!f.artificial) real.push_back(std::move(f));
        bool complete = asked <= 0 || given.size() < static_cast<std::size_t>(asked) ||
                        real.size() >= static_cast<std::size_t>(limit);
        if (!complete) continue;
        if (limit > 0 && real.size() > static_cast<std::size_t>(limit)) real.resize(static_cast<std::size_t>(limit));
        for (std::size_t i = 0; i < real.size(); i++) real[i].index = static_cast<int>(i);
        return real;
    }
}

std::vector<Variable> Debugger::variables(std::int64_t tid, int debugger_index) {
    std::vector<Variable> result = variables_as_given(tid, debugger_index);
    for (auto& v : result)
        if (!is_scalar(v.kind)) v.value.reset();
    return result;
}

}  // namespace coroner
