// Sixteen bytes at a time, a bit per byte (bit k for p[k]): which are ASCII digits, which are zero. The
// secret scanner's pre-filter asks this of every byte of a core. This is about the machine coroner runs on,
// not the analysed CPU: SSE2 where the compiler targets it (__SSE2__), plain C++ with the same answers
// elsewhere, or everywhere with CORONER_PORTABLE_BYTE_MASKS defined.
#pragma once

#include <cstdint>

#if defined(__SSE2__) && !defined(CORONER_PORTABLE_BYTE_MASKS)
#include <emmintrin.h>
#define CORONER_BYTE_MASKS_SSE2 1
#endif

namespace coroner::byte_masks {

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

#ifdef CORONER_BYTE_MASKS_SSE2
// A digit, shifted down by '0' + 128, is one of the ten smallest signed bytes.
inline unsigned sse2_digits16(const std::uint8_t* p) {
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const __m128i shift = _mm_set1_epi8(static_cast<char>(-128 - '0'));
    const __m128i limit = _mm_set1_epi8(static_cast<char>(-128 + 10));
    return static_cast<unsigned>(_mm_movemask_epi8(_mm_cmplt_epi8(_mm_add_epi8(bytes, shift), limit)));
}

inline unsigned sse2_zeros16(const std::uint8_t* p) {
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    return static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(bytes, _mm_setzero_si128())));
}

inline unsigned digits16(const std::uint8_t* p) { return sse2_digits16(p); }
inline unsigned zeros16(const std::uint8_t* p) { return sse2_zeros16(p); }
#else
inline unsigned digits16(const std::uint8_t* p) { return portable_digits16(p); }
inline unsigned zeros16(const std::uint8_t* p) { return portable_zeros16(p); }
#endif

}  // namespace coroner::byte_masks
