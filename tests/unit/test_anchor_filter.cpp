#include "coroner/secrets/anchor_filter.hpp"
#include "coroner/secrets/secret_rules.hpp"

#include <doctest/doctest.h>
#include <hs/hs.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

using namespace coroner;

namespace {

std::vector<AnchorLiteral> builtin_anchors() {
    std::vector<AnchorLiteral> anchors;
    for (const SecretRule& rule : secret_rules()->rules())
        for (const std::string& a : rule.anchors) anchors.push_back({a, rule.caseless});
    return anchors;
}

int collect(unsigned id, unsigned long long, unsigned long long to, unsigned, void* context) {
    static_cast<std::vector<AnchorEnd>*>(context)->push_back({id, static_cast<std::size_t>(to)});
    return 0;
}

// What Vectorscan's literal database of the built-in rules' anchors finds: the answer the filter must give.
std::vector<AnchorEnd> vectorscan_ends(const std::uint8_t* data, std::size_t size) {
    static hs_scratch_t* scratch = nullptr;
    hs_database_t* db = secret_rules()->anchor_database();
    REQUIRE(hs_alloc_scratch(db, &scratch) == HS_SUCCESS);
    std::vector<AnchorEnd> ends;
    REQUIRE(hs_scan(db, reinterpret_cast<const char*>(data), static_cast<unsigned>(size), 0, scratch, collect, &ends) ==
            HS_SUCCESS);
    return ends;
}

std::vector<std::pair<std::size_t, std::size_t>> sorted(const std::vector<AnchorEnd>& ends) {
    std::vector<std::pair<std::size_t, std::size_t>> out;
    for (const auto& e : ends) out.emplace_back(e.end, e.anchor);
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<AnchorKernel> kernels() {
    std::vector<AnchorKernel> k{AnchorKernel::portable};
    if (anchor_vbmi_available()) k.push_back(AnchorKernel::vbmi);
    return k;
}

// Random bytes, printable text and zeros, with the built-in anchors planted in random case (a caseless
// anchor's case is changed; a case-sensitive one's too, which must then not be found) and cut off at random.
std::vector<std::uint8_t> planted_bytes(std::size_t size, const std::vector<AnchorLiteral>& anchors,
                                        std::mt19937& rng) {
    std::vector<std::uint8_t> bytes(size);
    for (std::size_t i = 0; i < size;) {
        std::size_t run = std::min<std::size_t>(size - i, 1 + rng() % 200);
        int kind = static_cast<int>(rng() % 4);
        for (std::size_t k = 0; k < run; k++)
            bytes[i + k] = kind == 0   ? static_cast<std::uint8_t>(rng())
                           : kind == 1 ? static_cast<std::uint8_t>(0x20 + rng() % 0x5f)
                           : kind == 2 ? 0
                                       : static_cast<std::uint8_t>("etaoin shrdlu=:_-/"[rng() % 18]);
        i += run;
    }
    for (std::size_t n = size / 40; n > 0; n--) {
        const AnchorLiteral& a = anchors[rng() % anchors.size()];
        std::size_t at = rng() % (size + 1);
        for (std::size_t k = 0; k < a.text.size() && at + k < size; k++) {
            auto c = static_cast<std::uint8_t>(a.text[k]);
            if (std::isalpha(c) && rng() % 3 == 0) c ^= 0x20;
            if (rng() % 50 == 0) c = static_cast<std::uint8_t>(rng());
            bytes[at + k] = c;
        }
    }
    return bytes;
}

}  // namespace

TEST_CASE("the anchor filter finds every anchor Vectorscan's literal database finds, and nothing else") {
    std::vector<AnchorLiteral> anchors = builtin_anchors();
    auto filter = AnchorFilter::build(anchors);
    REQUIRE(filter);
    std::string vbmi = anchor_vbmi_available() ? "portable and vbmi" : "portable only (the scan keeps Vectorscan's)";
    MESSAGE("the anchor filter's kernels tested on this host: " << vbmi);
    std::mt19937 rng(18);
    std::vector<std::size_t> sizes;
    for (std::size_t s = 0; s <= 200; s++) sizes.push_back(s);  // every length around the 64-byte steps' edges
    for (int k = 0; k < 30; k++) sizes.push_back(200 + rng() % 30000);
    std::size_t found = 0;
    for (std::size_t size : sizes) {
        std::vector<std::uint8_t> bytes = planted_bytes(size + 64, anchors, rng);
        const std::uint8_t* data = bytes.data() + rng() % 64;  // every alignment in memory
        auto expected = sorted(vectorscan_ends(data, size));
        for (AnchorKernel kernel : kernels()) {
            CAPTURE(size);
            CAPTURE(kernel == AnchorKernel::vbmi);
            std::vector<AnchorEnd> ends;
            filter->find(data, size, ends, kernel);
            REQUIRE(sorted(ends) == expected);
        }
        found += expected.size();
    }
    CHECK(found > 2000);  // the buffers did hold anchors, many times
}

TEST_CASE("the anchor filter: an anchor at each edge of a 64-byte step and at the buffer's ends, in either case") {
    std::vector<AnchorLiteral> anchors = {
        {"password", true}, {"AKIA", false}, {"-p", false}, {"aws", true}, {"-----BEGIN ", false}};
    auto filter = AnchorFilter::build(anchors);
    REQUIRE(filter);
    for (std::size_t a = 0; a < anchors.size(); a++)
        for (std::size_t at : {0u, 1u, 60u, 61u, 62u, 63u, 64u, 65u, 127u, 128u}) {
            for (bool upper : {false, true}) {
                std::string text = anchors[a].text;
                if (upper)
                    std::transform(text.begin(), text.end(), text.begin(), [](char c) { return std::toupper(c); });
                bool expected = !upper || anchors[a].caseless || text == anchors[a].text;
                for (std::size_t tail : {0u, 1u, 70u}) {
                    std::vector<std::uint8_t> bytes(at, 0x80);  // not ASCII: no anchor's four
                    bytes.insert(bytes.end(), text.begin(), text.end());
                    bytes.insert(bytes.end(), tail, 0xff);
                    for (AnchorKernel kernel : kernels()) {
                        CAPTURE(anchors[a].text);
                        CAPTURE(at);
                        CAPTURE(upper);
                        CAPTURE(tail);
                        std::vector<AnchorEnd> ends;
                        filter->find(bytes.data(), bytes.size(), ends, kernel);
                        std::vector<std::pair<std::size_t, std::size_t>> want;
                        if (expected) want.emplace_back(at + text.size(), a);
                        CHECK(sorted(ends) == want);
                        // Cut one byte short of its end, it is not there.
                        ends.clear();
                        filter->find(bytes.data(), at + text.size() - 1, ends, kernel);
                        CHECK(ends.empty());
                    }
                }
            }
        }
}

TEST_CASE("the anchor filter takes ASCII anchors only, and keeps random bytes' candidates rare") {
    CHECK_FALSE(AnchorFilter::build({{"", false}}));
    CHECK_FALSE(AnchorFilter::build({{"pass", true}, {"p\xc3\xa4ss", false}}));
    auto filter = AnchorFilter::build(builtin_anchors());
    REQUIRE(filter);
    // Of the built-in rules' 200 anchors, some of two and three bytes and many ignoring case: each bucket
    // accepts few four-byte strings, so a scan of random memory checks few places.
    MESSAGE("candidates in random bytes: at most " << filter->random_candidate_rate() * 100 << "% of positions");
    CHECK(filter->random_candidate_rate() < 0.001);
    CHECK(secret_rules()->anchor_filter() != nullptr);
}
