#include "coroner/secrets/anchor_filter.hpp"

#include "coroner/secrets/anchor_filter_vbmi.hpp"
#include "coroner/secrets/byte_masks.hpp"

#include <algorithm>
#include <cstring>
#include <numeric>

namespace coroner {
namespace {

bool is_ascii_letter(std::uint8_t c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
std::uint8_t lower_ascii(std::uint8_t c) { return c >= 'A' && c <= 'Z' ? static_cast<std::uint8_t>(c | 0x20) : c; }

constexpr std::size_t anchor_window = AnchorFilter::window;  // (named apart: the sources build as one in unity builds)

// How often each byte comes in text that is not random: a letter as often as in English prose (capitals
// an eighth of that), a digit, a space or common punctuation. Only the order of magnitude matters: it
// steers anchors away from sharing a bucket with letters text is full of.
std::array<double, 256> text_frequencies() {
    std::array<double, 256> f{};
    const char* by_frequency = "etaoinshrdlcumwfgypbvkjxqz";
    double share = 0.09;
    for (const char* c = by_frequency; *c; c++, share *= 0.86) {
        f[static_cast<std::uint8_t>(*c)] = share;
        f[static_cast<std::uint8_t>(*c - 32)] = share * 0.12;
    }
    for (char c = '0'; c <= '9'; c++) f[static_cast<std::uint8_t>(c)] = 0.008;
    f[' '] = 0.15;
    for (const char* c = "=/._-:,\"'()[]{}<>;"; *c; c++) f[static_cast<std::uint8_t>(*c)] = 0.006;
    double sum = 0;
    for (double x : f) sum += x;
    for (double& x : f) x /= sum;
    return f;
}

// The bytes an anchor's four (or a bucket's) accept at each position: bit c of words[c / 64].
struct WindowSets {
    std::array<std::array<std::uint64_t, 2>, anchor_window> bytes{};
    std::array<bool, anchor_window> any{};  // past a short anchor's end: every byte, ASCII or not

    void add(std::size_t k, std::uint8_t c) { bytes[k][c / 64] |= 1ull << (c % 64); }
    bool has(std::size_t k, std::size_t c) const { return (bytes[k][c / 64] >> (c % 64)) & 1u; }

    // The share of positions it accepts in text plus that in random bytes: what a bucket's candidates cost.
    double accepted() const {
        static const std::array<double, 256> frequency = text_frequencies();
        double text = 1, random = 1;
        for (std::size_t k = 0; k < anchor_window; k++) {
            if (any[k]) continue;
            double in_text = 0, count = 0;
            for (std::size_t w = 0; w < 2; w++)
                for (std::uint64_t bits = bytes[k][w]; bits != 0; bits &= bits - 1, count++)
                    in_text += frequency[64 * w + static_cast<std::size_t>(__builtin_ctzll(bits))];
            text *= in_text;
            random *= count / 256;
        }
        return text + random;
    }
    WindowSets joined(const WindowSets& other) const {
        WindowSets j = *this;
        for (std::size_t k = 0; k < anchor_window; k++) {
            for (std::size_t w = 0; w < 2; w++) j.bytes[k][w] |= other.bytes[k][w];
            j.any[k] = j.any[k] || other.any[k];
        }
        return j;
    }
};

// The anchor's four bytes from `offset` (its end marks the rest "any"); build() takes ASCII anchors only.
WindowSets window_sets(const AnchorLiteral& a, std::size_t offset) {
    WindowSets s;
    for (std::size_t k = 0; k < anchor_window; k++) {
        if (offset + k >= a.text.size()) {
            s.any[k] = true;
            continue;
        }
        auto c = static_cast<std::uint8_t>(a.text[offset + k]);
        s.add(k, c);
        if (a.caseless && is_ascii_letter(c)) s.add(k, static_cast<std::uint8_t>(c ^ 0x20u));
    }
    return s;
}

// Every four the anchor has: each of its windows, or all of it when shorter.
std::vector<std::pair<std::size_t, WindowSets>> window_choices(const AnchorLiteral& a) {
    std::vector<std::pair<std::size_t, WindowSets>> choices;
    for (std::size_t offset = 0; offset == 0 || offset + anchor_window <= a.text.size(); offset++)
        choices.emplace_back(offset, window_sets(a, offset));
    return choices;
}

// Little-endian: byte k is bits 8k..8k+7, as a load of the data's eight bytes puts them.
std::uint64_t packed_head(const std::array<std::uint8_t, AnchorFilter::head_bytes>& bytes) {
    std::uint64_t v = 0;
    for (std::size_t k = 0; k < AnchorFilter::head_bytes; k++) v |= static_cast<std::uint64_t>(bytes[k]) << (8 * k);
    return v;
}

}  // namespace

bool anchor_vbmi_available() {
#ifdef CORONER_BYTE_MASKS_WIDE
    static const bool available = [] {
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vbmi");
    }();
    return available;
#else
    return false;
#endif
}

// Each anchor goes to the bucket and window that widen its bucket least (an empty bucket costs nothing to
// start), the anchors that accept the most first: the short and caseless ones start buckets of their own,
// and the precise ones fill in where they add least to the positions accepted.
std::optional<AnchorFilter> AnchorFilter::build(const std::vector<AnchorLiteral>& anchors) {
    std::vector<std::vector<std::pair<std::size_t, WindowSets>>> choices;
    std::vector<double> least;  // the anchor's own cost at its best window
    for (const auto& a : anchors) {
        if (a.text.empty()) return std::nullopt;
        for (char c : a.text)
            if (static_cast<std::uint8_t>(c) >= 0x80) return std::nullopt;
        choices.push_back(window_choices(a));
        double own = choices.back().front().second.accepted();
        for (const auto& choice : choices.back()) own = std::min(own, choice.second.accepted());
        least.push_back(own);
    }
    std::vector<std::size_t> order(anchors.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) { return least[x] > least[y]; });
    std::array<std::optional<WindowSets>, buckets> bucket_sets;
    std::array<double, buckets> bucket_accepted{};
    AnchorFilter filter;
    for (std::size_t i : order) {
        std::size_t best_bucket = 0, best_choice = 0;
        double best_growth = -1;
        for (std::size_t b = 0; b < buckets; b++)
            for (std::size_t c = 0; c < choices[i].size(); c++) {
                const WindowSets& s = choices[i][c].second;
                double growth =
                    bucket_sets[b] ? bucket_sets[b]->joined(s).accepted() - bucket_accepted[b] : s.accepted();
                if (best_growth < 0 || growth < best_growth) best_bucket = b, best_choice = c, best_growth = growth;
            }
        const auto& [offset, sets] = choices[i][best_choice];
        auto& bucket = bucket_sets[best_bucket];
        bucket = bucket ? bucket->joined(sets) : sets;
        bucket_accepted[best_bucket] = bucket->accepted();
        std::string text = anchors[i].text;
        if (anchors[i].caseless)
            std::transform(text.begin(), text.end(), text.begin(),
                           [](char c) { return static_cast<char>(lower_ascii(static_cast<std::uint8_t>(c))); });
        filter.entries_[best_bucket].push_back({i, std::move(text), anchors[i].caseless, offset});
        filter.heads_[best_bucket].add(anchors[i], offset);
    }
    for (auto& h : filter.heads_)
        while (h.head.size() % 8) h.head.push_back(~0ull), h.fold.push_back(0), h.present.push_back(0);
    for (std::size_t b = 0; b < buckets; b++) {
        if (!bucket_sets[b]) continue;
        auto bit = static_cast<std::uint8_t>(1u << (b % 8));
        auto& tables = filter.tables_[b / 8];
        for (std::size_t k = 0; k < anchor_window; k++) {
            if (bucket_sets[b]->any[k]) filter.any_[b / 8][k] |= bit;
            for (std::size_t c = 0; c < 128; c++)
                if (bucket_sets[b]->any[k] || bucket_sets[b]->has(k, c)) tables[k][c] |= bit;
        }
    }
    return filter;
}

void AnchorFilter::Heads::add(const AnchorLiteral& a, std::size_t offset) {
    std::array<std::uint8_t, head_bytes> h{}, f{}, p{};
    for (std::size_t k = 0; k < head_bytes && offset + k < a.text.size(); k++) {
        auto c = static_cast<std::uint8_t>(a.text[offset + k]);
        bool folded = a.caseless && is_ascii_letter(c);
        h[k] = folded ? lower_ascii(c) : c;
        f[k] = folded ? 0x20 : 0;
        p[k] = 0xff;
    }
    head.push_back(packed_head(h)), fold.push_back(packed_head(f)), present.push_back(packed_head(p));
}

// The sum over buckets of the share each accepts: at most that share of random positions are candidates.
double AnchorFilter::random_candidate_rate() const {
    double rate = 0;
    for (std::size_t b = 0; b < buckets; b++) {
        double share = 1;
        for (std::size_t k = 0; k < anchor_window; k++) {
            double accepted = 0;
            for (std::size_t c = 0; c < 256; c++)
                accepted += ((c < 128 ? tables_[b / 8][k][c] : any_[b / 8][k]) >> (b % 8)) & 1u;
            share *= accepted / 256;
        }
        rate += share;
    }
    return rate;
}

// Bit b: bucket b accepts the four bytes from `at` (past the data's end every byte is accepted: the check
// turns those down).
unsigned AnchorFilter::candidate_buckets(const std::uint8_t* data, std::size_t size, std::size_t at) const {
    unsigned accepted = 0xffff;
    for (std::size_t k = 0; k < anchor_window && at + k < size && accepted; k++) {
        std::uint8_t c = data[at + k];
        unsigned low = c < 0x80 ? tables_[0][k][c] : any_[0][k], high = c < 0x80 ? tables_[1][k][c] : any_[1][k];
        accepted &= low | high << 8;
    }
    return accepted;
}

// Whether the anchor whose four passed at `at` lies there whole; if so, where it ends is added to `out`.
void AnchorFilter::check_whole(const Entry& e, const std::uint8_t* data, std::size_t size, std::size_t at,
                               std::vector<AnchorEnd>& out) {
    if (at < e.offset || e.text.size() > size - (at - e.offset)) return;
    const std::uint8_t* start = data + at - e.offset;
    for (std::size_t k = 0; k < e.text.size(); k++)
        if ((e.caseless ? lower_ascii(start[k]) : start[k]) != static_cast<std::uint8_t>(e.text[k])) return;
    out.push_back({e.anchor, at - e.offset + e.text.size()});
}

// The anchors of the buckets in `bucket_bits` whose head lies at `at`, checked whole.
void AnchorFilter::check_candidates(const std::uint8_t* data, std::size_t size, std::size_t at, unsigned bucket_bits,
                                    std::vector<AnchorEnd>& out) const {
    std::uint64_t word = 0;  // past the data's end, zeros: a head that reaches there is turned down whole
    std::memcpy(&word, data + at, std::min<std::size_t>(head_bytes, size - at));
    for (; bucket_bits != 0; bucket_bits &= bucket_bits - 1) {
        const auto bucket = static_cast<std::size_t>(__builtin_ctz(bucket_bits));
        for (std::size_t i = 0; i < entries_[bucket].size(); i++)
            if (heads_[bucket].matches(i, word)) check_whole(entries_[bucket][i], data, size, at, out);
    }
}

void AnchorFilter::find_portable(const std::uint8_t* data, std::size_t size, std::size_t from,
                                 std::vector<AnchorEnd>& out) const {
    for (std::size_t at = from; at < size; at++)
        if (unsigned bits = candidate_buckets(data, size, at)) check_candidates(data, size, at, bits, out);
}

#ifdef CORONER_BYTE_MASKS_WIDE
// 64 positions a step (anchor_filter_vbmi.hpp); the last ones are the portable loop's.
__attribute__((target("avx512bw,avx512vbmi"), flatten)) std::size_t AnchorFilter::find_vbmi(
    const std::uint8_t* data, std::size_t size, std::vector<AnchorEnd>& out) const {
    VbmiSteps step(*this, data, size, out);
    std::size_t at = 0;
    for (const std::size_t end = step.end(); at + 64 <= end; at += 64) step(at);
    return at;
}
#else
std::size_t AnchorFilter::find_vbmi(const std::uint8_t*, std::size_t, std::vector<AnchorEnd>&) const { return 0; }
#endif

void AnchorFilter::find(const std::uint8_t* data, std::size_t size, std::vector<AnchorEnd>& out,
                        AnchorKernel kernel) const {
    std::size_t from = kernel == AnchorKernel::vbmi && anchor_vbmi_available() ? find_vbmi(data, size, out) : 0;
    find_portable(data, size, from, out);
}

}  // namespace coroner
