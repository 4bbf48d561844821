// The secret scan's pass over every byte: where an anchor lies (anchor_filter.hpp) and where a long digit
// run or UTF-16 text does (run_finder.hpp), in one loop where the host has AVX-512 VBMI.
#pragma once

#include "coroner/secrets/anchor_filter.hpp"
#include "coroner/secrets/run_finder.hpp"

namespace coroner {

// Appends to `anchors` what filter.find finds in [data, data + size), and to `spans` and `wide` what
// find_runs finds (at the widest SIMD level), in one loop over the bytes where the host has AVX-512 VBMI:
// the anchors' table lookups and the runs' tests keep different execution units busy, so one loop takes
// less than the two (the benchmark's core, 1 MiB at a time, one CPU: random bytes 0.054 -> 0.043 s per
// 512 MiB, log text 0.113 -> 0.097). Elsewhere, one pass and then the other.
void find_anchors_and_runs(const AnchorFilter& filter, const std::uint8_t* data, std::size_t size,
                           std::vector<AnchorEnd>& anchors, std::size_t min_digits, std::size_t reach,
                           std::vector<Span>& spans, std::vector<WideRun>* wide);

}  // namespace coroner
