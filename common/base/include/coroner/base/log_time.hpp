// The time a log line was written, in the forms logs come in, as UTC: RFC 3339 / ISO 8601 with `Z` or an
// offset (and `journalctl -o short-iso`, whose offset has no colon), syslog's `Nov 29 16:26:51` (no year,
// no zone: both are taken from the crash), and `journalctl -o json` lines (`__REALTIME_TIMESTAMP`,
// microseconds since the epoch). For pm-report's timeline, which merges log lines with the crash.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace coroner {

struct LogLineTime {
    std::int64_t seconds = 0;  // since the epoch, UTC
    std::int32_t micros = 0;
    std::string form;  // "rfc3339", "syslog", "journal-json"
};

// Where syslog's missing year and zone come from: the crash's (its UTC year, and the offset of the zone the
// host wrote its logs in, when known; 0 otherwise).
struct LogContext {
    int year = 1970;
    int utc_offset_seconds = 0;
};

// The time at the start of `line` (after leading blanks), or nothing when it has none that can be read
// (a time without a zone is not guessed at).
std::optional<LogLineTime> log_line_time(std::string_view line, const LogContext& context);

// "2026-11-29T16:26:51.250000Z" (microseconds only when there are any).
std::string iso_utc_micros(const LogLineTime& time);

}  // namespace coroner
