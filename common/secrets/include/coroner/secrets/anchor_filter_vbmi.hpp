// The anchor filter's AVX-512 VBMI kernel, one 64-byte step at a time, inline: the secret scan's pre-filter
// runs it in the same loop as the digit and UTF-16 pass (prefilter.cpp), whose work is on other execution
// units than this kernel's table lookups, so that the two overlap. Only for code compiled for
// avx512bw,avx512vbmi and run where anchor_vbmi_available().
#pragma once

#include "coroner/secrets/anchor_filter.hpp"
#include "coroner/secrets/byte_masks.hpp"

#include <cstring>

#ifdef CORONER_BYTE_MASKS_WIDE
namespace coroner {

// For each of the four byte positions, a lookup of the step's 64 bytes in that position's table of each
// eight buckets (vpermi2b takes the low seven bits of each byte; a byte with its top bit set gets any_
// instead), ANDed over the four. A position some bucket accepts is compared with that bucket's anchors'
// heads eight at a time, then whole. Loads reach seven bytes past the step (a candidate's head): steps end
// at end(), the rest is finish()'s.
class AnchorFilter::VbmiSteps {
public:
    __attribute__((target("avx512bw,avx512vbmi"))) inline VbmiSteps(const AnchorFilter& filter,
                                                                    const std::uint8_t* data, std::size_t size,
                                                                    std::vector<AnchorEnd>& out)
        : filter_(filter), data_(data), size_(size), out_(out) {
        for (std::size_t h = 0; h < 2; h++)
            for (std::size_t k = 0; k < window; k++) {
                low_[h][k] = _mm512_loadu_si512(filter.tables_[h][k].data());
                high_[h][k] = _mm512_loadu_si512(filter.tables_[h][k].data() + 64);
                any_[h][k] = _mm512_set1_epi8(static_cast<char>(filter.any_[h][k]));
            }
    }

    // Steps of 64 bytes from 0 may cover [at, at + 64) while at + 64 <= end().
    std::size_t end() const { return size_ >= head_bytes - 1 ? size_ - (head_bytes - 1) : 0; }

    __attribute__((target("avx512bw,avx512vbmi"))) inline void operator()(std::size_t at) {
        __m512i all[2] = {_mm512_set1_epi8(-1), _mm512_set1_epi8(-1)};
#pragma GCC unroll 4
        for (std::size_t k = 0; k < window; k++) {
            const __m512i bytes = _mm512_loadu_si512(data_ + at + k);
            const __mmask64 not_ascii = _mm512_movepi8_mask(bytes);
            for (std::size_t h = 0; h < 2; h++) {
                const __m512i looked_up = _mm512_permutex2var_epi8(low_[h][k], bytes, high_[h][k]);
                all[h] = _mm512_and_si512(all[h], _mm512_mask_blend_epi8(not_ascii, looked_up, any_[h][k]));
            }
        }
        std::uint64_t candidates = _mm512_test_epi8_mask(all[0], all[0]) | _mm512_test_epi8_mask(all[1], all[1]);
        if (__builtin_expect(candidates != 0, 0)) check(at, candidates, all);
    }

    // The positions from `at` on that the steps left, one by one.
    void finish(std::size_t at) const { filter_.find_portable(data_, size_, at, out_); }

private:
    // Inlined too (the callers flatten): a call would save the 24 table registers on every step with a
    // candidate (14 ns a candidate in text); only a real match's call (check_whole) does.
    __attribute__((target("avx512bw,avx512vbmi"))) inline void check(std::size_t at, std::uint64_t candidates,
                                                                     const __m512i (&all)[2]) {
        alignas(64) std::uint8_t accepted[2][64];
        _mm512_store_si512(accepted[0], all[0]);
        _mm512_store_si512(accepted[1], all[1]);
        for (; candidates != 0; candidates &= candidates - 1) {
            auto bit = static_cast<std::size_t>(__builtin_ctzll(candidates));
            std::uint64_t eight;
            std::memcpy(&eight, data_ + at + bit, head_bytes);
            const __m512i word = _mm512_set1_epi64(static_cast<long long>(eight));
            // Each bucket's anchors' heads, eight at a time.
            for (unsigned b = accepted[0][bit] | static_cast<unsigned>(accepted[1][bit]) << 8; b != 0; b &= b - 1) {
                const auto bucket = static_cast<std::size_t>(__builtin_ctz(b));
                const Heads& h = filter_.heads_[bucket];
                for (std::size_t i = 0; i < h.head.size(); i += 8) {
                    const __m512i masked = _mm512_and_si512(_mm512_or_si512(word, _mm512_loadu_si512(&h.fold[i])),
                                                            _mm512_loadu_si512(&h.present[i]));
                    const __mmask8 heads = _mm512_cmpeq_epi64_mask(masked, _mm512_loadu_si512(&h.head[i]));
                    if (__builtin_expect(heads != 0, 0))
                        for (__mmask8 m = heads; m != 0; m = static_cast<__mmask8>(m & (m - 1)))
                            check_whole(filter_.entries_[bucket][i + static_cast<std::size_t>(__builtin_ctz(m))], data_,
                                        size_, at + bit, out_);
                }
            }
        }
    }

    const AnchorFilter& filter_;
    const std::uint8_t* data_;
    std::size_t size_;
    std::vector<AnchorEnd>& out_;
    __m512i low_[2][window], high_[2][window], any_[2][window];
};

}  // namespace coroner
#endif
