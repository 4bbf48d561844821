// Log lines' times, in the forms pm-report's timeline reads, as UTC.
#include "coroner/base/log_time.hpp"

#include <doctest/doctest.h>

using coroner::iso_utc_micros;
using coroner::log_line_time;
using coroner::LogContext;

namespace {

std::string utc(const std::string& line, LogContext context = {2026, 0}) {
    auto time = log_line_time(line, context);
    return time ? iso_utc_micros(*time) + " " + time->form : "none";
}

}  // namespace

TEST_CASE("log time: RFC 3339 with Z or an offset, and journalctl's short-iso, become UTC") {
    CHECK(utc("2026-11-29T16:26:51Z app: started") == "2026-11-29T16:26:51Z rfc3339");
    CHECK(utc("2026-11-29T17:26:51+01:00 app: x") == "2026-11-29T16:26:51Z rfc3339");
    CHECK(utc("2026-11-29T08:26:51.250-08:00 app: x") == "2026-11-29T16:26:51.250000Z rfc3339");
    CHECK(utc("2026-11-29T16:26:51+0000 host prog[42]: msg") == "2026-11-29T16:26:51Z rfc3339");
    CHECK(utc("  2026-11-30 00:10:00.1234567+02:00 x") == "2026-11-29T22:10:00.123456Z rfc3339");
    CHECK(utc("2026-12-31T23:30:00-01:00 across the year") == "2027-01-01T00:30:00Z rfc3339");
}

TEST_CASE("log time: syslog takes the year and the zone from the crash") {
    CHECK(utc("Nov 29 16:26:51 host app[42]: msg") == "2026-11-29T16:26:51Z syslog");
    CHECK(utc("Nov  3 04:05:06 host app: msg") == "2026-11-03T04:05:06Z syslog");
    CHECK(utc("Nov 29 17:26:51 host app: msg", {2026, 3600}) == "2026-11-29T16:26:51Z syslog");
    CHECK(utc("Nov 29 16:26:51.500 host app: msg") == "2026-11-29T16:26:51.500000Z syslog");
}

TEST_CASE("log time: journalctl -o json's __REALTIME_TIMESTAMP, in microseconds") {
    CHECK(utc(R"({"__REALTIME_TIMESTAMP":"1795969611250000","MESSAGE":"x"})") ==
          "2026-11-29T16:26:51.250000Z journal-json");
    CHECK(utc(R"({"MESSAGE":"x","__REALTIME_TIMESTAMP":1795969611000000})") == "2026-11-29T16:26:51Z journal-json");
    CHECK(utc(R"({"__REALTIME_TIMESTAMP":"soon"})") == "none");
    CHECK(utc(R"({"__REALTIME_TIMESTAMP":"17644336)") == "none");
}

TEST_CASE("log time: a line whose time cannot be read, or has no zone, has none") {
    for (const char* line : {"", "   ", "started the service", "2026-11-29T16:26:51 no zone", "2026-11-29",
                             "2026-13-29T16:26:51Z", "2026-11-29T25:26:51Z", "Nov 29", "Foo 29 16:26:51 host",
                             "Nov 29 16:26 host", "16:26:51Z bare time", "2026-11-29T16:26:51+01"})
        CHECK_MESSAGE(utc(line) == "none", line);
}
