// How dangerous a crash is, by rules kept as data (rules/security.json), in the spirit of CERT's exploitable.
#pragma once

#include "coroner/analysis/classify.hpp"

#include <string>

namespace coroner {

struct SecurityRating {
    std::string rating;  // exploitable | probably-exploitable | probably-not-exploitable | unknown
    std::string reason;
    std::string rule;
};

SecurityRating rate(const Cause& cause);

}  // namespace coroner
