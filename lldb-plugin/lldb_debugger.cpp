#include "lldb_debugger.hpp"

#include "coroner/core/mapped_core.hpp"

#include <lldb/API/SBError.h>
#include <lldb/API/SBFileSpec.h>
#include <lldb/API/SBFrame.h>
#include <lldb/API/SBLineEntry.h>
#include <lldb/API/SBProcess.h>
#include <lldb/API/SBTarget.h>
#include <lldb/API/SBThread.h>
#include <lldb/API/SBValue.h>

#include <cctype>
#include <climits>
#include <cstring>

namespace coroner {
namespace {

std::optional<std::string> path_of(const lldb::SBFileSpec& spec) {
    if (!spec.IsValid() || !spec.GetFilename()) return std::nullopt;
    char buf[PATH_MAX];
    std::uint32_t n = spec.GetPath(buf, sizeof buf);
    if (n == 0 || n >= sizeof buf) return std::nullopt;
    return std::string(buf, n);
}

// LLDB names functions it has no symbol for "___lldb_unnamed_symbol123" (or with a "$$module" suffix);
// GDB has no name for them. Both mean: no symbol.
std::optional<std::string> function_name(lldb::SBFrame& frame) {
    const char* name = frame.GetFunctionName();
    if (!name || !*name || std::strncmp(name, "___lldb_unnamed_symbol", 22) == 0) return std::nullopt;
    return std::string(name);
}

// The first dotted number in LLDB's version string ("lldb version 14.0.6" gives "14.0.6"); the whole
// string where there is none.
std::string version_number(const std::string& version) {
    auto digit = [&](std::size_t i) {
        return i < version.size() && std::isdigit(static_cast<unsigned char>(version[i]));
    };
    for (std::size_t i = 0; i < version.size(); i++) {
        if (!digit(i)) continue;
        std::size_t end = i, parts = 0;
        while (digit(end)) {
            while (digit(end)) end++;
            parts++;
            if (version[end] != '.' || !digit(end + 1)) break;
            end++;
        }
        if (parts >= 2) return version.substr(i, end - i);
        i = end;
    }
    return version;
}

// LLDB's type flags as libcoroner's kinds of value (which of them are scalars is libcoroner's to say).
ValueKind value_kind(lldb::SBType type) {
    if (type.IsPointerType()) return ValueKind::pointer;
    std::uint32_t flags = type.GetTypeFlags();
    if (flags & lldb::eTypeIsEnumeration) return ValueKind::enumeration;
    if (flags & lldb::eTypeIsFloat) return ValueKind::floating;
    if (flags & lldb::eTypeIsInteger) return ValueKind::integer;
    return ValueKind::other;
}

lldb::SBThread thread_by_tid(lldb::SBProcess& process, std::int64_t tid) {
    return process.GetThreadByID(static_cast<lldb::tid_t>(tid));
}

}  // namespace

DebuggerInfo LldbDebugger::info() {
    DebuggerInfo info;
    info.name = "lldb";
    info.kind = DebuggerKind::lldb;
    std::string version = lldb::SBDebugger::GetVersionString();
    info.version = version_number(version);
    return info;
}

TargetState LldbDebugger::target() {
    TargetState state;
    lldb::SBTarget target = debugger_.GetSelectedTarget();
    if (!target.IsValid()) return state;
    state.executable = path_of(target.GetExecutable());
    lldb::SBProcess process = target.GetProcess();
    if (!process.IsValid()) return state;
    const char* plugin = process.GetPluginName();
    if (plugin && std::strcmp(plugin, "elf-core") == 0) {
        state.kind = TargetKind::core;
#ifdef CORONER_LLDB_HAS_GET_CORE_FILE
        state.core_file = path_of(process.GetCoreFile());
#endif
        if (!state.core_file) {
            // This process's reads of the selected target's memory tell two loaded cores of one pid apart.
            MappedCore mapped = find_mapped_core_file(static_cast<std::int64_t>(process.GetProcessID()), *this);
            state.core_file = mapped.path;
            state.description = mapped.why_unknown;
        }
        return state;
    }
    switch (process.GetState()) {
    case lldb::eStateStopped:
    case lldb::eStateCrashed:
    case lldb::eStateSuspended:
        state.kind = TargetKind::live_stopped;
        state.pid = static_cast<std::int64_t>(process.GetProcessID());
        break;
    case lldb::eStateRunning:
    case lldb::eStateStepping:
    case lldb::eStateLaunching:
    case lldb::eStateAttaching:
    case lldb::eStateConnected:
        state.kind = TargetKind::live_running;
        state.pid = static_cast<std::int64_t>(process.GetProcessID());
        break;
    default: break;
    }
    return state;
}

std::vector<ThreadInfo> LldbDebugger::threads() {
    std::vector<ThreadInfo> result;
    lldb::SBProcess process = debugger_.GetSelectedTarget().GetProcess();
    std::uint32_t n = process.GetNumThreads();
    result.reserve(n);
    for (std::uint32_t i = 0; i < n; i++) {
        lldb::SBThread thread = process.GetThreadAtIndex(i);
        ThreadInfo info;
        info.index = static_cast<int>(thread.GetIndexID());
        info.tid = static_cast<std::int64_t>(thread.GetThreadID());
        if (const char* name = thread.GetName()) info.name = name;
        result.push_back(std::move(info));
    }
    return result;
}

std::vector<Frame> LldbDebugger::unwind(std::int64_t tid, int limit) {
    std::vector<Frame> result;
    lldb::SBProcess process = debugger_.GetSelectedTarget().GetProcess();
    lldb::SBThread thread = thread_by_tid(process, tid);
    if (!thread.IsValid()) return result;
    // GetFrameAtIndex unwinds only as far as asked; GetNumFrames would unwind the whole stack.
    for (std::uint32_t i = 0; limit <= 0 || result.size() < static_cast<std::size_t>(limit); i++) {
        lldb::SBFrame frame = thread.GetFrameAtIndex(i);
        if (!frame.IsValid()) break;
        Frame f;
        f.pc = frame.GetPC();
        f.artificial = frame.IsArtificial();  // synthesized for a tail call
        f.sp = frame.GetSP();
        f.function = function_name(frame);
        f.inlined = frame.IsInlined();
        f.debugger_index = static_cast<int>(frame.GetFrameID());
        lldb::SBLineEntry line = frame.GetLineEntry();
        if (line.IsValid()) {
            f.file = path_of(line.GetFileSpec());
            if (line.GetLine() > 0) f.line = static_cast<int>(line.GetLine());
        }
        result.push_back(std::move(f));
    }
    return result;
}

Frame LldbDebugger::symbolize(std::uint64_t pc) {
    Frame f;
    f.pc = pc;
    lldb::SBAddress address = debugger_.GetSelectedTarget().ResolveLoadAddress(pc);
    if (!address.IsValid()) return f;
    const char* name = nullptr;
    if (lldb::SBFunction function = address.GetFunction(); function.IsValid()) name = function.GetName();
    if (!name || !*name)
        if (lldb::SBSymbol symbol = address.GetSymbol(); symbol.IsValid()) name = symbol.GetName();
    if (name && *name && std::strncmp(name, "___lldb_unnamed_symbol", 22) != 0) f.function = name;
    lldb::SBLineEntry line = address.GetLineEntry();
    if (line.IsValid()) {
        f.file = path_of(line.GetFileSpec());
        if (line.GetLine() > 0) f.line = static_cast<int>(line.GetLine());
    }
    return f;
}

std::vector<Variable> LldbDebugger::variables_as_given(std::int64_t tid, int debugger_index) {
    std::vector<Variable> result;
    lldb::SBProcess process = debugger_.GetSelectedTarget().GetProcess();
    lldb::SBFrame frame = thread_by_tid(process, tid).GetFrameAtIndex(static_cast<std::uint32_t>(debugger_index));
    if (!frame.IsValid()) return result;
    lldb::SBValueList values = frame.GetVariables(/*arguments=*/true, /*locals=*/true, /*statics=*/false,
                                                  /*in_scope_only=*/true);
    for (std::uint32_t i = 0; i < values.GetSize(); i++) {
        lldb::SBValue v = values.GetValueAtIndex(i);
        if (!v.IsValid() || !v.GetName()) continue;
        Variable out;
        out.name = v.GetName();
        out.argument = v.GetValueType() == lldb::eValueTypeVariableArgument;
        out.kind = value_kind(v.GetType().GetCanonicalType());
        lldb::SBError error;
        std::uint64_t value = out.kind != ValueKind::other ? v.GetValueAsUnsigned(error, 0) : 0;
        if (out.kind != ValueKind::other && error.Success()) out.value = value;
        result.push_back(std::move(out));
    }
    return result;
}

bool LldbDebugger::select_frame(std::int64_t tid, int debugger_index) {
    lldb::SBProcess process = debugger_.GetSelectedTarget().GetProcess();
    lldb::SBThread thread = thread_by_tid(process, tid);
    if (!thread.IsValid() || !thread.GetFrameAtIndex(static_cast<std::uint32_t>(debugger_index)).IsValid())
        return false;
    process.SetSelectedThread(thread);
    thread.SetSelectedFrame(static_cast<std::uint32_t>(debugger_index));
    return true;
}

std::optional<SignalInfo> LldbDebugger::live_signal() {
    lldb::SBThread thread = debugger_.GetSelectedTarget().GetProcess().GetSelectedThread();
    if (!thread.IsValid() || thread.GetStopReason() != lldb::eStopReasonSignal) return std::nullopt;
    SignalInfo info;
    info.number = static_cast<int>(thread.GetStopReasonDataAtIndex(0));
    info.code = INT_MIN;  // unknown unless the siginfo can be read
#ifdef CORONER_LLDB_HAS_GET_SIGINFO
    // The raw fields of siginfo_t; libcoroner decides which of them apply.
    lldb::SBValue siginfo = thread.GetSiginfo();
    auto field = [&siginfo](const char* path) -> std::optional<std::uint64_t> {
        lldb::SBValue v = siginfo.GetValueForExpressionPath(path);
        lldb::SBError error;
        std::uint64_t value = v.IsValid() ? v.GetValueAsUnsigned(error, 0) : 0;
        if (!v.IsValid() || error.Fail()) return std::nullopt;
        return value;
    };
    if (siginfo.IsValid()) {
        if (auto code = field(".si_code")) info.code = static_cast<int>(static_cast<std::int32_t>(*code));
        info.fault_address = field("._sifields._sigfault.si_addr");
        if (auto pid = field("._sifields._kill.si_pid")) info.sender_pid = static_cast<std::int32_t>(*pid);
        if (auto uid = field("._sifields._kill.si_uid")) info.sender_uid = static_cast<std::uint32_t>(*uid);
    }
#endif
    return info;
}

std::optional<std::int64_t> LldbDebugger::selected_tid() {
    lldb::SBThread thread = debugger_.GetSelectedTarget().GetProcess().GetSelectedThread();
    if (!thread.IsValid()) return std::nullopt;
    return static_cast<std::int64_t>(thread.GetThreadID());
}

std::map<std::string, std::uint64_t> LldbDebugger::registers(std::int64_t tid, const std::vector<std::string>& names) {
    std::map<std::string, std::uint64_t> values;
    lldb::SBProcess process = debugger_.GetSelectedTarget().GetProcess();
    lldb::SBFrame frame = thread_by_tid(process, tid).GetFrameAtIndex(0);
    if (!frame.IsValid()) return values;
    for (const auto& name : names) {
        lldb::SBValue reg = frame.FindRegister(name.c_str());
        lldb::SBError error;
        std::uint64_t value = reg.IsValid() ? reg.GetValueAsUnsigned(error, 0) : 0;
        if (reg.IsValid() && error.Success()) values[name] = value;
    }
    return values;
}

std::optional<std::uint64_t> LldbDebugger::frame_register(std::int64_t tid, int debugger_index,
                                                          const std::string& name) {
    lldb::SBProcess process = debugger_.GetSelectedTarget().GetProcess();
    lldb::SBFrame frame = thread_by_tid(process, tid).GetFrameAtIndex(static_cast<std::uint32_t>(debugger_index));
    if (!frame.IsValid()) return std::nullopt;
    lldb::SBValue reg = frame.FindRegister(name.c_str());
    lldb::SBError error;
    std::uint64_t value = reg.IsValid() ? reg.GetValueAsUnsigned(error, 0) : 0;
    if (!reg.IsValid() || error.Fail()) return std::nullopt;
    return value;
}

std::optional<std::vector<std::uint8_t>> LldbDebugger::read(std::uint64_t address, std::size_t size) {
    lldb::SBProcess process = debugger_.GetSelectedTarget().GetProcess();
    if (!process.IsValid()) return std::nullopt;
    std::vector<std::uint8_t> bytes(size);
    lldb::SBError error;
    std::size_t n = process.ReadMemory(address, bytes.data(), size, error);
    if (error.Fail() || n != size) return std::nullopt;
    return bytes;
}

}  // namespace coroner
