#include "coroner/secrets/byte_masks.hpp"
#include "coroner/secrets/prefilter.hpp"
#include "coroner/secrets/run_finder.hpp"
#include "coroner/secrets/secret_rules.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

using namespace coroner;

namespace {

// The pass as the scan had it before the wider steps (issue 18), word for word but for the names and the
// line breaks: the reference every level must agree with.
bool reference_is_digit(std::uint8_t c) { return c >= '0' && c <= '9'; }
bool reference_is_digit_break(std::uint8_t c) { return c == ' ' || c == '-'; }

struct ReferenceDigitRun {
    std::size_t from, to, digits;
};

// The run of digits (broken only by single spaces or dashes) that holds the digit at `at`, not reaching
// back before `floor`.
ReferenceDigitRun reference_digit_run_at(const std::uint8_t* data, std::size_t size, std::size_t at,
                                         std::size_t floor) {
    std::size_t from = at;
    while (from > floor &&
           (reference_is_digit(data[from - 1]) ||
            (from >= floor + 2 && reference_is_digit_break(data[from - 1]) && reference_is_digit(data[from - 2]))))
        from--;
    ReferenceDigitRun run{from, from, 0};
    while (run.to < size &&
           (reference_is_digit(data[run.to]) || (run.to > from && reference_is_digit_break(data[run.to]) &&
                                                 run.to + 1 < size && reference_is_digit(data[run.to + 1])))) {
        run.digits += reference_is_digit(data[run.to]);
        run.to++;
    }
    return run;
}

bool reference_printable(std::uint8_t c) { return c >= 0x20 && c < 0x7f; }

// One pass, sixteen bytes a step (SSE2 where the host has it, see byte_masks.hpp), for what the anchors
// cannot find:
// - around each run of at least `min_digits` digits (0: none wanted) broken only by single spaces or dashes
//   (a card number as people write it), the stretch a match could cover. Four digits in a row start every
//   such run, and memory seldom holds them, so the step tests for four (with the last three bytes of the
//   step before, for a run across the edge); only then is a run measured byte by byte;
// - with `wide`, each run of at least shortest_utf16 UTF-16LE printable characters: every eight bytes, the
//   sixteen from there are tested for zero bytes at every odd (or every even) position; a candidate is then
//   extended byte by byte. A run of 12 characters always covers one such test.
void reference_find_runs(const std::uint8_t* data, std::size_t size, std::size_t min_digits, std::size_t reach,
                         std::vector<Span>& spans, std::vector<WideRun>* wide) {
    std::size_t digits_done = 0;        // digit runs end before here
    std::size_t wide_done[2] = {0, 0};  // runs of characters at even (odd) addresses end before here
    auto measure_digits = [&](std::size_t at) {
        if (at < digits_done) return;
        ReferenceDigitRun run = reference_digit_run_at(data, size, at, digits_done);
        if (run.digits >= min_digits)
            spans.push_back({run.from > reach ? run.from - reach : 0, std::min(size, run.to + reach)});
        digits_done = std::max(run.to, at + 1);
    };
    auto test_wide = [&](std::size_t at16, unsigned zeros) {  // zeros: a bit for each of data[at16..at16+16)
        for (std::size_t align = 0; align < 2; align++) {
            // Characters at even offsets have their zero high bytes at odd ones, and the other way round.
            unsigned high = align == 0 ? 0xAAAAu : 0x5554u;
            std::size_t at = at16 + align;
            if ((zeros & high) != high || at < wide_done[align] || !reference_printable(data[at])) continue;
            std::size_t from = at, to = at;
            while (from >= 2 && from - 2 >= wide_done[align] && data[from - 1] == 0 &&
                   reference_printable(data[from - 2]))
                from -= 2;
            while (to + 1 < size && data[to + 1] == 0 && reference_printable(data[to])) to += 2;
            if ((to - from) / 2 >= shortest_utf16) wide->push_back({from, to});
            wide_done[align] = to;
        }
    };
    auto maybe_wide = [](unsigned zeros) { return (zeros & 0xAAAAu) == 0xAAAAu || (zeros & 0x5554u) == 0x5554u; };
    unsigned previous_digits = 0, previous_zeros = 0;  // of the last sixteen bytes, a bit each
    std::size_t i = 0;
    for (; i + 16 <= size; i += 16) {
        if (min_digits) {
            unsigned digits = byte_masks::digits16(data + i);
            unsigned last19 =
                (digits << 3) | (previous_digits >> 13);  // bit k+3 is data[i+k]; bits 0-2, the three before
            previous_digits = digits;
            unsigned pairs = last19 & (last19 >> 1);
            // Bit k: four digits from data[i-3+k] on.
            for (unsigned fours = pairs & (pairs >> 2); fours != 0; fours &= fours - 1) {
                std::size_t at = i + static_cast<std::size_t>(__builtin_ctz(fours));
                if (at >= 3) measure_digits(at - 3);
            }
        }
        if (wide) {
            unsigned zeros = byte_masks::zeros16(data + i);
            unsigned straddling = ((zeros << 16 | previous_zeros) >> 8) & 0xFFFFu;  // data[i-8..i+8)
            previous_zeros = zeros;
            if (__builtin_expect(i >= 8 && maybe_wide(straddling), 0)) test_wide(i - 8, straddling);
            if (__builtin_expect(maybe_wide(zeros), 0)) test_wide(i, zeros);
        }
    }
    // The last bytes, fewer than a step.
    if (min_digits)
        for (std::size_t at = i >= 3 ? i - 3 : 0; at < size; at++)
            if (reference_is_digit(data[at])) measure_digits(at);
    if (wide && i >= 8 && i + 8 <= size) {
        test_wide(i - 8, byte_masks::zeros16(data + i - 8));
    }
}

// Bytes as memory holds them, many of the kinds the pass looks for: random bytes, zeros, digits, spaces
// and dashes, printable text, UTF-16 characters.
std::vector<std::uint8_t> mixed_memory_bytes(std::size_t size, std::mt19937& rng) {
    std::vector<std::uint8_t> bytes(size);
    for (std::size_t i = 0; i < size;) {
        std::size_t length = 1 + rng() % 40;
        unsigned kind = rng() % 6;
        for (std::size_t k = 0; k < length && i < size; k++, i++) {
            switch (kind) {
            case 0: bytes[i] = static_cast<std::uint8_t>(rng()); break;
            case 1: bytes[i] = 0; break;
            case 2: bytes[i] = static_cast<std::uint8_t>(rng() % 5 == 0 ? " -"[rng() % 2] : '0' + rng() % 10); break;
            case 3: bytes[i] = static_cast<std::uint8_t>(0x20 + rng() % 0x5f); break;
            default: bytes[i] = (i % 2 == kind % 2) ? static_cast<std::uint8_t>(0x1f + rng() % 0x62) : 0; break;
            }
        }
    }
    return bytes;
}

void plant_run(std::vector<std::uint8_t>& bytes, std::size_t at, const std::string& text, bool utf16) {
    for (std::size_t k = 0; k < text.size(); k++) {
        std::size_t to = utf16 ? at + 2 * k : at + k;
        if (to < bytes.size()) bytes[to] = static_cast<std::uint8_t>(text[k]);
        if (utf16 && to + 1 < bytes.size()) bytes[to + 1] = 0;
    }
}

// Card numbers and UTF-16 text of just under, at and over the lengths looked for, at and around the edges of
// every step width (16, 32, 64 bytes) and at both ends of the buffer.
std::vector<std::uint8_t> bytes_with_runs_planted(std::size_t size, std::mt19937& rng) {
    std::vector<std::uint8_t> bytes = mixed_memory_bytes(size, rng);
    const std::string numbers[] = {"4539148803436467", "5105 1051 0510 5100", "4111-1111-1111-1111",
                                   "1 2 3 4 5 6 7 8 9 0 1 2 3", "123412341234"};
    const std::string texts[] = {"abcdefghijk", "abcdefghijkl", "password=hunter2!", "x=Zm9vYmFyYmF6cXV4MTIzNDU2"};
    for (std::size_t at = 0; at < size; at += 64 + rng() % 200) {
        std::size_t where = at + rng() % 9 - (at >= 4 ? 4 : 0);  // around a multiple of 64
        if (rng() % 2)
            plant_run(bytes, where, numbers[rng() % 5], false);
        else
            plant_run(bytes, where, texts[rng() % 4], true);
    }
    const std::string& last_text = texts[3];
    if (size > 2 * last_text.size() + 1) {
        plant_run(bytes, size - 2 * last_text.size(), last_text, true);  // ending at the very end
        plant_run(bytes, 0, texts[2], true);
    }
    if (size > 40) plant_run(bytes, size - 17, numbers[1], false);  // cut by the end
    return bytes;
}

struct FoundRuns {
    std::vector<Span> spans;
    std::vector<WideRun> wide;
};

FoundRuns runs_found_at(SimdLevel level, const std::uint8_t* data, std::size_t size, std::size_t min_digits) {
    FoundRuns f;
    find_runs(data, size, min_digits, 100, f.spans, &f.wide, level);
    return f;
}

bool same_runs_found(const FoundRuns& a, const FoundRuns& b) {
    auto span_eq = [](const Span& x, const Span& y) { return x.from == y.from && x.to == y.to; };
    auto wide_eq = [](const WideRun& x, const WideRun& y) { return x.from == y.from && x.to == y.to; };
    return std::equal(a.spans.begin(), a.spans.end(), b.spans.begin(), b.spans.end(), span_eq) &&
           std::equal(a.wide.begin(), a.wide.end(), b.wide.begin(), b.wide.end(), wide_eq);
}

// The UTF-16 runs the pass must find, the slow way: every longest run of printable characters each followed
// by a zero byte, of at least shortest_utf16, by start.
std::vector<WideRun> wide_runs_by_hand(const std::uint8_t* data, std::size_t size) {
    std::vector<WideRun> runs;
    for (std::size_t align = 0; align < 2; align++)
        for (std::size_t at = align; at + 1 < size;) {
            std::size_t to = at;
            while (to + 1 < size && data[to + 1] == 0 && byte_masks::is_printable(data[to])) to += 2;
            if ((to - at) / 2 >= shortest_utf16) runs.push_back({at, to});
            at = to == at ? at + 2 : to;
        }
    std::sort(runs.begin(), runs.end(), [](const WideRun& a, const WideRun& b) { return a.from < b.from; });
    return runs;
}

}  // namespace

TEST_CASE(
    "the secret pre-filter's levels (portable, SSE2, AVX2, AVX-512BW): the same spans and UTF-16 runs as "
    "before") {
    std::vector<SimdLevel> levels = simd_levels_available();
    std::string names;
    for (SimdLevel level : levels) names += std::string(" ") + simd_level_name(level);
    MESSAGE("levels this host runs:" << names << "; the scan uses " << std::string(simd_level_name(simd_level())));
    REQUIRE(levels.front() == SimdLevel::portable);
    CHECK(std::find(levels.begin(), levels.end(), simd_level()) != levels.end());
#if defined(__x86_64__) && !defined(CORONER_PORTABLE_BYTE_MASKS)
    CHECK(std::find(levels.begin(), levels.end(), SimdLevel::sse2) != levels.end());
    CHECK((std::find(levels.begin(), levels.end(), SimdLevel::avx2) != levels.end()) ==
          static_cast<bool>(__builtin_cpu_supports("avx2")));
    CHECK((std::find(levels.begin(), levels.end(), SimdLevel::avx512bw) != levels.end()) ==
          static_cast<bool>(__builtin_cpu_supports("avx512bw")));
#endif
    std::mt19937 rng(18);
    std::size_t spans = 0, wide = 0, compared = 0;
    // Every size up to a few steps (so that each width's last step and the last bytes vary), then larger
    // ones; each at every alignment of the data in memory.
    std::vector<std::size_t> sizes;
    for (std::size_t s = 0; s <= 300; s++) sizes.push_back(s);
    for (int k = 0; k < 40; k++) sizes.push_back(300 + rng() % 20000);
    for (std::size_t size : sizes) {
        std::vector<std::uint8_t> bytes = bytes_with_runs_planted(size + 64, rng);
        std::size_t shift = rng() % 64;
        const std::uint8_t* data = bytes.data() + shift;
        for (std::size_t min_digits : {13u, 0u}) {
            FoundRuns portable = runs_found_at(SimdLevel::portable, data, size, min_digits);
            FoundRuns before;
            reference_find_runs(data, size, min_digits, 100, before.spans, &before.wide);
            REQUIRE(same_runs_found(portable, before));
            REQUIRE(same_runs_found(portable, FoundRuns{portable.spans, wide_runs_by_hand(data, size)}));
            for (SimdLevel level : levels) {
                CAPTURE(simd_level_name(level));
                CAPTURE(size);
                CAPTURE(min_digits);
                REQUIRE(same_runs_found(runs_found_at(level, data, size, min_digits), portable));
                compared++;
            }
            spans += portable.spans.size();
            wide += portable.wide.size();
        }
    }
    // The buffers did hold what is looked for, many times.
    CHECK(spans > 1000);
    CHECK(wide > 1000);
    CHECK(compared >= 2 * sizes.size() * levels.size());
}

TEST_CASE("the secret pre-filter: a card number and UTF-16 text across step edges and at the buffer's end") {
    for (std::size_t at : {0u, 13u, 15u, 16u, 29u, 31u, 32u, 60u, 63u, 64u, 65u, 127u}) {
        for (SimdLevel level : simd_levels_available()) {
            CAPTURE(at);
            CAPTURE(simd_level_name(level));
            std::vector<std::uint8_t> bytes(200, 0x7f);
            plant_run(bytes, at, "4539 1488 0343 6467", false);
            FoundRuns f;
            find_runs(bytes.data(), bytes.size(), 13, 10, f.spans, &f.wide, level);
            REQUIRE(f.spans.size() == 1);
            CHECK(f.spans[0].from == (at > 10 ? at - 10 : 0));
            CHECK(f.spans[0].to == at + 19 + 10);
            CHECK(f.wide.empty());

            // 14 characters; with `cut`, the buffer ends before the last one's zero byte, which leaves it out.
            for (std::size_t cut : {0u, 1u}) {
                std::vector<std::uint8_t> text(at + 28 - cut, 0xff);
                plant_run(text, at, "hunter2hunter2", true);
                FoundRuns t;
                find_runs(text.data(), text.size(), 13, 10, t.spans, &t.wide, level);
                REQUIRE(t.wide.size() == 1);
                CHECK(t.wide[0].from == at);
                CHECK(t.wide[0].to == at + (cut ? 26 : 28));
                CHECK(t.spans.empty());
            }
        }
    }
}

TEST_CASE("the secret pre-filter: a digit run touching a step's edge is measured by its whole length") {
    // Log text full of short runs (dates, ids) that touch the steps' edges, and a run planted at every
    // offset, each with just the digits wanted: found, also where they lie mostly past an edge (40 wanted);
    // one digit fewer, and nothing is found.
    const std::string log = "2026-11-26T07:00:00Z id=4242 took=12ms ";
    struct Run {
        std::size_t wanted;
        std::string run;
    } runs[] = {{13, "4539 1488 0343 6"},
                {13, "4539-1488-03436"},
                {40, std::string(40, '7')},
                {40, std::string(20, '7') + " " + std::string(20, '7')}};
    for (const auto& [wanted, run] : runs)
        for (bool short_by_one : {false, true})
            for (SimdLevel level : simd_levels_available())
                for (std::size_t at = 1; at < 150; at++) {
                    CAPTURE(run);
                    CAPTURE(short_by_one);
                    CAPTURE(simd_level_name(level));
                    CAPTURE(at);
                    std::string planted = short_by_one ? run.substr(1) : run;
                    std::string memory;
                    while (memory.size() < 300) memory += log;
                    memory.replace(at - 1, planted.size() + 2, "x" + planted + "x");
                    std::vector<std::uint8_t> bytes(memory.begin(), memory.end());
                    std::vector<Span> spans;
                    find_runs(bytes.data(), bytes.size(), wanted, 0, spans, nullptr, level);
                    if (short_by_one) {
                        CHECK(spans.empty());
                    } else {
                        REQUIRE(spans.size() == 1);
                        CHECK(spans[0].from == at);
                        CHECK(spans[0].to == at + planted.size());
                    }
                }
}

TEST_CASE("the secret pre-filter's levels are named for CORONER_SIMD") {
    for (SimdLevel level : {SimdLevel::portable, SimdLevel::sse2, SimdLevel::avx2, SimdLevel::avx512bw})
        CHECK(simd_level_named(simd_level_name(level)) == level);
    CHECK_FALSE(simd_level_named("avx"));
    CHECK_FALSE(simd_level_named(""));
}

TEST_CASE("the secret pre-filter's one loop finds what the anchor filter and the run finder find apart") {
    std::vector<AnchorLiteral> anchors;
    for (const SecretRule& rule : secret_rules()->rules())
        for (const std::string& a : rule.anchors) anchors.push_back({a, rule.caseless});
    auto filter = AnchorFilter::build(anchors);
    REQUIRE(filter);
    MESSAGE("the one loop runs on this host: " << (anchor_vbmi_available() ? "yes" : "no (one pass, then the other)"));
    auto sorted = [](std::vector<AnchorEnd> ends) {
        std::vector<std::pair<std::size_t, std::size_t>> out;
        for (const auto& e : ends) out.emplace_back(e.end, e.anchor);
        std::sort(out.begin(), out.end());
        return out;
    };
    std::mt19937 rng(1818);
    std::vector<std::size_t> sizes;
    for (std::size_t s = 0; s <= 300; s++) sizes.push_back(s);  // around the steps' and the anchors' tail's edges
    for (int k = 0; k < 40; k++) sizes.push_back(300 + rng() % 20000);
    std::size_t anchors_found = 0, spans_found = 0, wide_found = 0;
    for (std::size_t size : sizes) {
        std::vector<std::uint8_t> bytes = bytes_with_runs_planted(size + 64, rng);
        for (std::size_t n = size / 50 + 1; n > 0; n--)  // anchors, some cut by the end
            plant_run(bytes, rng() % (size + 1), anchors[rng() % anchors.size()].text, false);
        const std::uint8_t* data = bytes.data() + rng() % 64;
        for (std::size_t min_digits : {13u, 0u})
            for (bool wide : {true, false}) {
                CAPTURE(size);
                CAPTURE(min_digits);
                CAPTURE(wide);
                std::vector<AnchorEnd> apart_anchors, one_anchors;
                FoundRuns apart, one;
                filter->find(data, size, apart_anchors, AnchorKernel::portable);
                find_runs(data, size, min_digits, 100, apart.spans, wide ? &apart.wide : nullptr, SimdLevel::portable);
                find_anchors_and_runs(*filter, data, size, one_anchors, min_digits, 100, one.spans,
                                      wide ? &one.wide : nullptr);
                REQUIRE(sorted(one_anchors) == sorted(apart_anchors));
                REQUIRE(same_runs_found(one, apart));
                anchors_found += apart_anchors.size(), spans_found += apart.spans.size();
                wide_found += apart.wide.size();
            }
    }
    CHECK(anchors_found > 1000);
    CHECK(spans_found > 1000);
    CHECK(wide_found > 1000);
}
