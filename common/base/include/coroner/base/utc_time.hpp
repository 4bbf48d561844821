// Times as coroner prints them: ISO 8601 in UTC, to the second ("2026-11-29T18:06:51Z").
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace coroner {

std::string iso_utc(std::int64_t seconds);
std::optional<std::int64_t> parse_iso_utc(const std::string& text);

}  // namespace coroner
