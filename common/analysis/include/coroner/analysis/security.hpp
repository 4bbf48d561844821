// How dangerous a crash is, by rules kept as data (rules/security.json), in the spirit of CERT's exploitable.
#pragma once

#include "coroner/analysis/classify.hpp"

#include <string>

namespace coroner {

enum class Rating { exploitable, probably_exploitable, probably_not_exploitable, unknown };

template <>
struct EnumNames<Rating> {
    static constexpr std::pair<Rating, const char*> names[] = {
        {Rating::exploitable, "exploitable"},
        {Rating::probably_exploitable, "probably-exploitable"},
        {Rating::probably_not_exploitable, "probably-not-exploitable"},
        {Rating::unknown, "unknown"},
    };
};
CORONER_ENUM_JSON(Rating)

struct SecurityRating {
    Rating rating = Rating::unknown;
    std::string reason;
    std::string rule;
};

SecurityRating rate(const Cause& cause);

}  // namespace coroner
