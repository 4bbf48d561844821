// The digit and UTF-16 pass's state and its step loop (find_runs in run_finder.hpp is the whole pass), in a
// header so that the pre-filter can run another pass's step in the same loop (prefilter.cpp).
#pragma once

#include "coroner/secrets/byte_masks.hpp"
#include "coroner/secrets/run_finder.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace coroner {

// Each step of `width` bytes is tested for what is rare in memory, and only then are bytes looked at one by
// one:
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
              std::vector<Span>& spans, std::vector<WideRun>* wide);

    // From `at` on, while a whole step fits before `end`, each step also given to `each_step` (its first
    // byte's offset); `at` is left after the last step.
    template <class Masks, class EachStep>
    void steps(std::size_t& at, std::size_t end, EachStep&& each_step);
    template <class Masks>
    void steps(std::size_t& at) {
        steps<Masks>(at, size_, [](std::size_t) {});
    }
    // From `at` on to the end: the steps at `level` and narrower ones, then the last bytes.
    void go_on(std::size_t at, SimdLevel level);

private:
    void finish(std::size_t at);
    __attribute__((noinline)) void measure_long(std::size_t step, std::uint64_t starts, bool across, std::size_t first);
    void measure(std::size_t at, bool need_four);
    __attribute__((noinline)) void test_windows(std::size_t step, std::uint64_t straddling, std::uint64_t inside);
    void extend_wide(std::size_t at, unsigned align);

    static unsigned trailing_ones(std::uint64_t bits) {
        return bits == ~0ull ? 64 : static_cast<unsigned>(__builtin_ctzll(~bits));
    }
    static unsigned leading_ones(std::uint64_t bits) {
        return bits == ~0ull ? 64 : static_cast<unsigned>(__builtin_clzll(~bits));
    }

    // Per 16 bytes tested (bit k: data[k]), the character ends it needs: one after each of eight characters
    // at even offsets, or of seven at odd ones.
    static constexpr std::uint64_t even_characters = 0xAAAA, odd_characters = 0x5554;

    // In a 64-bit mask of character ends, the windows of 16 bytes at 8j (j <= 6) that hold eight characters
    // at even offsets (bit 8j+1 set) or seven at odd ones (bit 8j+2 set).
    static std::uint64_t windows_inside(std::uint64_t ends) {
        std::uint64_t two = ends & ends >> 2, four = two & two >> 4;
        std::uint64_t eight = four & four >> 8, seven = four & two >> 8 & ends >> 12;
        return (eight & 0x0002020202020202ull) | (seven & 0x0004040404040404ull);
    }

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

template <class Masks, class EachStep>
void RunFinder::steps(std::size_t& at, std::size_t end, EachStep&& each_step) {
    constexpr unsigned width = Masks::width;
    constexpr std::uint64_t all = width == 64 ? ~0ull : (1ull << width) - 1, last = 1ull << (width - 1);
    // Windows of 16 bytes that lie wholly inside a step: those at 8j for j <= width/8 - 2.
    constexpr std::uint64_t inside = width == 64 ? ~0ull : (1ull << (width - 8)) - 1;
    // Copied, not read through `this` each step: the calls out of line might change it, for all the compiler knows.
    const std::uint8_t* const data = data_;
    const std::size_t min_digits = min_digits_;
    const bool wide = wide_ != nullptr;
    const std::array<unsigned, 6> shifts = run_shifts_;
    std::size_t members_before = members_before_;
    std::uint64_t previous_digit = previous_digit_, previous_ends = previous_ends_;
    std::uint64_t previous_printable = previous_printable_;
    std::size_t i = at;
    for (; i + width <= end; i += width) {
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
            if (__builtin_expect((ends & ends >> 2) != 0, 0)) {
                // The 16 bytes from i-8.
                std::uint64_t straddling = (ends << 8 | ends_before) & 0xFFFF;
                std::uint64_t found = windows_inside(ends) & inside;
                bool across = (straddling & even_characters) == even_characters ||
                              (straddling & odd_characters) == odd_characters;
                if (__builtin_expect(found != 0 || across, 0)) test_windows(i, straddling, found);
            }
        }
        each_step(i);
    }
    members_before_ = members_before, previous_digit_ = previous_digit;
    previous_ends_ = previous_ends, previous_printable_ = previous_printable;
    at = i;
}

}  // namespace coroner
