#include "coroner/secrets/run_finder.hpp"

#include "coroner/secrets/byte_masks.hpp"
#include "coroner/secrets/run_finder_steps.hpp"

#include <algorithm>
#include <array>
#include <cstdlib>

namespace coroner {
namespace {

bool is_digit(std::uint8_t c) { return c >= '0' && c <= '9'; }
bool is_digit_break(std::uint8_t c) { return c == ' ' || c == '-'; }

struct DigitRun {
    std::size_t from, to, digits;
    bool has_four;  // four digits in a row
};

// The run of digits (broken only by single spaces or dashes) that holds the byte at `at` (a digit, or a space
// or dash after one), not reaching back before `floor`.
DigitRun digit_run_at(const std::uint8_t* data, std::size_t size, std::size_t at, std::size_t floor) {
    std::size_t from = at;
    while (from > floor && (is_digit(data[from - 1]) ||
                            (from >= floor + 2 && is_digit_break(data[from - 1]) && is_digit(data[from - 2]))))
        from--;
    DigitRun run{from, from, 0, false};
    auto member = [&](std::size_t k) {
        return is_digit(data[k]) || (k > from && is_digit_break(data[k]) && k + 1 < size && is_digit(data[k + 1]));
    };
    for (unsigned in_a_row = 0; run.to < size && member(run.to); run.to++) {
        const bool digit = is_digit(data[run.to]);
        in_a_row = digit ? in_a_row + 1 : 0;
        run.digits += digit;
        run.has_four |= in_a_row >= 4;
    }
    return run;
}

// The shifts that turn a mask of run members into one of where `length` members in a row start: `mask &=
// mask >> shift`, for each in turn, doubles the length covered until it is `length` (at most 64: six shifts).
std::array<unsigned, 6> shifts_for_runs_of(std::size_t length) {
    std::array<unsigned, 6> shifts{};
    const std::size_t wanted = std::clamp<std::size_t>(length, 1, 64);
    std::size_t covered = 1;
    for (unsigned& shift : shifts) {
        shift = static_cast<unsigned>(std::min(covered, wanted - covered));
        covered += shift;
    }
    return shifts;
}

// One function per level, its whole loop compiled for those instructions: flatten inlines the masks, the
// step loop and the tests on the step's masks into it (the rare per-byte work stays out of line).
#ifdef CORONER_BYTE_MASKS_WIDE
__attribute__((target("avx512bw"), flatten)) void avx512bw_steps(RunFinder& finder, std::size_t& at) {
    finder.steps<byte_masks::Avx512bw>(at);
}
__attribute__((target("avx2"), flatten)) void avx2_steps(RunFinder& finder, std::size_t& at) {
    finder.steps<byte_masks::Avx2>(at);
}
#endif

SimdLevel chosen_level() {
    std::vector<SimdLevel> available = simd_levels_available();
    const char* wanted = std::getenv("CORONER_SIMD");
    auto named = simd_level_named(wanted ? wanted : "");
    if (named && std::find(available.begin(), available.end(), *named) != available.end()) return *named;
    return available.back();
}

}  // namespace

RunFinder::RunFinder(const std::uint8_t* data, std::size_t size, std::size_t min_digits, std::size_t reach,
                     std::vector<Span>& spans, std::vector<WideRun>* wide)
    : data_(data),
      size_(size),
      min_digits_(min_digits),
      reach_(reach),
      spans_(spans),
      wide_(wide),
      run_shifts_(shifts_for_runs_of(min_digits)) {}

void RunFinder::test_windows(std::size_t step, std::uint64_t straddling, std::uint64_t inside) {
    if ((straddling & even_characters) == even_characters) extend_wide(step - 8, 0);
    if ((straddling & odd_characters) == odd_characters) extend_wide(step - 7, 1);
    for (; inside != 0; inside &= inside - 1) {
        auto bit = static_cast<std::size_t>(__builtin_ctzll(inside));
        std::size_t align = bit % 8 - 1;
        extend_wide(step + bit / 8 * 8 + align, static_cast<unsigned>(align));
    }
}

// The run of characters that holds the one at `at` (found whole, unless found already), kept when long enough.
void RunFinder::extend_wide(std::size_t at, unsigned align) {
    if (at < wide_done_[align]) return;
    using byte_masks::is_printable;
    std::size_t from = at, to = at;
    while (from >= 2 && from - 2 >= wide_done_[align] && data_[from - 1] == 0 && is_printable(data_[from - 2]))
        from -= 2;
    while (to + 1 < size_ && data_[to + 1] == 0 && is_printable(data_[to])) to += 2;
    if ((to - from) / 2 >= shortest_utf16) wide_->push_back({from, to});
    wide_done_[align] = to;
}

// The runs that reach min_digits_ members in this step: the one that goes on from the steps before
// (`across`; `first` of its members are in this step), and those that start at the bits of `starts`.
void RunFinder::measure_long(std::size_t step, std::uint64_t starts, bool across, std::size_t first) {
    if (across) measure(first ? step : step - 1, true);
    for (; starts != 0; starts &= starts - 1) measure(step + static_cast<std::size_t>(__builtin_ctzll(starts)), true);
}

// The run that holds `at`, unless measured already; kept with the digits wanted. The steps' measure
// (`need_four`) keeps only a run with four digits in a row and passes over one without; should it reach into
// the last bytes, finish() measures it as it measures every run there.
void RunFinder::measure(std::size_t at, bool need_four) {
    if (at < digits_done_ || (need_four && at < passed_until_)) return;
    DigitRun run = digit_run_at(data_, size_, at, digits_done_);
    if (need_four && !run.has_four) {
        passed_until_ = std::max(run.to, at + 1);
        return;
    }
    if (run.digits >= min_digits_)
        spans_.push_back({run.from > reach_ ? run.from - reach_ : 0, std::min(size_, run.to + reach_)});
    digits_done_ = std::max(run.to, at + 1);
}

// The last bytes, fewer than 16 (`at` is where the steps stopped, a multiple of 16): each digit is measured,
// and the 16 bytes from at-8 tested.
void RunFinder::finish(std::size_t at) {
    if (min_digits_)
        for (std::size_t k = at >= 3 ? at - 3 : 0; k < size_; k++)
            if (is_digit(data_[k])) measure(k, false);
    if (wide_ && at >= 8 && at + 8 <= size_) {
        const std::uint8_t* p = data_ + at - 8;
        std::uint64_t ends = byte_masks::portable_zeros16(p) & byte_masks::portable_printable16(p) << 1;
        test_windows(at, ends & 0xFFFF, 0);
    }
}

const char* simd_level_name(SimdLevel level) {
    switch (level) {
    case SimdLevel::portable: return "portable";
    case SimdLevel::sse2: return "sse2";
    case SimdLevel::avx2: return "avx2";
    case SimdLevel::avx512bw: return "avx512bw";
    }
    return "portable";
}

std::optional<SimdLevel> simd_level_named(const std::string& name) {
    for (SimdLevel level : {SimdLevel::portable, SimdLevel::sse2, SimdLevel::avx2, SimdLevel::avx512bw})
        if (name == simd_level_name(level)) return level;
    return std::nullopt;
}

std::vector<SimdLevel> simd_levels_available() {
    std::vector<SimdLevel> levels{SimdLevel::portable};
#ifdef CORONER_BYTE_MASKS_SSE2
    levels.push_back(SimdLevel::sse2);
#endif
#ifdef CORONER_BYTE_MASKS_WIDE
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2")) levels.push_back(SimdLevel::avx2);
    if (__builtin_cpu_supports("avx512bw")) levels.push_back(SimdLevel::avx512bw);
#endif
    return levels;
}

SimdLevel simd_level() {
    static const SimdLevel level = chosen_level();
    return level;
}

void RunFinder::go_on(std::size_t at, SimdLevel level) {
    // The widest steps first, then 16 bytes a step up to the last 16.
    switch (level) {
#ifdef CORONER_BYTE_MASKS_WIDE
    case SimdLevel::avx512bw: avx512bw_steps(*this, at); break;
    case SimdLevel::avx2: avx2_steps(*this, at); break;
#endif
    default: break;
    }
#ifdef CORONER_BYTE_MASKS_SSE2
    if (level != SimdLevel::portable)
        steps<byte_masks::Sse2>(at);
    else
#endif
        steps<byte_masks::Portable16>(at);
    finish(at);
}

void find_runs(const std::uint8_t* data, std::size_t size, std::size_t min_digits, std::size_t reach,
               std::vector<Span>& spans, std::vector<WideRun>* wide, SimdLevel level) {
    if (!min_digits && !wide) return;
    RunFinder(data, size, min_digits, reach, spans, wide).go_on(0, level);
}

}  // namespace coroner
