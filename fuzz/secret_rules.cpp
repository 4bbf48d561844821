// A user's secret-rule file (--rules) as pm-secrets-scan and pm-redact load it: the JSON parsed, the
// rules compiled into Vectorscan databases and their re-check patterns, then run over a small text and
// over the input itself, as a scan of memory would run them.
#include "coroner/secrets/secret_rules.hpp"
#include "coroner/base/error.hpp"
#include "coroner/secrets/secret_scan.hpp"

#include <cstdint>
#include <string>

using namespace coroner;

namespace {

const std::string sample =
    "user=admin password=hunter2-Xq9v AKIAIOSFODNN7EXAMPLE ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789 "
    "token: eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJl 4111 1111 1111 1111 -----BEGIN PRIVATE KEY-----";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto doc = nlohmann::json::parse(data, data + size, nullptr, false);
    if (doc.is_discarded()) return 0;
    try {
        auto rules = SecretRules::compile(doc);
        auto hits =
            scan_for_secrets(*rules, reinterpret_cast<const std::uint8_t*>(sample.data()), sample.size(), 0x1000);
        auto more = scan_for_secrets(*rules, data, size, 0x100000);
        hits.insert(hits.end(), more.begin(), more.end());
        for (const auto& hit : without_contained_hits(hits, *rules)) {
            volatile std::size_t sink = secret_preview(hit.value).size() + printable_value(hit.value).size();
            (void)sink;
        }
    } catch (const UserError&) {
    } catch (const std::exception&) {
        // A wrong type in the file (an "id" that is a number) escapes as nlohmann's type_error, which the
        // command table prints as an internal error: an unclear message, not a crash, and not this target's.
    }
    return 0;
}
