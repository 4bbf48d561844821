#include "coroner/commands/triage_render.hpp"

#include "coroner/analysis/names.hpp"
#include "coroner/analysis/signals.hpp"
#include "coroner/analysis/symbol_health.hpp"
#include "coroner/base/json_util.hpp"
#include "coroner/base/text.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace coroner {

nlohmann::ordered_json frame_json(const Frame& f) {
    return {{"index", f.index},
            {"pc", f.python ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(hex_address(f.pc))},
            {"function", f.function ? nlohmann::ordered_json(strip_parameters(*f.function)) : nullptr},
            {"module", or_null(f.module)},
            {"file", or_null(f.file)},
            {"line", or_null(f.line)},
            {"inlined", f.inlined},
            {"found_by", to_string(f.found_by)},
            {"language", f.python ? "python" : "native"}};
}

nlohmann::ordered_json python_caller_json(const std::vector<Frame>& frames, const Blame& blame) {
    if (!blame.python_caller) return nullptr;
    const Frame& f = frames[static_cast<std::size_t>(*blame.python_caller)];
    return {
        {"frame", f.index}, {"function", or_null(f.function)}, {"file", or_null(f.file)}, {"line", or_null(f.line)}};
}

nlohmann::ordered_json triage_json(const TriageReport& r) {
    using json = nlohmann::ordered_json;
    json signal = nullptr;
    if (r.signal) {
        const SignalInfo& s = *r.signal;
        signal = {{"number", s.number},
                  {"name", signal_name(s.number)},
                  {"code", s.siginfo_recorded ? json(s.code) : json(nullptr)},
                  {"code_name", s.siginfo_recorded ? or_null(signal_code_name(s.number, s.code)) : json(nullptr)},
                  {"fault_address", address_or_null(s.fault_address)},
                  {"sender_pid", or_null(s.sender_pid)},
                  {"sender_uid", or_null(s.sender_uid)}};
    }
    json frames = json::array();
    for (const auto& f : r.frames) frames.push_back(frame_json(f));
    json blame = nullptr;
    if (r.blame.frame) {
        const Frame& f = r.frames[static_cast<std::size_t>(*r.blame.frame)];
        blame = {{"frame", f.index},
                 {"function", f.function ? json(strip_parameters(*f.function)) : json(nullptr)},
                 {"file", or_null(f.file)},
                 {"line", or_null(f.line)},
                 {"reason", r.blame.reason}};
        blame["python_caller"] = python_caller_json(r.frames, r.blame);
    }
    return {{"schema", triage_schema},
            {"debugger", {{"name", r.debugger.name}, {"version", r.debugger.version}}},
            {"process",
             {{"executable", or_null(r.executable)},
              {"pid", r.pid},
              {"args", or_null(r.args)},
              {"core_file", or_null(r.core_file)},
              {"core_time", or_null(r.core_time)}}},
            {"signal", signal},
            {"cause",
             {{"class", to_string(r.cause.cls)},
              {"summary", r.cause.summary},
              {"access", or_null(r.cause.access)},
              {"message", or_null(r.cause.message)},
              {"exception_type", or_null(r.cause.exception_type)}}},
            {"thread",
             {{"index", r.thread.index}, {"tid", r.thread.tid}, {"name", or_null(r.thread.name)}, {"frames", frames}}},
            {"threads", {{"count", r.thread_count}}},
            {"blame", blame},
            {"signature", r.signature.text},
            {"bucket", r.signature.bucket},
            {"symbols", {{"missing_debug_info", r.missing_debug_info}, {"mismatched", r.mismatched}}},
            {"security", {{"rating", to_string(r.security.rating)}, {"reason", r.security.reason}}},
            {"python", r.python ? json{{"version", r.python->version.empty() ? json(nullptr) : json(r.python->version)},
                                       {"note", or_null(r.python->note)}}
                                : json(nullptr)}};
}

namespace {

std::string frame_line(const Frame& f, bool blamed) {
    if (f.python)
        return fmt::format("  #{:<3} {:<18}  {} at {}:{}{}", f.index, "[python]", f.function.value_or("??"),
                           base_name(f.file.value_or("?")), f.line ? std::to_string(*f.line) : "?",
                           blamed ? "   <= blame" : "");
    std::string where;
    if (f.file)
        where = fmt::format(" at {}{}", base_name(*f.file), f.line ? fmt::format(":{}", *f.line) : "");
    else if (f.module)
        where = fmt::format(" in {}", base_name(*f.module));
    std::string number = frame_label(f);
    return fmt::format("  {:<4} {:#018x}  {}{}{}{}", number, f.pc, f.function ? strip_parameters(*f.function) : "??",
                       f.inlined ? " [inlined]" : "", where, blamed ? "   <= blame" : "");
}

// Where the debugger's unwinder stopped and coroner walked on: how many frames, found how.
std::optional<std::string> recovered_line(const std::vector<Frame>& frames) {
    auto count = [&](FoundBy how) {
        return std::count_if(frames.begin(), frames.end(), [how](const Frame& f) { return f.found_by == how; });
    };
    auto by_fp = count(FoundBy::frame_pointer), by_scan = count(FoundBy::scan);
    if (by_fp + by_scan == 0) return std::nullopt;
    std::vector<std::string> parts;
    if (by_fp) parts.push_back(fmt::format("{} by frame pointers (fp)", by_fp));
    if (by_scan)
        parts.push_back(fmt::format("{} by scanning the stack (scan: guesses, left out of the bucket)", by_scan));
    return fmt::format(
        "  the debugger's unwinder stopped early; coroner recovered {} frame{}: {} (--no-recover: "
        "the debugger's frames only)",
        by_fp + by_scan, by_fp + by_scan == 1 ? "" : "s", fmt::join(parts, ", "));
}

// The one-line warning for a module on the stack without debug info, with what to do about it.
std::string missing_symbols_line(const TriageReport& r, const std::string& module) {
    ModuleHealth m;
    m.path = module;
    m.on_disk = true;
    m.is_program = r.executable && module == *r.executable;
    bool unnamed = std::any_of(r.frames.begin(), r.frames.end(),
                               [&](const Frame& f) { return f.module == module && !f.function; });
    return fmt::format("no debug info for {}{}: {}", base_name(module),
                       unnamed ? " (its ?? frames are missing symbols, not a corrupt core)" : "",
                       symbol_hint(m).value_or("see pm-symbols"));
}

// Commands, in the syntax of the debugger the user is in, that take the analysis to the blamed frame.
std::optional<std::string> next_commands(const TriageReport& r) {
    if (!r.blame.frame) return std::nullopt;
    const Frame& f = r.frames[static_cast<std::size_t>(*r.blame.frame)];
    if (!f.debugger_index) return std::nullopt;  // a stack coroner walked itself: no debugger frame number
    const DebuggerSyntax& syntax = syntax_of(r.debugger.kind);
    std::vector<std::string> commands = {fmt::format(fmt::runtime(syntax.select_frame), *f.debugger_index),
                                         syntax.show_locals};
    if (r.thread_count > 1) commands.push_back(syntax.all_backtraces);
    return fmt::format("{}", fmt::join(commands, "  ·  "));
}

}  // namespace

std::string triage_text(const TriageReport& r, bool with_next_commands) {
    std::string out;
    auto line = [&out](const std::string& label, const std::string& text) {
        out += fmt::format("{:<9}{}\n", label, text);
    };
    if (r.signal) {
        const SignalInfo& s = *r.signal;
        auto code = signal_code_name(s.number, s.code);
        std::string how = !s.siginfo_recorded ? "no siginfo in the core"
                          : code              ? *code
                                              : fmt::format("code {}", s.code);
        out += fmt::format("{} ({}, {}): {}\n", signal_name(s.number), how, signal_meaning(s.number),
                           to_string(r.cause.cls));
    } else {
        out += fmt::format("no signal: {}\n", to_string(r.cause.cls));
    }
    out += fmt::format("  {}\n", r.cause.summary);
    if (r.cause.message) line("message", *r.cause.message);
    if (r.signal && r.signal->fault_address)
        line("fault", fmt::format("{:#x}{}", *r.signal->fault_address,
                                  r.cause.access ? fmt::format(" ({})", to_string(*r.cause.access)) : ""));
    if (r.signal && r.signal->sender_pid)
        line("sender", fmt::format("pid {}, uid {}{}", *r.signal->sender_pid, r.signal->sender_uid.value_or(-1),
                                   *r.signal->sender_pid == r.pid ? " (the process itself)" : ""));
    line("thread", fmt::format("{} tid {}{} ({}; {} thread{} in all)", r.thread.index, r.thread.tid,
                               r.thread.name ? fmt::format(" \"{}\"", *r.thread.name) : "",
                               r.thread_is_crashing ? "crashing" : "not the crashing thread", r.thread_count,
                               r.thread_count == 1 ? "" : "s"));
    if (r.blame.frame) {
        const Frame& f = r.frames[static_cast<std::size_t>(*r.blame.frame)];
        line("blame", fmt::format("#{} {}{}: {}", f.index, f.function ? strip_parameters(*f.function) : "??",
                                  f.file ? fmt::format(" at {}:{}", base_name(*f.file), f.line.value_or(0)) : "",
                                  r.blame.reason));
    } else {
        line("blame", fmt::format("none: {}", r.blame.reason));
    }
    out += r.frames_from ? fmt::format("stack ({})\n", *r.frames_from) : "stack\n";
    if (auto recovered = recovered_line(r.frames)) out += *recovered + "\n";
    // Runs of the same function at the same line (deep recursion) print once with their count.
    auto same = [](const Frame& a, const Frame& b) {
        return a.function && a.function == b.function && a.file == b.file && a.line == b.line;
    };
    for (std::size_t i = 0; i < r.frames.size();) {
        std::size_t run = 1;
        while (i + run < r.frames.size() && same(r.frames[i], r.frames[i + run])) run++;
        bool blamed = r.blame.frame && static_cast<std::size_t>(*r.blame.frame) == i;
        out += frame_line(r.frames[i], blamed) + "\n";
        if (run > 2) {
            out += fmt::format("  ... {} more identical frames (#{} to #{})\n", run - 1, r.frames[i + 1].index,
                               r.frames[i + run - 1].index);
            i += run;
        } else {
            i++;
        }
    }
    if (auto commands = next_commands(r); commands && with_next_commands) line("next", *commands);
    if (r.python && r.python->note) line("python", *r.python->note);
    line("bucket", fmt::format("{}  {}", r.signature.bucket, r.signature.text));
    for (const auto& m : r.mismatched)
        line("warning", fmt::format("{} is not the build that crashed (build-ids differ): frames may be wrong", m));
    for (const auto& m : r.missing_debug_info) line("symbols", missing_symbols_line(r, m));
    line("security", fmt::format("{}: {}", to_string(r.security.rating), r.security.reason));
    line("process", fmt::format("{} pid {}{}", r.executable.value_or("(unknown)"), r.pid,
                                r.args ? fmt::format(" args \"{}\"", *r.args) : ""));
    if (r.core_file)
        line("core", fmt::format("{}{}", *r.core_file, r.core_time ? fmt::format(" (written {})", *r.core_time) : ""));
    return out;
}

}  // namespace coroner
