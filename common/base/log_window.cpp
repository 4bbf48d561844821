#include "coroner/base/log_window.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>

namespace coroner {
namespace {

std::int64_t micros_of(const LogLineTime& t) { return t.seconds * 1000000 + t.micros; }

// One file's lines with their times; an unreadable line borrows its place from its neighbours.
std::vector<LogLine> timed_lines(const LogText& log, const LogContext& context) {
    std::vector<LogLine> lines;
    for (std::size_t i = 0; i < log.lines.size(); ++i) {
        LogLine line{log.file, i + 1, log.lines[i], log_line_time(log.lines[i], context), 0};
        if (line.time && line.time->form == "journal-json")
            if (auto message = journal_message(log.lines[i])) line.text = *message;
        lines.push_back(std::move(line));
    }
    std::optional<std::int64_t> last;
    for (auto& line : lines) {
        if (line.time) last = micros_of(*line.time);
        line.order_micros = last.value_or(INT64_MIN);
    }
    // Before the file's first readable time: placed with the first line that has one.
    std::optional<std::int64_t> next;
    for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
        if (it->time) next = micros_of(*it->time);
        if (it->order_micros == INT64_MIN && next) it->order_micros = *next;
    }
    lines.erase(std::remove_if(lines.begin(), lines.end(),
                               [](const LogLine& l) { return l.order_micros == INT64_MIN || l.text.empty(); }),
                lines.end());
    return lines;
}

}  // namespace

std::vector<LogLine> log_window(const std::vector<LogText>& logs, const LogWindow& window, const LogContext& context) {
    const std::int64_t first = (window.crash_seconds - window.before_seconds) * 1000000;
    // The whole last second of the window is in it: a crash at 16:26:51 keeps a line at 16:27:51.9.
    const std::int64_t last = (window.crash_seconds + window.after_seconds + 1) * 1000000 - 1;
    std::vector<LogLine> kept;
    for (const auto& log : logs)
        for (auto& line : timed_lines(log, context))
            if (line.order_micros >= first && line.order_micros <= last) kept.push_back(std::move(line));
    std::stable_sort(kept.begin(), kept.end(),
                     [](const LogLine& a, const LogLine& b) { return a.order_micros < b.order_micros; });
    return kept;
}

std::optional<std::int64_t> parse_duration(const std::string& text) {
    std::int64_t total = 0;
    std::size_t at = 0;
    if (text.empty()) return std::nullopt;
    while (at < text.size()) {
        std::size_t start = at;
        std::int64_t value = 0;
        while (at < text.size() && std::isdigit(static_cast<unsigned char>(text[at])) && at - start < 9)
            value = value * 10 + (text[at++] - '0');
        if (at == start || at == text.size()) return std::nullopt;  // no number, or no unit after it
        char unit = text[at++];
        std::int64_t scale = unit == 's' ? 1 : unit == 'm' ? 60 : unit == 'h' ? 3600 : unit == 'd' ? 86400 : 0;
        if (scale == 0) return std::nullopt;
        total += value * scale;
        if (total > max_duration_seconds) return std::nullopt;
    }
    return total;
}

std::optional<std::string> journal_message(const std::string& line) {
    auto entry = nlohmann::json::parse(line, nullptr, false);
    if (entry.is_discarded() || !entry.is_object() || !entry.contains("MESSAGE") || !entry["MESSAGE"].is_string())
        return std::nullopt;
    std::string message = entry["MESSAGE"].get<std::string>();
    if (entry.contains("SYSLOG_IDENTIFIER") && entry["SYSLOG_IDENTIFIER"].is_string())
        message = entry["SYSLOG_IDENTIFIER"].get<std::string>() + ": " + message;
    return message;
}

}  // namespace coroner
