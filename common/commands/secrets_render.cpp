#include "coroner/base/json_util.hpp"
#include "coroner/commands/redact_report.hpp"
#include "coroner/commands/secrets_report.hpp"

#include <fmt/format.h>

#include <cmath>

namespace coroner {

// Built field by field and moved, not from initializer lists (which copy every value), in objects made with
// room for their keys: a report of a big core holds thousands of findings.
nlohmann::ordered_json secrets_json(const SecretsReport& r) {
    using json = nlohmann::ordered_json;
    json findings = json::array();
    findings.get_ref<json::array_t&>().reserve(r.findings.size());
    for (const auto& f : r.findings) {
        const SecretRule& rule = r.rules->rules()[f.hit.rule];
        json one = object_with_room(10);
        one["rule"] = rule.id;
        one["confidence"] = to_string(f.hit.confidence);
        one["address"] = hex_address(f.hit.address);
        one["length"] = f.hit.length;
        json& region = one["region"] = object_with_room(3);
        region["kind"] = to_string(f.region.kind);
        region["name"] = f.region.name;
        region["thread"] = or_null(f.region.thread);
        one["symbol"] = or_null(f.symbol);
        one["encoding"] = f.hit.utf16 ? "utf-16le" : "ascii";
        one["preview"] = secret_preview(f.hit.value);
        one["value"] = r.reveal ? json(printable_value(f.hit.value)) : json(nullptr);
        findings.push_back(std::move(one));
    }
    json out = object_with_room(16);  // and for the keys `coroner secrets-scan` adds
    out["schema"] = "coroner.secrets/1";
    out["scanned_bytes"] = r.scanned_bytes;
    out["regions_scanned"] = r.regions_scanned;
    out["seconds"] = std::round(r.seconds * 1000) / 1000;
    out["findings"] = std::move(findings);
    return out;
}

namespace {

bool same_copy(const SecretFinding& a, const SecretFinding& b) {
    return a.hit.value == b.hit.value && a.hit.utf16 == b.hit.utf16 && a.region.name == b.region.name &&
           a.symbol == b.symbol;
}

}  // namespace

std::string secrets_text(const SecretsReport& r) {
    std::string out =
        fmt::format("{} finding{} in {:.1f} MiB of {} region{} ({:.2f} s, {:.0f} MiB/s)\n", r.findings.size(),
                    r.findings.size() == 1 ? "" : "s", static_cast<double>(r.scanned_bytes) / (1 << 20),
                    r.regions_scanned, r.regions_scanned == 1 ? "" : "s", r.seconds,
                    r.seconds > 0 ? static_cast<double>(r.scanned_bytes) / (1 << 20) / r.seconds : 0.0);
    for (std::size_t i = 0; i < r.findings.size();) {
        const SecretRule& rule = r.rules->rules()[r.findings[i].hit.rule];
        std::size_t j = i;
        while (j < r.findings.size() && r.findings[j].hit.rule == r.findings[i].hit.rule &&
               r.findings[j].hit.confidence == r.findings[i].hit.confidence)
            j++;
        out += fmt::format("\n{:<6} {} ({}): {}\n", to_string(r.findings[i].hit.confidence), rule.id, rule.name, j - i);
        for (std::size_t k = i; k < j;) {
            // Copies of one value in one region (a token in every buffer of a pool) are one line.
            const auto& f = r.findings[k];
            std::size_t copies = 1;
            while (k + copies < j && same_copy(r.findings[k + copies], f)) copies++;
            out += fmt::format(
                "  {:#014x}  {:>4} bytes  {}{}{}  {}{}\n", f.hit.address, f.hit.length, f.region.name,
                f.symbol ? fmt::format(" ({})", *f.symbol) : "", f.hit.utf16 ? " [UTF-16]" : "",
                r.reveal ? printable_value(f.hit.value) : secret_preview(f.hit.value),
                copies > 1 ? fmt::format("  x{} to {:#x}", copies, r.findings[k + copies - 1].hit.address) : "");
            k += copies;
        }
        i = j;
    }
    if (!r.reveal && !r.findings.empty()) out += "\nvalues are redacted; --reveal shows them\n";
    return out;
}

nlohmann::ordered_json redact_json(const RedactResult& r) {
    return {{"schema", "coroner.redact/1"},
            {"output", r.output},
            {"findings", r.findings},
            {"findings_in_notes", r.findings_in_notes},
            {"bytes_overwritten", r.bytes_overwritten},
            {"findings_after", r.findings_after}};
}

std::string redact_text(const RedactResult& r) {
    return fmt::format(
        "wrote {} (mode 0600): {} finding{} overwritten ({} in the notes), {} bytes; a scan of the copy "
        "finds {}\n",
        r.output, r.findings, r.findings == 1 ? "" : "s", r.findings_in_notes, r.bytes_overwritten, r.findings_after);
}

}  // namespace coroner
