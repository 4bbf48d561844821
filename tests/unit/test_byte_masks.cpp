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
