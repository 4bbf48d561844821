// The secret scan's pass over every byte for what its anchors cannot find: card numbers (runs of digits)
// and UTF-16LE text. One pass, as wide a step as the host CPU allows (see byte_masks.hpp), chosen once at
// run time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace coroner {

// A stretch of the scanned text where a match may lie: [from, to).
struct Span {
    std::size_t from, to;
};

// A run of UTF-16LE printable ASCII characters: [from, to) in bytes.
struct WideRun {
    std::size_t from, to;
};

// Characters in a UTF-16 run worth narrowing and scanning.
constexpr std::size_t shortest_utf16 = 12;

// The instructions the pass uses, narrowest first. Each gives the same spans and runs.
enum class SimdLevel { portable, sse2, avx2, avx512bw };

const char* simd_level_name(SimdLevel level);
std::optional<SimdLevel> simd_level_named(const std::string& name);
// The levels this build and this host CPU can run, narrowest first.
std::vector<SimdLevel> simd_levels_available();
// The level the scan uses: the widest available, or the one the environment variable CORONER_SIMD names
// (portable, sse2, avx2, avx512bw: for tests and measurements) when it is available. Chosen once.
SimdLevel simd_level();

// Appends to `spans`, around each run of at least `min_digits` digits (0: none wanted) broken only by
// single spaces or dashes (a card number as people write it), the stretch `reach` bytes either side; and,
// with `wide`, appends each maximal run of at least shortest_utf16 UTF-16LE printable characters, in order.
void find_runs(const std::uint8_t* data, std::size_t size, std::size_t min_digits, std::size_t reach,
               std::vector<Span>& spans, std::vector<WideRun>* wide, SimdLevel level = simd_level());

}  // namespace coroner
