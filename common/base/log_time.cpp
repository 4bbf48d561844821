#include "coroner/base/log_time.hpp"

#include <nlohmann/json.hpp>

#include <cctype>
#include <ctime>

namespace coroner {
namespace {

// Reads exactly `count` digits at `at`.
bool digits(std::string_view text, std::size_t& at, std::size_t count, int& value) {
    if (at + count > text.size()) return false;
    value = 0;
    for (std::size_t i = 0; i < count; ++i) {
        char c = text[at + i];
        if (!std::isdigit(static_cast<unsigned char>(c))) return false;
        value = value * 10 + (c - '0');
    }
    at += count;
    return true;
}

bool literal(std::string_view text, std::size_t& at, char c) {
    if (at >= text.size() || text[at] != c) return false;
    ++at;
    return true;
}

std::int64_t utc_seconds(int year, int month, int day, int hour, int minute, int second) {
    std::tm tm{};
    tm.tm_year = year - 1900;
    tm.tm_mon = month - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = minute;
    tm.tm_sec = second;
    return static_cast<std::int64_t>(::timegm(&tm));
}

bool valid_clock(int month, int day, int hour, int minute, int second) {
    return month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour <= 23 && minute <= 59 && second <= 60;
}

// ".250" -> 250000 microseconds; any number of digits, the ones past six dropped.
std::int32_t fraction(std::string_view text, std::size_t& at) {
    std::int32_t micros = 0, scale = 100000;
    if (at >= text.size() || (text[at] != '.' && text[at] != ',')) return 0;
    ++at;
    while (at < text.size() && std::isdigit(static_cast<unsigned char>(text[at]))) {
        micros += (text[at] - '0') * scale;
        scale /= 10;
        ++at;
    }
    return micros;
}

std::optional<LogLineTime> rfc3339(std::string_view text) {
    std::size_t at = 0;
    int year, month, day, hour, minute, second;
    if (!digits(text, at, 4, year) || !literal(text, at, '-') || !digits(text, at, 2, month) ||
        !literal(text, at, '-') || !digits(text, at, 2, day))
        return std::nullopt;
    if (!literal(text, at, 'T') && !literal(text, at, ' ')) return std::nullopt;
    if (!digits(text, at, 2, hour) || !literal(text, at, ':') || !digits(text, at, 2, minute) ||
        !literal(text, at, ':') || !digits(text, at, 2, second) || !valid_clock(month, day, hour, minute, second))
        return std::nullopt;
    std::int32_t micros = fraction(text, at);
    int offset = 0;
    if (literal(text, at, 'Z') || literal(text, at, 'z')) {
        offset = 0;
    } else if (at < text.size() && (text[at] == '+' || text[at] == '-')) {
        int sign = text[at++] == '-' ? -1 : 1, hours, minutes;
        if (!digits(text, at, 2, hours)) return std::nullopt;
        literal(text, at, ':');  // short-iso writes +0100
        if (!digits(text, at, 2, minutes)) return std::nullopt;
        offset = sign * (hours * 3600 + minutes * 60);
    } else {
        return std::nullopt;  // no zone: not guessed
    }
    return LogLineTime{utc_seconds(year, month, day, hour, minute, second) - offset, micros, "rfc3339"};
}

std::optional<LogLineTime> syslog(std::string_view text, const LogContext& context) {
    static const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    if (text.size() < 15) return std::nullopt;
    int month = 0;
    for (int m = 0; m < 12; ++m)
        if (text.substr(0, 3) == months[m]) month = m + 1;
    if (month == 0 || text[3] != ' ') return std::nullopt;
    std::size_t at = 4;
    if (text[at] == ' ') ++at;  // "Nov  3"
    int day, hour, minute, second;
    std::size_t day_digits = at + 1 < text.size() && std::isdigit(static_cast<unsigned char>(text[at + 1])) ? 2 : 1;
    if (!digits(text, at, day_digits, day) || !literal(text, at, ' ') || !digits(text, at, 2, hour) ||
        !literal(text, at, ':') || !digits(text, at, 2, minute) || !literal(text, at, ':') ||
        !digits(text, at, 2, second) || !valid_clock(month, day, hour, minute, second))
        return std::nullopt;
    std::int32_t micros = fraction(text, at);
    return LogLineTime{utc_seconds(context.year, month, day, hour, minute, second) - context.utc_offset_seconds, micros,
                       "syslog"};
}

std::optional<LogLineTime> journal_json(std::string_view text) {
    if (text.empty() || text[0] != '{' || text.find("__REALTIME_TIMESTAMP") == std::string_view::npos)
        return std::nullopt;
    auto entry = nlohmann::json::parse(text, nullptr, false);
    if (entry.is_discarded() || !entry.is_object() || !entry.contains("__REALTIME_TIMESTAMP")) return std::nullopt;
    const auto& stamp = entry["__REALTIME_TIMESTAMP"];
    std::string value = stamp.is_string() ? stamp.get<std::string>() : stamp.is_number_unsigned() ? stamp.dump() : "";
    if (value.empty() || value.size() > 19 || value.find_first_not_of("0123456789") != std::string::npos)
        return std::nullopt;
    std::int64_t micros = std::stoll(value);
    return LogLineTime{micros / 1000000, static_cast<std::int32_t>(micros % 1000000), "journal-json"};
}

}  // namespace

std::optional<LogLineTime> log_line_time(std::string_view line, const LogContext& context) {
    std::size_t start = line.find_first_not_of(" \t");
    if (start == std::string_view::npos) return std::nullopt;
    line.remove_prefix(start);
    if (auto time = journal_json(line)) return time;
    if (auto time = rfc3339(line)) return time;
    return syslog(line, context);
}

std::string iso_utc_micros(const LogLineTime& time) {
    std::time_t t = static_cast<std::time_t>(time.seconds);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buffer[40];
    std::size_t n = std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S", &tm);
    std::string text(buffer, n);
    if (time.micros) {
        char micros[8];
        std::snprintf(micros, sizeof micros, ".%06d", time.micros);
        text += micros;
    }
    return text + "Z";
}

}  // namespace coroner
