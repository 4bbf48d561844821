#include "coroner/secrets/byte_masks.hpp"

#include <doctest/doctest.h>

#include <random>
#include <vector>

using namespace coroner;

TEST_CASE("the secret pre-filter's byte masks: the portable fallback gives the host's SSE2 answers") {
    // Every byte value at every position, then random bytes.
    std::vector<std::uint8_t> bytes(256 + 16);
    for (std::size_t i = 0; i < bytes.size(); i++) bytes[i] = static_cast<std::uint8_t>(i);
    std::mt19937 rng(7);
    for (int i = 0; i < 4096; i++)
        bytes.push_back(static_cast<std::uint8_t>(rng() % 4 == 0 ? '0' + rng() % 10 : rng()));
    std::size_t checked = 0;
    for (std::size_t at = 0; at + 16 <= bytes.size(); at++, checked++) {
        const std::uint8_t* p = bytes.data() + at;
        unsigned digits = 0, zeros = 0;
        for (unsigned k = 0; k < 16; k++) {
            digits |= (p[k] >= '0' && p[k] <= '9' ? 1u : 0u) << k;
            zeros |= (p[k] == 0 ? 1u : 0u) << k;
        }
        REQUIRE(byte_masks::portable_digits16(p) == digits);
        REQUIRE(byte_masks::portable_zeros16(p) == zeros);
        REQUIRE(byte_masks::digits16(p) == digits);
        REQUIRE(byte_masks::zeros16(p) == zeros);
#ifdef CORONER_BYTE_MASKS_SSE2
        REQUIRE(byte_masks::sse2_digits16(p) == digits);
        REQUIRE(byte_masks::sse2_zeros16(p) == zeros);
#endif
    }
    CHECK(checked > 4000);
}

namespace {

// Bit k of each of a step's masks, as the bytes say.
template <class Masks>
void require_step_masks(const std::vector<std::uint8_t>& bytes) {
    for (std::size_t at = 0; at + Masks::width <= bytes.size(); at++) {
        const std::uint8_t* p = bytes.data() + at;
        byte_masks::StepMasks m = Masks::of(p);
        for (unsigned k = 0; k < Masks::width; k++) {
            REQUIRE(((m.digits >> k) & 1) == (p[k] >= '0' && p[k] <= '9'));
            REQUIRE(((m.breaks >> k) & 1) == (p[k] == ' ' || p[k] == '-'));
            REQUIRE(((m.zeros >> k) & 1) == (p[k] == 0));
            REQUIRE(((m.printable >> k) & 1) == (p[k] >= 0x20 && p[k] < 0x7f));
        }
        const std::uint64_t beyond = Masks::width == 64 ? 0 : ~0ull << Masks::width;
        REQUIRE(((m.digits | m.breaks | m.zeros | m.printable) & beyond) == 0);
    }
}

}  // namespace

TEST_CASE("the secret pre-filter's step masks, 16, 32 and 64 bytes a step, say what each byte is") {
    std::vector<std::uint8_t> bytes(256 + 64);
    for (std::size_t i = 0; i < bytes.size(); i++) bytes[i] = static_cast<std::uint8_t>(i * 7);
    std::mt19937 rng(18);
    for (int i = 0; i < 2048; i++)
        bytes.push_back(static_cast<std::uint8_t>(rng() % 3 == 0 ? " -0\x1f\x7f"[rng() % 5] : rng()));
    require_step_masks<byte_masks::Portable16>(bytes);
#ifdef CORONER_BYTE_MASKS_SSE2
    require_step_masks<byte_masks::Sse2>(bytes);
#endif
#ifdef CORONER_BYTE_MASKS_WIDE
    if (__builtin_cpu_supports("avx2")) require_step_masks<byte_masks::Avx2>(bytes);
    if (__builtin_cpu_supports("avx512bw")) require_step_masks<byte_masks::Avx512bw>(bytes);
    MESSAGE("AVX2 tested: " << (__builtin_cpu_supports("avx2") != 0)
                            << ", AVX-512BW tested: " << (__builtin_cpu_supports("avx512bw") != 0));
#endif
}
