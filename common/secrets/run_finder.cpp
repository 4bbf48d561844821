#include "coroner/secrets/run_finder.hpp"

#include "coroner/secrets/byte_masks.hpp"

#include <algorithm>
#include <cstdlib>

namespace coroner {
namespace {

bool is_digit(std::uint8_t c) { return c >= '0' && c <= '9'; }
bool is_digit_break(std::uint8_t c) { return c == ' ' || c == '-'; }

struct DigitRun {
    std::size_t from, to, digits;
};

// The run of digits (broken only by single spaces or dashes) that holds the digit at `at`, not reaching
// back before `floor`.
DigitRun digit_run_at(const std::uint8_t* data, std::size_t size, std::size_t at, std::size_t floor) {
    std::size_t from = at;
    while (from > floor && (is_digit(data[from - 1]) ||
                            (from >= floor + 2 && is_digit_break(data[from - 1]) && is_digit(data[from - 2]))))
        from--;
    DigitRun run{from, from, 0};
    while (run.to < size && (is_digit(data[run.to]) || (run.to > from && is_digit_break(data[run.to]) &&
                                                        run.to + 1 < size && is_digit(data[run.to + 1])))) {
        run.digits += is_digit(data[run.to]);
        run.to++;
    }
    return run;
}

// The pass's state. Each step of `width` bytes is tested for what is rare in memory, and only then are
// bytes looked at one by one:
// - four digits in a row start every digit run worth measuring (with the three bytes before the step, for
//   a run across its edge). Text holds many short ones (dates, ids): a run that lies inside the step and is
//   shorter than the digits wanted is passed over on the step's masks; only the others are measured byte
//   by byte;
// - a UTF-16 run of 12 characters or more always holds eight characters at an even address that is a
//   multiple of 8 (seven at the odd address after one): every 8 bytes, the 16 from there are tested for
//   that (the last 8 bytes of the step before with the first 8 of this one, then within the step). The
//   run is then extended byte by byte both ways, so each is found whole, once, whatever the step width.
// Whole steps only; the last bytes, fewer than 16, are finish()'s, so that every width ends the same way.
class RunFinder {
public:
    RunFinder(const std::uint8_t* data, std::size_t size, std::size_t min_digits, std::size_t reach,
              std::vector<Span>& spans, std::vector<WideRun>* wide)
        : data_(data), size_(size), min_digits_(min_digits), reach_(reach), spans_(spans), wide_(wide) {}

    // From `at` on, while a whole step fits; `at` is left after the last step.
    template <class Masks>
    void steps(std::size_t& at);
    void finish(std::size_t at);

private:
    void measure_fours(std::size_t step, unsigned width, std::uint64_t digits, std::uint64_t breaks, bool digit_before,
                       std::uint64_t fours);
    __attribute__((noinline)) void measure_digits(std::size_t at);
    std::size_t members_beyond(std::size_t edge, bool forward) const;
    __attribute__((noinline)) void test_windows(std::size_t step, std::uint64_t straddling, std::uint64_t inside);
    void extend_wide(std::size_t at, unsigned align);

    const std::uint8_t* data_;
    std::size_t size_, min_digits_, reach_;
    std::vector<Span>& spans_;
    std::vector<WideRun>* wide_;
    std::size_t digits_done_ = 0;        // digit runs end before here
    std::size_t wide_done_[2] = {0, 0};  // runs of characters at even (odd) addresses end before here
    // Of the bytes before the step: the last three's digit bits, the last eight's character-end bits
    // (below), the last one's printable bit.
    std::uint64_t previous_digits_ = 0, previous_ends_ = 0, previous_printable_ = 0;
};

// Per 16 bytes tested (bit k: data[k]), the character ends it needs: one after each of eight characters
// at even offsets, or of seven at odd ones.
constexpr std::uint64_t even_characters = 0xAAAA, odd_characters = 0x5554;

// In a 64-bit mask of character ends, the windows of 16 bytes at 8j (j <= 6) that hold eight characters
// at even offsets (bit 8j+1 set) or seven at odd ones (bit 8j+2 set).
std::uint64_t windows_inside(std::uint64_t ends) {
    std::uint64_t two = ends & ends >> 2, four = two & two >> 4;
    std::uint64_t eight = four & four >> 8, seven = four & two >> 8 & ends >> 12;
    return (eight & 0x0002020202020202ull) | (seven & 0x0004040404040404ull);
}

template <class Masks>
void RunFinder::steps(std::size_t& at) {
    constexpr unsigned width = Masks::width;
    constexpr std::uint64_t all = width == 64 ? ~0ull : (1ull << width) - 1;
    // Windows of 16 bytes that lie wholly inside a step: those at 8j for j <= width/8 - 2.
    constexpr std::uint64_t inside = width == 64 ? ~0ull : (1ull << (width - 8)) - 1;
    std::uint64_t previous_digits = previous_digits_, previous_ends = previous_ends_;
    std::uint64_t previous_printable = previous_printable_;
    for (std::size_t i = at; i + width <= size_; i += width) {
        const byte_masks::StepMasks m = Masks::of(data_ + i);
        if (min_digits_) {
            // Bit k: four digits end at data[i+k].
            std::uint64_t d = m.digits, fours = d & (d << 1 | previous_digits >> 2) & (d << 2 | previous_digits >> 1) &
                                                (d << 3 | previous_digits) & all;
            if (__builtin_expect(fours != 0, 0))
                measure_fours(i, width, d, m.breaks, (previous_digits >> 2) & 1, fours);
            previous_digits = d >> (width - 3);
        }
        if (wide_) {
            // Bit k: a UTF-16LE character ends at data[i+k] (a zero after a printable byte).
            std::uint64_t ends = m.zeros & (m.printable << 1 | previous_printable) & all;
            previous_printable = m.printable >> (width - 1);
            // Text (no zero bytes) and most other memory end no character here nor in the 8 bytes before.
            if (__builtin_expect((ends | previous_ends) == 0, 1)) continue;
            // The 16 bytes from i-8.
            std::uint64_t straddling = (ends << 8 | previous_ends) & 0xFFFF;
            previous_ends = ends >> (width - 8);
            std::uint64_t found = windows_inside(ends) & inside;
            bool across =
                (straddling & even_characters) == even_characters || (straddling & odd_characters) == odd_characters;
            if (__builtin_expect(found != 0 || across, 0)) test_windows(i, straddling, found);
        }
    }
    previous_digits_ = previous_digits, previous_ends_ = previous_ends, previous_printable_ = previous_printable;
    at += (size_ - at) / width * width;
}

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

// Each run of digits that four in a row (ending at the bits of `fours`) start. Bit k of `member`: data[i+k]
// belongs to a run (a digit, or a single space or dash between two digits), so a run that lies inside the
// step is a stretch of set bits with a clear bit on each side.
void RunFinder::measure_fours(std::size_t step, unsigned width, std::uint64_t digits, std::uint64_t breaks,
                              bool digit_before, std::uint64_t fours) {
    const std::uint64_t all = width == 64 ? ~0ull : (1ull << width) - 1;
    const std::uint64_t digit_after = step + width < size_ && is_digit(data_[step + width]);
    const std::uint64_t member = (digits | (breaks & (digits << 1 | static_cast<std::uint64_t>(digit_before)) &
                                            (digits >> 1 | digit_after << (width - 1)))) &
                                 all;
    for (; fours != 0; fours &= fours - 1) {
        auto end = static_cast<unsigned>(__builtin_ctzll(fours));
        std::size_t at = step + end - 3;
        if (at < digits_done_) continue;
        std::uint64_t outside_before = ~member & ((1ull << end) - 1);
        std::uint64_t outside_after = end + 1 < width ? ~member & all & ~((2ull << end) - 1) : 0;
        auto from = outside_before ? static_cast<unsigned>(64 - __builtin_clzll(outside_before)) : 0u;
        auto to = outside_after ? static_cast<unsigned>(__builtin_ctzll(outside_after)) : width;
        if (outside_before == 0 || outside_after == 0) {  // it may go on past the step
            // Text's short runs (dates, ids) often touch a step's edge: their length, counted on the 16
            // bytes past the edge, spares most of them the byte-by-byte measure.
            std::size_t length = to - from;
            if (from == 0) length += members_beyond(step, false);
            if (to == width) length += members_beyond(step + width, true);
            if (length >= min_digits_) measure_digits(at);
            continue;
        }
        // Shorter than the digits wanted, so fewer digits: no need to count them.
        if (to - from >= min_digits_)
            measure_digits(at);
        else
            digits_done_ = step + to;  // as measuring it would have
    }
}

// How many bytes of a run go on past a step's edge at `edge`: forward, those from `edge` on; backward, those
// before it, counted as the step's member bits are (a digit, or a space or dash with a digit on each side).
// min_digits_ where it cannot tell within 16 bytes (all 16 belong, or they are not all in the buffer): the
// caller then measures, so a run is never passed over for being counted short.
std::size_t RunFinder::members_beyond(std::size_t edge, bool forward) const {
    if (forward ? edge + 17 > size_ : edge < 17) return min_digits_;
    const std::uint8_t* p = forward ? data_ + edge : data_ + edge - 16;
#ifdef CORONER_BYTE_MASKS_SSE2
    const byte_masks::StepMasks m = byte_masks::Sse2::of(p);
#else
    const byte_masks::StepMasks m = byte_masks::Portable16::of(p);
#endif
    const std::uint64_t before = is_digit(p[-1]), after = is_digit(p[16]);
    const std::uint64_t member =
        (m.digits | (m.breaks & (m.digits << 1 | before) & (m.digits >> 1 | after << 15))) & 0xFFFF;
    if (member == 0xFFFF) return min_digits_;
    return forward ? static_cast<std::size_t>(__builtin_ctzll(~member))
                   : static_cast<std::size_t>(__builtin_clzll(~member << 48));
}

void RunFinder::measure_digits(std::size_t at) {
    if (at < digits_done_) return;
    DigitRun run = digit_run_at(data_, size_, at, digits_done_);
    if (run.digits >= min_digits_)
        spans_.push_back({run.from > reach_ ? run.from - reach_ : 0, std::min(size_, run.to + reach_)});
    digits_done_ = std::max(run.to, at + 1);
}

// The last bytes, fewer than 16 (`at` is where the steps stopped, a multiple of 16): each digit is measured,
// and the 16 bytes from at-8 tested.
void RunFinder::finish(std::size_t at) {
    if (min_digits_)
        for (std::size_t k = at >= 3 ? at - 3 : 0; k < size_; k++)
            if (is_digit(data_[k])) measure_digits(k);
    if (wide_ && at >= 8 && at + 8 <= size_) {
        const std::uint8_t* p = data_ + at - 8;
        std::uint64_t ends = byte_masks::portable_zeros16(p) & byte_masks::portable_printable16(p) << 1;
        test_windows(at, ends & 0xFFFF, 0);
    }
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

void find_runs(const std::uint8_t* data, std::size_t size, std::size_t min_digits, std::size_t reach,
               std::vector<Span>& spans, std::vector<WideRun>* wide, SimdLevel level) {
    if (!min_digits && !wide) return;
    RunFinder finder(data, size, min_digits, reach, spans, wide);
    std::size_t at = 0;
    // The widest steps first, then 16 bytes a step up to the last 16.
    switch (level) {
#ifdef CORONER_BYTE_MASKS_WIDE
    case SimdLevel::avx512bw: avx512bw_steps(finder, at); break;
    case SimdLevel::avx2: avx2_steps(finder, at); break;
#endif
    default: break;
    }
#ifdef CORONER_BYTE_MASKS_SSE2
    if (level != SimdLevel::portable)
        finder.steps<byte_masks::Sse2>(at);
    else
#endif
        finder.steps<byte_masks::Portable16>(at);
    finder.finish(at);
}

}  // namespace coroner
