// The log lines around a crash, for pm-report's timeline: every given log read line by line, each line's
// time read (log_time.hpp) and the lines of the window kept, merged across files in time order. A line
// whose time cannot be read stays where it was in its file (after the line before it) and is marked.
#pragma once

#include "coroner/base/log_time.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace coroner {

struct LogLine {
    std::string file;                 // as the user named it
    std::size_t number = 0;           // 1-based, in its file
    std::string text;                 // the line (for a journal JSON line: its MESSAGE, when it has one)
    std::optional<LogLineTime> time;  // none: unreadable, placed after the line before it in its file
    std::int64_t order_micros = 0;    // where it sorts (its own time, or the time it is placed after)
};

struct LogWindow {
    std::int64_t crash_seconds = 0;  // UTC
    std::int64_t before_seconds = 600;
    std::int64_t after_seconds = 60;
};

// One file's lines (without their line ends), read for the window.
struct LogText {
    std::string file;
    std::vector<std::string> lines;
};

// The lines of every log within [crash - before, crash + after], in time order (a stable merge: lines of
// the same time keep their files' order, the files in the order given). An unreadable line goes with the
// readable line before it (or, first in its file, the one after it); none at all in its file: left out.
std::vector<LogLine> log_window(const std::vector<LogText>& logs, const LogWindow& window, const LogContext& context);

// The longest duration parse_duration accepts: a window of years is a mistake, and its microseconds
// would overflow.
constexpr std::int64_t max_duration_seconds = 1000LL * 86400;

// "10m", "90s", "1h", "1h30m": a duration in seconds; nothing for anything else (a bare number too:
// its unit would be a guess), and nothing over max_duration_seconds.
std::optional<std::int64_t> parse_duration(const std::string& text);

// The text of a journalctl -o json line's MESSAGE, when the line is such an object and has one.
std::optional<std::string> journal_message(const std::string& line);

}  // namespace coroner
