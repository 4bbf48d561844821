// One pass of the secret rules over a block of memory: Vectorscan finds candidate matches, each is
// re-checked for its exact span and secret group, then filtered (entropy, placeholders, Luhn) and
// deduplicated. UTF-16LE text (JVM, .NET, Windows strings) is narrowed and scanned too.
#pragma once

#include "coroner/secrets/secret_rules.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace coroner {

struct SecretHit {
    std::size_t rule = 0;                        // index into SecretRules::rules()
    std::uint64_t address = 0;                   // of the secret's first byte in the target
    std::size_t length = 0;                      // bytes in memory (twice the characters for UTF-16)
    std::string value;                           // the secret, as text
    Confidence confidence = Confidence::medium;  // the rule's, lowered for a known test card number
    bool utf16 = false;
};

// Scans [data, data+size), which is the target's memory at `base`.
std::vector<SecretHit> scan_for_secrets(const SecretRules& rules, const std::uint8_t* data, std::size_t size,
                                        std::uint64_t base);

// Several rules on one secret (a vendor token that a generic `token=` rule also matches): the hit of the
// more confident rule, then of the rule earlier in the file, keeps it, and a hit lying wholly inside a kept
// one is dropped. Hits that only overlap are both kept, so redaction still covers every byte. Sorted by address.
std::vector<SecretHit> without_contained_hits(std::vector<SecretHit> hits, const SecretRules& rules);

// Bits of Shannon entropy per character.
double shannon_entropy(const std::string& text);

// True for card numbers whose digits pass the Luhn check.
bool luhn_valid(const std::string& digits);

// "AKIA…N5E": at most a quarter of the value, and at most 4 characters at each end.
std::string secret_preview(const std::string& value);

// The value as printable text: UTF-8 characters stay, any other byte outside 0x20-0x7e (and the
// backslash) becomes \xNN, so that memory's binary bytes never reach the debugger's output (a NUL ends a
// GDB string; JSON needs UTF-8).
std::string printable_value(const std::string& value);

}  // namespace coroner
