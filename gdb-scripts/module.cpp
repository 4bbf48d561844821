// _coroner: the bridge between GDB's Python and libcoroner. It exposes the Debugger interface for the
// Python adapter to implement, and run_command() for the GDB commands to call. No analysis here.
#include "coroner/base/error.hpp"
#include "coroner/base/interrupt.hpp"
#include "coroner/base/text.hpp"
#include "coroner/commands/commands.hpp"
#include "coroner/core/debugger.hpp"

#include <fmt/format.h>

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

namespace py = pybind11;
using namespace coroner;

namespace {

// A Python exception that escapes the adapter (a gdb.error it did not expect, an interrupt) becomes one
// plain line, never pybind11's text with the Python stack ("... At: adapter.py(132): _frame").
[[noreturn]] void throw_plain(const char* call, py::error_already_set& e) {
    if (e.matches(PyExc_KeyboardInterrupt)) throw UserError("interrupted", "run it again");
    std::string message;
    try {
        message = py::str(e.value()).cast<std::string>();
    } catch (const std::exception&) {}
    message = message.substr(0, message.find('\n')).substr(0, 200);
    if (message.empty()) message = e.type() ? py::str(e.type().attr("__name__")).cast<std::string>() : "no reason";
    throw UserError(fmt::format("GDB could not give the {}: {}", call, message),
                    "the core may be damaged: see what `bt` shows, and report it if GDB itself reads the core");
}

template <typename T, typename F>
T guarded(const char* call, F&& forward) {
    try {
        return forward();
    } catch (py::error_already_set& e) {
        throw_plain(call, e);
    }
}

#define CORONER_FORWARD(what, ret, name, ...) \
    return guarded<ret>(what, [&]() -> ret { PYBIND11_OVERRIDE_PURE(ret, Debugger, name, __VA_ARGS__); })

// Forwards each Debugger call to the Python subclass (coroner_gdb.adapter.GdbDebugger).
class PythonDebugger : public Debugger {
public:
    using Registers = std::map<std::string, std::uint64_t>;
    DebuggerInfo info() override { CORONER_FORWARD("debugger's version", DebuggerInfo, info, ); }
    TargetState target() override { CORONER_FORWARD("loaded target", TargetState, target, ); }
    std::vector<ThreadInfo> threads() override { CORONER_FORWARD("threads", std::vector<ThreadInfo>, threads, ); }
    std::vector<Frame> unwind(std::int64_t tid, int limit) override {
        CORONER_FORWARD("stack of a thread", std::vector<Frame>, unwind, tid, limit);
    }
    std::vector<Variable> variables_as_given(std::int64_t tid, int debugger_index) override {
        CORONER_FORWARD("variables of a frame", std::vector<Variable>, variables_as_given, tid, debugger_index);
    }
    bool select_frame(std::int64_t tid, int debugger_index) override {
        CORONER_FORWARD("frame to select", bool, select_frame, tid, debugger_index);
    }
    Frame symbolize(std::uint64_t pc) override { CORONER_FORWARD("symbol of an address", Frame, symbolize, pc); }
    std::optional<SignalInfo> live_signal() override {
        CORONER_FORWARD("signal of the process", std::optional<SignalInfo>, live_signal, );
    }
    std::optional<std::int64_t> selected_tid() override {
        CORONER_FORWARD("selected thread", std::optional<std::int64_t>, selected_tid, );
    }
    Registers registers(std::int64_t tid, const std::vector<std::string>& names) override {
        CORONER_FORWARD("registers of a thread", Registers, registers, tid, names);
    }
    std::optional<std::uint64_t> frame_register(std::int64_t tid, int debugger_index,
                                                const std::string& name) override {
        CORONER_FORWARD("register of a frame", std::optional<std::uint64_t>, frame_register, tid, debugger_index, name);
    }
    // bytes do not convert to std::vector through pybind11's list caster, so convert by hand.
    std::optional<std::vector<std::uint8_t>> read(std::uint64_t address, std::size_t size) override {
        using Bytes = std::optional<std::vector<std::uint8_t>>;
        return guarded<Bytes>("memory", [&]() -> Bytes {
            py::gil_scoped_acquire gil;
            py::function override = py::get_override(static_cast<const Debugger*>(this), "read_memory");
            if (!override) return std::nullopt;
            py::object result = override(address, size);
            if (result.is_none()) return std::nullopt;
            std::string bytes = result.cast<py::bytes>();
            if (bytes.size() != size) return std::nullopt;
            return std::vector<std::uint8_t>(bytes.begin(), bytes.end());
        });
    }
};

// A command's output to `write` (gdb.write) in pieces of 64 KiB cut between UTF-8 characters, never whole:
// GDB copies what it is given more than once, and a secrets scan's 2 MB JSON line cost 1,000 page faults
// as one piece in GDB, and 500 more as one Python str (14 us each on a VM).
void write_output(const CommandOutcome& outcome, const py::object& write) {
    std::size_t at = 0;
    for (std::size_t end : utf8_piece_ends(outcome.output, 1 << 16)) {
        write(py::str(outcome.output.data() + at, end - at));
        at = end;
    }
}

}  // namespace

PYBIND11_MODULE(_coroner, m) {
    m.doc() = "libcoroner for GDB";
    m.attr("python_version") = py::str(CORONER_PYTHON_VERSION);
    // GDB turns Ctrl-C and SIGTERM into a pending Python KeyboardInterrupt while Python runs a command;
    // long work polls it (from GDB's main thread, which holds the GIL while a command runs).
    set_interrupt_check([] {
        py::gil_scoped_acquire gil;
        if (PyErr_CheckSignals() == 0) return false;
        PyErr_Clear();
        return true;
    });

    py::enum_<DebuggerKind>(m, "DebuggerKind").value("gdb", DebuggerKind::gdb).value("lldb", DebuggerKind::lldb);
    py::class_<DebuggerInfo>(m, "DebuggerInfo")
        .def(py::init<>())
        .def_readwrite("name", &DebuggerInfo::name)
        .def_readwrite("version", &DebuggerInfo::version)
        .def_readwrite("kind", &DebuggerInfo::kind);
    py::enum_<TargetKind>(m, "TargetKind")
        .value("none", TargetKind::none)
        .value("core", TargetKind::core)
        .value("live_stopped", TargetKind::live_stopped)
        .value("live_running", TargetKind::live_running)
        .value("unsupported", TargetKind::unsupported);
    py::class_<TargetState>(m, "TargetState")
        .def(py::init<>())
        .def_readwrite("kind", &TargetState::kind)
        .def_readwrite("executable", &TargetState::executable)
        .def_readwrite("core_file", &TargetState::core_file)
        .def_readwrite("pid", &TargetState::pid)
        .def_readwrite("description", &TargetState::description);
    py::class_<ThreadInfo>(m, "ThreadInfo")
        .def(py::init<>())
        .def_readwrite("index", &ThreadInfo::index)
        .def_readwrite("tid", &ThreadInfo::tid)
        .def_readwrite("name", &ThreadInfo::name);
    py::class_<Frame>(m, "Frame")
        .def(py::init<>())
        .def_readwrite("index", &Frame::index)
        .def_readwrite("pc", &Frame::pc)
        .def_readwrite("sp", &Frame::sp)
        .def_readwrite("function", &Frame::function)
        .def_readwrite("file", &Frame::file)
        .def_readwrite("line", &Frame::line)
        .def_readwrite("inlined", &Frame::inlined)
        .def_readwrite("artificial", &Frame::artificial)
        .def_readwrite("debugger_index", &Frame::debugger_index);
    py::enum_<ValueKind>(m, "ValueKind")
        .value("other", ValueKind::other)
        .value("pointer", ValueKind::pointer)
        .value("integer", ValueKind::integer)
        .value("enumeration", ValueKind::enumeration)
        .value("boolean", ValueKind::boolean)
        .value("character", ValueKind::character)
        .value("floating", ValueKind::floating);
    py::class_<Variable>(m, "Variable")
        .def(py::init<>())
        .def_readwrite("name", &Variable::name)
        .def_readwrite("argument", &Variable::argument)
        .def_readwrite("kind", &Variable::kind)
        .def_readwrite("value", &Variable::value);
    py::class_<SignalInfo>(m, "SignalInfo")
        .def(py::init<>())
        .def_readwrite("number", &SignalInfo::number)
        .def_readwrite("code", &SignalInfo::code)
        .def_readwrite("fault_address", &SignalInfo::fault_address)
        .def_readwrite("sender_pid", &SignalInfo::sender_pid)
        .def_readwrite("sender_uid", &SignalInfo::sender_uid);
    py::class_<Debugger, PythonDebugger>(m, "Debugger").def(py::init<>());

    py::class_<CommandInfo>(m, "CommandInfo")
        .def_readonly("name", &CommandInfo::name)
        .def_readonly("summary", &CommandInfo::summary);
    m.def("commands", &command_infos, py::return_value_policy::copy);
    m.def("command_help", [](const CommandInfo& command) { return command_help(command, DebuggerKind::gdb); });

    // Output and error are printable UTF-8 already (run_command sees to it): plain str conversions.
    py::class_<CommandOutcome>(m, "CommandOutcome")
        .def_readonly("ok", &CommandOutcome::ok)
        .def_readonly("output", &CommandOutcome::output)
        .def_readonly("error", &CommandOutcome::error)
        .def_readonly("selection_changed", &CommandOutcome::selection_changed);
    m.def("run_command", &run_command, py::arg("name"), py::arg("arguments"), py::arg("debugger"));
    m.def("write_output", &write_output, py::arg("outcome"), py::arg("write"));
}
