#include "coroner/commands/report.hpp"

#include "coroner/analysis/names.hpp"
#include "coroner/analysis/signals.hpp"
#include "coroner/analysis/symbol_health.hpp"
#include "coroner/base/error.hpp"
#include "coroner/base/regular_file.hpp"
#include "coroner/base/sha256.hpp"
#include "coroner/base/text.hpp"
#include "coroner/base/utc_time.hpp"
#include "coroner/commands/blame_report.hpp"
#include "coroner/commands/secrets_report.hpp"
#include "coroner/commands/symbols_report.hpp"
#include "coroner/commands/threads_report.hpp"
#include "coroner/commands/triage_render.hpp"
#include "coroner/commands/triage_report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <future>
#include <map>

namespace coroner {
namespace {

constexpr std::size_t max_log_size = 512u << 20;
constexpr int thread_frames = 16;  // pm-threads' default

ReportFrame report_frame(const std::optional<std::string>& function, const std::optional<std::string>& file,
                         std::optional<int> line) {
    return {function ? std::optional<std::string>(strip_parameters(*function)) : std::nullopt, file, line};
}

std::string signal_text(const SignalInfo& s) {
    auto code = signal_code_name(s.number, s.code);
    return fmt::format("{} ({}, {})", signal_name(s.number), code ? *code : fmt::format("code {}", s.code),
                       signal_meaning(s.number));
}

// The crash's time and where it came from: recorded metadata first, then the core file's time, said as such.
void crash_time(const Session& s, const CrashMetadata& m, ReportFacts& f) {
    const char* file_time = "the core file's modification time: the file's time, not a recorded crash time";
    if (m.time) {
        if (!parse_iso_utc(*m.time))
            throw UserError(fmt::format("--crash-time {} is not a UTC time", *m.time),
                            "give it as 2026-11-29T16:26:51Z");
        f.crash_time = *m.time;
        f.time_source = m.time_source ? fmt::format("recorded by {}", *m.time_source) : file_time;
    } else if (s.facts.core_time) {
        f.crash_time = *s.facts.core_time;
        f.time_source = file_time;
    } else {
        f.crash_time = iso_utc(static_cast<std::int64_t>(std::time(nullptr)));
        f.time_source = "the time of this report (a live process: no crash time is recorded)";
    }
}

std::vector<std::string> read_log_lines(const std::string& path) {
    auto text = read_regular_file(path, max_log_size);
    if (!text)
        throw UserError(fmt::format("cannot read the log {}: {}", path, why_unreadable(max_log_size)),
                        "give --log a readable log file (cut a large one to the hours around the crash)");
    std::vector<std::string> lines;
    for (std::size_t start = 0; start < text->size();) {
        std::size_t end = text->find('\n', start);
        if (end == std::string::npos) end = text->size();
        std::string line = text->substr(start, end - start);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        lines.push_back(std::move(line));
        start = end + 1;
    }
    return lines;
}

std::string window_text(std::int64_t before) {
    return before % 3600 == 0 ? fmt::format("{} h", before / 3600)
           : before % 60 == 0 ? fmt::format("{} min", before / 60)
                              : fmt::format("{} s", before);
}

// The options' logs and window, read before any work on the core: a wrong one fails at once.
struct LogsToMerge {
    std::int64_t before = 600;
    std::vector<LogText> logs;
};

LogsToMerge read_logs(const ReportOptions& o) {
    LogsToMerge out;
    auto before = parse_duration(o.window);
    if (!before)
        throw UserError(fmt::format("--window {} is not a duration", o.window), "give it with its unit: 10m, 90s, 1h");
    out.before = *before;
    for (const auto& path : o.logs) out.logs.push_back({path, read_log_lines(path)});
    return out;
}

void timeline(const LogsToMerge& merge, const std::string& crash_what, ReportFacts& f) {
    const std::vector<LogText>& logs = merge.logs;
    std::int64_t crash = *parse_iso_utc(f.crash_time);
    f.window = fmt::format("{} before the crash and 1 min after", window_text(merge.before));
    LogContext context;
    std::time_t t = static_cast<std::time_t>(crash);
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    context.year = tm.tm_year + 1900;
    std::vector<LogLine> lines = log_window(logs, {crash, merge.before, 60}, context);
    for (const auto& log : logs) {
        std::size_t kept =
            std::count_if(lines.begin(), lines.end(), [&](const LogLine& l) { return l.file == log.file; });
        f.logs.push_back(fmt::format("{}: {} of {} lines in the window", log.file, kept, log.lines.size()));
    }
    TimelineEntry crash_entry{f.crash_time, std::nullopt, crash_what, true};
    bool crash_placed = false;
    for (const auto& line : lines) {
        if (!crash_placed && line.order_micros >= (crash + 1) * 1000000) {
            f.timeline.push_back(crash_entry);
            crash_placed = true;
        }
        TimelineEntry entry;
        if (line.time) {
            entry.time = iso_utc_micros(*line.time);
        } else {
            LogLineTime placed{line.order_micros / 1000000, static_cast<std::int32_t>(line.order_micros % 1000000), ""};
            entry.after = iso_utc_micros(placed);
        }
        entry.what = fmt::format("{}:{}: {}", line.file, line.number, line.text);
        f.timeline.push_back(std::move(entry));
    }
    if (!crash_placed) f.timeline.push_back(crash_entry);
}

void secrets(const Session& s, ReportFacts& f) {
    SecretsReport report = scan_secrets(s, {});
    std::map<std::pair<std::string, std::string>, std::size_t> counts;
    std::vector<std::pair<std::string, std::string>> order;
    for (const auto& finding : report.findings) {
        const SecretRule& rule = report.rules->rules()[finding.hit.rule];
        auto key = std::make_pair(rule.id, to_string(finding.region.kind));
        if (counts[key]++ == 0) order.push_back(key);
        if (std::find(f.secret_kinds.begin(), f.secret_kinds.end(), rule.name) == f.secret_kinds.end())
            f.secret_kinds.push_back(rule.name);
    }
    for (const auto& key : order) {
        const SecretRule* rule = nullptr;
        for (const auto& r : report.rules->rules())
            if (r.id == key.first) rule = &r;
        f.secrets.push_back({key.first, rule ? rule->name : key.first, key.second, counts[key]});
    }
}

void threads(const Session& s, ReportFacts& f) {
    ThreadsReport report = threads_report(s, thread_frames);
    f.thread_count = report.count;
    for (const auto& g : report.groups) {
        const Frame* top = g.frames.empty() ? nullptr : &g.frames.front();
        std::string where = top ? report_frame(top->function, top->file, top->line).where() : "no frames";
        f.thread_states.push_back(fmt::format("{}{} thread{}: {} (top: {})", g.crashing ? "the crashing group, " : "",
                                              g.threads.size(), g.threads.size() == 1 ? "" : "s", g.state, where));
    }
    f.threads_text = threads_text(report);
}

void symbols(const Session& s, const TriageReport& t, ReportFacts& f) {
    auto modules = symbols_report(s);
    f.symbols_text = symbols_text(modules);
    for (const auto& path : t.missing_debug_info) {
        ModuleWithoutDebugInfo m{path, debian_package_of(path), std::nullopt};
        for (const auto& health : modules)
            if (health.path == path) m.hint = health.hint;
        f.missing_debug_info.push_back(std::move(m));
    }
    f.mismatched = t.mismatched;
}

// The SHA-256s of the files, computed on another thread while the report's other work (mostly the
// debugger's, on this thread) goes on; abandoned if that work fails.
class BackgroundHashes {
public:
    explicit BackgroundHashes(std::vector<std::optional<std::string>> paths) {
        for (auto& path : paths)
            futures_.push_back(std::async(std::launch::async, [this, path = std::move(path)] {
                return path ? sha256_of_file(*path, &stop_) : std::nullopt;
            }));
    }
    ~BackgroundHashes() {
        stop_.store(true);
        for (auto& f : futures_)
            if (f.valid()) f.wait();
    }
    BackgroundHashes(const BackgroundHashes&) = delete;
    BackgroundHashes& operator=(const BackgroundHashes&) = delete;
    std::optional<std::string> get(std::size_t i) { return futures_[i].get(); }

private:
    std::atomic<bool> stop_{false};
    std::vector<std::future<std::optional<std::string>>> futures_;
};

}  // namespace

std::string ReportFrame::where() const {
    return fmt::format("{}{}", function.value_or("??"),
                       file ? fmt::format(" at {}{}", base_name(*file), line ? fmt::format(":{}", *line) : "") : "");
}

ReportFacts gather_report(const Session& s, const ReportOptions& o) {
    ReportFacts f;
    crash_time(s, o.metadata, f);
    LogsToMerge logs = read_logs(o);
    BackgroundHashes hashes({s.target.core_file, s.target.executable, o.metadata.stored});
    TriageReport t = triage(s, {});
    f.program = t.executable.value_or("(unknown program)");
    f.program_name = base_name(f.program);
    f.pid = t.pid;
    f.args = t.args;
    f.core_file = t.core_file;
    f.host = o.metadata.host;
    // The package the metadata names (with its version), else the one dpkg says ships the program.
    f.package = o.metadata.package;
    if (!f.package && t.executable) f.package = debian_package_of(*t.executable);
    f.truncation = o.metadata.truncation;
    if (t.signal) f.signal = signal_text(*t.signal);
    f.cause_class = to_string(t.cause.cls);
    f.cause_summary = t.cause.summary;
    f.message = t.cause.message;
    if (t.signal && t.signal->fault_address)
        f.access = fmt::format("{}{:#x}", t.cause.access ? to_string(*t.cause.access) + " of " : "address ",
                               *t.signal->fault_address);
    // The instruction at the pc matters for a memory fault only (an abort's pc is inside raise()).
    if (f.access && t.access && !t.access->instruction.empty())
        f.access = fmt::format("{} by `{}`", *f.access, t.access->instruction);
    if (t.blame.frame) {
        const Frame& b = t.frames[static_cast<std::size_t>(*t.blame.frame)];
        f.blame = report_frame(b.function, b.file, b.line);
    }
    f.blame_reason = t.blame.reason;
    if (auto origin = blamed_value_origin(s, t)) {
        f.origin_value = fmt::format("{:#x}", origin->value);
        f.origin_what = origin->what;
        for (const auto& step : origin->steps)
            f.origin_steps.push_back({report_frame(step.function, step.file, step.line), step.how});
    }
    f.bucket = t.signature.bucket;
    f.signature = t.signature.text;
    f.security = fmt::format("{}: {}", to_string(t.security.rating), t.security.reason);
    f.triage_text = triage_text(t, false);
    threads(s, f);
    symbols(s, t, f);
    secrets(s, f);
    std::string crash_what = fmt::format("{} (pid {}) died{}: {}", f.program_name, f.pid,
                                         f.signal ? " of " + signal_name(t.signal->number) : "", f.cause_summary);
    timeline(logs, crash_what, f);
    f.core_sha256 = hashes.get(0);
    f.program_sha256 = hashes.get(1);
    f.stored = o.metadata.stored;
    f.stored_format = o.metadata.stored_format;
    f.stored_sha256 = hashes.get(2);
    f.actions = select_actions(f);
    return f;
}

}  // namespace coroner
