// A Debugger made of plain data, for unit tests: what a frontend would have collected, fixed up front.
#pragma once

#include "coroner/core/debugger.hpp"

#include <map>
#include <tuple>

namespace coroner::test {

class SnapshotDebugger final : public Debugger {
public:
    DebuggerInfo debugger_info{"snapshot", "1.0"};
    TargetState state;
    std::vector<ThreadInfo> thread_list;
    std::map<std::int64_t, std::vector<Frame>> stacks;
    std::optional<SignalInfo> signal;
    std::optional<std::int64_t> selected;
    int frames_calls = 0;

    DebuggerInfo info() override { return debugger_info; }
    TargetState target() override { return state; }
    std::vector<ThreadInfo> threads() override { return thread_list; }
    std::vector<Frame> unwind(std::int64_t tid, int limit) override {
        frames_calls++;
        auto it = stacks.find(tid);
        if (it == stacks.end()) return {};
        std::vector<Frame> out = it->second;
        if (limit > 0 && out.size() > static_cast<std::size_t>(limit)) out.resize(static_cast<std::size_t>(limit));
        return out;
    }
    std::map<std::uint64_t, Frame> symbols;  // symbolize() answers
    Frame symbolize(std::uint64_t pc) override {
        auto it = symbols.find(pc);
        Frame f = it == symbols.end() ? Frame{} : it->second;
        f.pc = pc;
        return f;
    }
    std::map<std::pair<std::int64_t, int>, std::vector<Variable>> frame_variables;  // by (tid, frame)
    std::optional<std::pair<std::int64_t, int>> selected_frame;
    std::vector<Variable> variables_as_given(std::int64_t tid, int debugger_index) override {
        auto it = frame_variables.find({tid, debugger_index});
        return it == frame_variables.end() ? std::vector<Variable>{} : it->second;
    }
    bool select_frame(std::int64_t tid, int debugger_index) override {
        auto it = stacks.find(tid);
        if (it == stacks.end() || debugger_index < 0 || static_cast<std::size_t>(debugger_index) >= it->second.size())
            return false;
        selected_frame = {tid, debugger_index};
        return true;
    }
    std::optional<SignalInfo> live_signal() override { return signal; }
    std::optional<std::int64_t> selected_tid() override { return selected; }
    std::map<std::string, std::uint64_t> registers(std::int64_t, const std::vector<std::string>&) override {
        return {};
    }
    std::map<std::tuple<std::int64_t, int, std::string>, std::uint64_t> frame_registers;  // by (tid, frame, name)
    std::optional<std::uint64_t> frame_register(std::int64_t tid, int debugger_index,
                                                const std::string& name) override {
        auto it = frame_registers.find({tid, debugger_index, name});
        if (it == frame_registers.end()) return std::nullopt;
        return it->second;
    }
    std::optional<std::vector<std::uint8_t>> read(std::uint64_t, std::size_t) override { return std::nullopt; }
};

inline Frame frame(int index, std::uint64_t pc, std::optional<std::string> function,
                   std::optional<std::string> file = std::nullopt, std::optional<int> line = std::nullopt) {
    Frame f;
    f.index = index;
    f.pc = pc;
    f.function = std::move(function);
    f.file = std::move(file);
    f.line = line;
    return f;
}

// The frame, in module `module` (a path).
inline Frame in(Frame f, const char* module) {
    f.module = module;
    return f;
}

}  // namespace coroner::test
