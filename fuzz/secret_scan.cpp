// The secret scanner with the built-in rules over arbitrary memory (what pm-secrets-scan and pm-redact
// run over every segment of a core), then what the report does with each hit.
#include "coroner/secrets/secret_scan.hpp"
#include "coroner/secrets/secret_rules.hpp"

#include <cstdint>

using namespace coroner;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const auto rules = secret_rules();
    auto hits = without_contained_hits(scan_for_secrets(*rules, data, size, 0x7f0000000000), *rules);
    std::size_t seen = 0;
    for (const auto& hit : hits) {
        // Every hit lies inside the scanned bytes.
        if (hit.address < 0x7f0000000000 || hit.address - 0x7f0000000000 + hit.length > size) __builtin_trap();
        seen += secret_preview(hit.value).size() + printable_value(hit.value).size() +
                static_cast<std::size_t>(hit.confidence);
    }
    volatile std::size_t sink = seen;
    (void)sink;
    return 0;
}
