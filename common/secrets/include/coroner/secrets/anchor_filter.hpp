// The secret scan's search for its rules' anchors (literal strings, some ignoring ASCII case) in every byte of
// a core, in the manner of Teddy (Hyperscan's small literal matcher): four bytes of each anchor (its rarest
// four in text, or all of a shorter one), sorted into sixteen buckets, are looked up for 64 positions at once
// (one AVX-512 VBMI table lookup per byte position and eight buckets), and each position where some bucket
// accepts all four is checked against that bucket's anchors whole. Where the host has AVX-512 VBMI this is
// several times faster than Vectorscan's literal matcher on the built-in rules; elsewhere the scan keeps
// Vectorscan's. Both report the same ends of the same anchors.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace coroner {

struct AnchorLiteral {
    std::string text;
    bool caseless = false;  // ASCII letters match either case, as Vectorscan's HS_FLAG_CASELESS
};

// One anchor found: its index in the list the filter was built from, and the offset just after its last
// byte (what Vectorscan reports).
struct AnchorEnd {
    std::size_t anchor;
    std::size_t end;
};

// How the candidates are computed: the plain C++ loop (every host; the tests' reference) or the AVX-512
// VBMI one.
enum class AnchorKernel { portable, vbmi };

// Whether this build and this host CPU can run the VBMI kernel.
bool anchor_vbmi_available();

class AnchorFilter {
public:
    static constexpr std::size_t window = 4;      // bytes of each anchor in the tables
    static constexpr std::size_t buckets = 16;    // two sets of tables, a bit a bucket in their bytes
    static constexpr std::size_t head_bytes = 8;  // of an anchor's head compared at once, from its window on

    // Nothing where an anchor cannot be put in the tables: empty, or a byte outside ASCII (the tables have
    // 128 entries).
    static std::optional<AnchorFilter> build(const std::vector<AnchorLiteral>& anchors);

    // Appends every place each anchor occurs in [data, data + size), overlapping ones too, in no set order.
    void find(const std::uint8_t* data, std::size_t size, std::vector<AnchorEnd>& out, AnchorKernel kernel) const;

    // At most this share of positions in uniformly random bytes is a candidate (some bucket accepts the four
    // bytes there; for tests and measurements).
    double random_candidate_rate() const;

private:
    struct Entry {
        std::size_t anchor;
        std::string text;  // as given, in lower case where `caseless`
        bool caseless;
        std::size_t offset;  // of the four bytes in the tables, in the anchor
    };
    // tables[h][k][c]: of buckets 8h..8h+7, those with an anchor that may have byte c (ASCII) at position k of
    // its four; any[h][k]: those with an anchor shorter than k + 1, which accept any byte there.
    alignas(64) std::array<std::array<std::array<std::uint8_t, 128>, window>, 2> tables_{};
    std::array<std::array<std::uint8_t, window>, 2> any_{};
    // Each bucket's entries' heads side by side (in the order of entries_, padded to a multiple of 8), for
    // the VBMI kernel to compare eight at once: the eight bytes from an entry's offset (fewer: zero-padded),
    // letters lowered where caseless, compared before the whole anchor, so that a near miss ("lice" of
    // "alice\n" for "license") costs no call. fold: 0x20 in each that is a letter of a caseless anchor;
    // present: 0xff in each the anchor has.
    struct Heads {
        std::vector<std::uint64_t> head, fold, present;
        void add(const AnchorLiteral& a, std::size_t offset);
        bool matches(std::size_t i, std::uint64_t word) const { return ((word | fold[i]) & present[i]) == head[i]; }
    };
    std::array<std::vector<Entry>, buckets> entries_;
    std::array<Heads, buckets> heads_;

    __attribute__((noinline)) static void check_whole(const Entry& e, const std::uint8_t* data, std::size_t size,
                                                      std::size_t at, std::vector<AnchorEnd>& out);

    void check_candidates(const std::uint8_t* data, std::size_t size, std::size_t at, unsigned bucket_bits,
                          std::vector<AnchorEnd>& out) const;
    unsigned candidate_buckets(const std::uint8_t* data, std::size_t size, std::size_t at) const;
    void find_portable(const std::uint8_t* data, std::size_t size, std::size_t from, std::vector<AnchorEnd>& out) const;
    std::size_t find_vbmi(const std::uint8_t* data, std::size_t size, std::vector<AnchorEnd>& out) const;

public:
    // The VBMI kernel's step, for a loop that does other work on each step too (anchor_filter_vbmi.hpp).
    class VbmiSteps;
};

}  // namespace coroner
