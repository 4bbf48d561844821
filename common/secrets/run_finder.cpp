#include "coroner/secrets/run_finder.hpp"

#include "coroner/secrets/byte_masks.hpp"

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

unsigned trailing_ones(std::uint64_t bits) {
    return bits == ~0ull ? 64 : static_cast<unsigned>(__builtin_ctzll(~bits));
}
unsigned leading_ones(std::uint64_t bits) { return bits == ~0ull ? 64 : static_cast<unsigned>(__builtin_clzll(~bits)); }

// The pass's state. Each step of `width` bytes is tested for what is rare in memory, and only then are
// bytes looked at one by one:
// - a digit run worth measuring has at least min_digits members (digits, and single spaces or dashes
//   between two): the step's member bits are tested for that many in a row, with the members that the
//   steps before end with, for a run across the edge. Text's many short runs (dates, ids) never get that
//   far, so they cost no branch. A run that does is measured byte by byte, and kept with the digits wanted
//   and four of them in a row (every card format has a group of four);
// - a UTF-16 run of 12 characters or more always holds eight characters at an even address that is a
//   multiple of 8 (seven at the odd address after one): every 8 bytes, the 16 from there are tested for
//   that (the last 8 bytes of the step before with the first 8 of this one, then within the step). The
//   run is then extended byte by byte both ways, so each is found whole, once, whatever the step width.
// Whole steps only; the last bytes, fewer than 16, are finish()'s, so that every width ends the same way.
class RunFinder {
public:
    RunFinder(const std::uint8_t* data, std::size_t size, std::size_t min_digits, std::size_t reach,
              std::vector<Span>& spans, std::vector<WideRun>* wide)
        : data_(data),
          size_(size),
          min_digits_(min_digits),
          reach_(reach),
          spans_(spans),
          wide_(wide),
          run_shifts_(shifts_for_runs_of(min_digits)) {}

    // From `at` on, while a whole step fits; `at` is left after the last step.
    template <class Masks>
    void steps(std::size_t& at);
    void finish(std::size_t at);

private:
    __attribute__((noinline)) void measure_long(std::size_t step, std::uint64_t starts, bool across, std::size_t first);
    void measure(std::size_t at, bool need_four);
    __attribute__((noinline)) void test_windows(std::size_t step, std::uint64_t straddling, std::uint64_t inside);
    void extend_wide(std::size_t at, unsigned align);

    const std::uint8_t* data_;
    std::size_t size_, min_digits_, reach_;
    std::vector<Span>& spans_;
    std::vector<WideRun>* wide_;
    const std::array<unsigned, 6> run_shifts_;  // for runs of min_digits_ members
    std::size_t digits_done_ = 0;               // digit runs end before here
    std::size_t passed_until_ = 0;              // the steps measured a run without four digits in a row up to here
    std::size_t wide_done_[2] = {0, 0};         // runs of characters at even (odd) addresses end before here
    // Of the bytes before the step: the members of a digit run they end with; the last one's digit bit;
    // the last eight's character-end bits (below); the last one's printable bit.
    std::size_t members_before_ = 0;
    std::uint64_t previous_digit_ = 0, previous_ends_ = 0, previous_printable_ = 0;
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
    constexpr std::uint64_t all = width == 64 ? ~0ull : (1ull << width) - 1, last = 1ull << (width - 1);
    // Windows of 16 bytes that lie wholly inside a step: those at 8j for j <= width/8 - 2.
    constexpr std::uint64_t inside = width == 64 ? ~0ull : (1ull << (width - 8)) - 1;
    // Copied, not read through `this` each step: the calls out of line might change it, for all the compiler knows.
    const std::uint8_t* const data = data_;
    const std::size_t size = size_, min_digits = min_digits_;
    const bool wide = wide_ != nullptr;
    const std::array<unsigned, 6> shifts = run_shifts_;
    std::size_t members_before = members_before_;
    std::uint64_t previous_digit = previous_digit_, previous_ends = previous_ends_;
    std::uint64_t previous_printable = previous_printable_;
    for (std::size_t i = at; i + width <= size; i += width) {
        const byte_masks::StepMasks m = Masks::of(data + i);
        if (min_digits) {
            // Bit k: data[i+k] belongs to a digit run. The step's last byte, a space or dash after a digit,
            // is taken to: the byte after it is the next step's, and a member too many only has a run
            // measured.
            const std::uint64_t d = m.digits;
            const std::uint64_t member = (d | (m.breaks & (d << 1 | previous_digit) & (d >> 1 | last))) & all;
            // A run of min_digits members lies in the step, or goes on into it, only where the step's members
            // and those the bytes before end with add up to that many: seldom in memory, often in text.
            if (members_before + static_cast<std::size_t>(__builtin_popcountll(member)) >= min_digits) {
                std::uint64_t starts = member;  // bit k: min_digits members in a row from data[i+k]
                starts &= starts >> shifts[0], starts &= starts >> shifts[1], starts &= starts >> shifts[2];
                starts &= starts >> shifts[3], starts &= starts >> shifts[4], starts &= starts >> shifts[5];
                const std::size_t first = trailing_ones(member);  // members from the step's first byte
                const bool across = members_before + first >= min_digits;
                if (__builtin_expect((starts != 0) | across, 0)) measure_long(i, starts, across, first);
            }
            // The run the step ends with, and the members before it when it fills the step.
            members_before = member == all ? members_before + width : leading_ones(member << (64 - width));
            previous_digit = d >> (width - 1);
        }
        if (wide) {
            // Bit k: a UTF-16LE character ends at data[i+k] (a zero after a printable byte).
            std::uint64_t ends = m.zeros & (m.printable << 1 | previous_printable) & all;
            previous_printable = m.printable >> (width - 1);
            const std::uint64_t ends_before = previous_ends;
            previous_ends = ends >> (width - 8);
            // Every window tested holds character ends two bytes apart in this step (in its first 8 bytes,
            // for the one from i-8). Text (no zero bytes) has none; random bytes, about one step in 8,000.
            if (__builtin_expect((ends & ends >> 2) == 0, 1)) continue;
            // The 16 bytes from i-8.
            std::uint64_t straddling = (ends << 8 | ends_before) & 0xFFFF;
            std::uint64_t found = windows_inside(ends) & inside;
            bool across =
                (straddling & even_characters) == even_characters || (straddling & odd_characters) == odd_characters;
            if (__builtin_expect(found != 0 || across, 0)) test_windows(i, straddling, found);
        }
    }
    members_before_ = members_before, previous_digit_ = previous_digit;
    previous_ends_ = previous_ends, previous_printable_ = previous_printable;
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
