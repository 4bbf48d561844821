// LldbDebugger: libcoroner's Debugger interface over LLDB's SB API. It collects what LLDB knows and
// leaves every judgement to libcoroner; it never changes the selected thread or frame.
#pragma once

#include "coroner/core/debugger.hpp"

#include <lldb/API/SBDebugger.h>

namespace coroner {

class LldbDebugger final : public Debugger {
public:
    explicit LldbDebugger(lldb::SBDebugger debugger) : debugger_(debugger) {}

    DebuggerInfo info() override;
    TargetState target() override;
    std::vector<ThreadInfo> threads() override;
    std::vector<Frame> unwind(std::int64_t tid, int limit) override;
    Frame symbolize(std::uint64_t pc) override;
    std::vector<Variable> variables_as_given(std::int64_t tid, int debugger_index) override;
    bool select_frame(std::int64_t tid, int debugger_index) override;
    std::optional<SignalInfo> live_signal() override;
    std::optional<std::int64_t> selected_tid() override;
    std::map<std::string, std::uint64_t> registers(std::int64_t tid, const std::vector<std::string>& names) override;
    std::optional<std::uint64_t> frame_register(std::int64_t tid, int debugger_index, const std::string& name) override;
    std::optional<std::vector<std::uint8_t>> read(std::uint64_t address, std::size_t size) override;

private:
    lldb::SBDebugger debugger_;
};

}  // namespace coroner
