// Half-open [from, to) ranges of offsets or addresses.
#pragma once

#include <algorithm>
#include <utility>
#include <vector>

namespace coroner {

// The ranges sorted, with those that overlap or touch joined into one.
template <typename Offset>
std::vector<std::pair<Offset, Offset>> joined_ranges(std::vector<std::pair<Offset, Offset>> ranges) {
    std::sort(ranges.begin(), ranges.end());
    std::vector<std::pair<Offset, Offset>> joined;
    for (const auto& r : ranges)
        if (!joined.empty() && r.first <= joined.back().second)
            joined.back().second = std::max(joined.back().second, r.second);
        else
            joined.push_back(r);
    return joined;
}

}  // namespace coroner
