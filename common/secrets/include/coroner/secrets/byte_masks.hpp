// A bit per byte (bit k for p[k]): which bytes are ASCII digits, which are a space or a dash (what breaks a
// card number into groups), which are zero, which are printable ASCII.
// The secret scanner's pre-filter asks this of every byte of a core. This is about the machine coroner
// runs on, not the analysed CPU: 16 bytes a step in plain C++ (everywhere) or SSE2 (every x86-64), 32 with
// AVX2 and 64 with AVX-512BW where the host has them (run_finder.cpp picks one at run time). All give the
// same answers. CORONER_PORTABLE_BYTE_MASKS defined leaves only the plain C++.
#pragma once

#include <cstdint>

#if (defined(__x86_64__) || defined(__i386__)) && defined(__SSE2__) && !defined(CORONER_PORTABLE_BYTE_MASKS)
#include <immintrin.h>
#define CORONER_BYTE_MASKS_SSE2 1
// AVX2 and AVX-512BW versions, compiled for those CPUs whatever the build targets, called only where
// __builtin_cpu_supports says the host has them.
#define CORONER_BYTE_MASKS_WIDE 1
#endif

namespace coroner::byte_masks {

// One step's bits, in the low `width` bits of each.
struct StepMasks {
    std::uint64_t digits, breaks, zeros, printable;
};

inline bool is_printable(std::uint8_t c) { return c >= 0x20 && c < 0x7f; }

inline unsigned portable_digits16(const std::uint8_t* p) {
    unsigned mask = 0;
    for (unsigned k = 0; k < 16; k++) mask |= (static_cast<std::uint8_t>(p[k] - '0') < 10 ? 1u : 0u) << k;
    return mask;
}

inline unsigned portable_zeros16(const std::uint8_t* p) {
    unsigned mask = 0;
    for (unsigned k = 0; k < 16; k++) mask |= (p[k] == 0 ? 1u : 0u) << k;
    return mask;
}

inline unsigned portable_breaks16(const std::uint8_t* p) {
    unsigned mask = 0;
    for (unsigned k = 0; k < 16; k++) mask |= (p[k] == ' ' || p[k] == '-' ? 1u : 0u) << k;
    return mask;
}

inline unsigned portable_printable16(const std::uint8_t* p) {
    unsigned mask = 0;
    for (unsigned k = 0; k < 16; k++) mask |= (is_printable(p[k]) ? 1u : 0u) << k;
    return mask;
}

struct Portable16 {
    static constexpr unsigned width = 16;
    static StepMasks of(const std::uint8_t* p) {
        return {portable_digits16(p), portable_breaks16(p), portable_zeros16(p), portable_printable16(p)};
    }
};

#ifdef CORONER_BYTE_MASKS_SSE2
// A byte in [low, low + count), shifted down by low + 128, is one of the `count` smallest signed bytes
// (SSE2 and AVX2 compare signed bytes only).
inline __m128i sse2_in_range(__m128i bytes, char low, char count) {
    const __m128i shift = _mm_set1_epi8(static_cast<char>(-128 - low));
    const __m128i limit = _mm_set1_epi8(static_cast<char>(-128 + count));
    return _mm_cmplt_epi8(_mm_add_epi8(bytes, shift), limit);
}

inline unsigned sse2_digits16(const std::uint8_t* p) {
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    return static_cast<unsigned>(_mm_movemask_epi8(sse2_in_range(bytes, '0', 10)));
}

inline unsigned sse2_zeros16(const std::uint8_t* p) {
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    return static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(bytes, _mm_setzero_si128())));
}

struct Sse2 {
    static constexpr unsigned width = 16;
    static StepMasks of(const std::uint8_t* p) {
        const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
        auto mask = [](__m128i m) { return static_cast<std::uint64_t>(static_cast<unsigned>(_mm_movemask_epi8(m))); };
        const __m128i breaks =
            _mm_or_si128(_mm_cmpeq_epi8(bytes, _mm_set1_epi8(' ')), _mm_cmpeq_epi8(bytes, _mm_set1_epi8('-')));
        return {mask(sse2_in_range(bytes, '0', 10)), mask(breaks), mask(_mm_cmpeq_epi8(bytes, _mm_setzero_si128())),
                mask(sse2_in_range(bytes, 0x20, 0x5f))};
    }
};

inline unsigned digits16(const std::uint8_t* p) { return sse2_digits16(p); }
inline unsigned zeros16(const std::uint8_t* p) { return sse2_zeros16(p); }
#else
inline unsigned digits16(const std::uint8_t* p) { return portable_digits16(p); }
inline unsigned zeros16(const std::uint8_t* p) { return portable_zeros16(p); }
#endif

#ifdef CORONER_BYTE_MASKS_WIDE
struct Avx2 {
    static constexpr unsigned width = 32;
    __attribute__((target("avx2"))) static __m256i in_range(__m256i bytes, char low, char count) {
        const __m256i shift = _mm256_set1_epi8(static_cast<char>(-128 - low));
        const __m256i limit = _mm256_set1_epi8(static_cast<char>(-128 + count));
        return _mm256_cmpgt_epi8(limit, _mm256_add_epi8(bytes, shift));
    }
    __attribute__((target("avx2"))) static std::uint64_t mask(__m256i m) {
        return static_cast<std::uint32_t>(_mm256_movemask_epi8(m));
    }
    __attribute__((target("avx2"))) static StepMasks of(const std::uint8_t* p) {
        const __m256i bytes = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
        const __m256i breaks = _mm256_or_si256(_mm256_cmpeq_epi8(bytes, _mm256_set1_epi8(' ')),
                                               _mm256_cmpeq_epi8(bytes, _mm256_set1_epi8('-')));
        return {mask(in_range(bytes, '0', 10)), mask(breaks), mask(_mm256_cmpeq_epi8(bytes, _mm256_setzero_si256())),
                mask(in_range(bytes, 0x20, 0x5f))};
    }
};

struct Avx512bw {
    static constexpr unsigned width = 64;
    // Unsigned compares straight into a mask register: a byte in [low, low + count) once shifted down by low.
    __attribute__((target("avx512bw"))) static std::uint64_t in_range(__m512i bytes, char low, char count) {
        return _mm512_cmplt_epu8_mask(_mm512_sub_epi8(bytes, _mm512_set1_epi8(low)), _mm512_set1_epi8(count));
    }
    __attribute__((target("avx512bw"))) static StepMasks of(const std::uint8_t* p) {
        const __m512i bytes = _mm512_loadu_si512(p);
        const std::uint64_t breaks =
            _mm512_cmpeq_epi8_mask(bytes, _mm512_set1_epi8(' ')) | _mm512_cmpeq_epi8_mask(bytes, _mm512_set1_epi8('-'));
        return {in_range(bytes, '0', 10), breaks, _mm512_testn_epi8_mask(bytes, bytes), in_range(bytes, 0x20, 0x5f)};
    }
};
#endif

}  // namespace coroner::byte_masks
