#include "coroner/base/json_util.hpp"
#include "coroner/commands/redact_report.hpp"
#include "coroner/commands/secrets_report.hpp"
#include "coroner/secrets/text_redaction.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <unordered_map>

namespace coroner {

namespace {

// A string value as nlohmann's compact dump writes it: escaped by hand where it is ASCII, by nlohmann where
// it is not (its replacement of invalid UTF-8 is then exactly its own). DEL stays; del_escaped escapes it.
void append_json_string(std::string& out, const std::string& s) {
    if (!std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; })) {
        out += nlohmann::ordered_json(s).dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
        return;
    }
    out += '"';
    for (char c : s) {
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
            if (static_cast<unsigned char>(c) < 0x20)
                out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
            else
                out += c;
        }
    }
    out += '"';
}

// Writes string values as printed() shows them: each distinct one redacted once (a report repeats its rule
// ids and region names thousands of times).
class ValueWriter {
public:
    ValueWriter(std::string& out, bool reveal) : out_(out), reveal_(reveal) {}
    // Each distinct string is redacted and escaped once: what is kept is its JSON text.
    void string(const std::string& s) {
        auto it = written_.find(s);
        if (it == written_.end()) {
            std::string json;
            append_json_string(json, reveal_ ? s : redact_secrets_in_text(s, *secret_rules()));
            it = written_.emplace(s, std::move(json)).first;
        }
        out_ += it->second;
    }
    // A small document's members, without its braces, redacted as printed() redacts.
    void members(nlohmann::ordered_json j) {
        if (!reveal_) redact_secrets_in_json(j, *secret_rules());
        std::string dumped = j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
        out_.append(dumped, 1, dumped.size() - 2);
    }

private:
    std::string& out_;
    bool reveal_;
    std::unordered_map<std::string, std::string> written_;  // a string -> its JSON text
};

template <class T>
void optional_number(std::string& out, const std::optional<T>& n) {
    if (n)
        fmt::format_to(std::back_inserter(out), "{}", *n);
    else
        out += "null";
}

bool same_copy(const SecretFinding& a, const SecretFinding& b) {
    return a.hit.value == b.hit.value && a.hit.utf16 == b.hit.utf16 && a.region.name == b.region.name &&
           a.symbol == b.symbol;
}

}  // namespace

void write_secrets_json_line(const SecretsReport& r, bool reveal, const nlohmann::ordered_json& extra,
                             const std::function<void(const std::string&)>& write) {
    constexpr std::size_t piece = 64u << 10;
    std::string out = "{";
    out.reserve(piece + 4096);
    ValueWriter w(out, reveal);
    // Each piece as json_line_of() would print it (a DEL escaped), handed on when it is long enough; one
    // without DEL as it is, not copied.
    auto hand_on = [&out, &write] {
        if (out.find('\x7f') == std::string::npos)
            write(out);
        else
            write(del_escaped(out));
        out.clear();
    };
    nlohmann::ordered_json head = nlohmann::ordered_json::object();
    head["schema"] = "coroner.secrets/1";
    head["scanned_bytes"] = r.scanned_bytes;
    head["regions_scanned"] = r.regions_scanned;
    head["seconds"] = std::round(r.seconds * 1000) / 1000;
    w.members(std::move(head));
    out += ",\"findings\":[";
    const std::string* previewed = nullptr;  // the value whose preview is `preview`: copies come together
    std::string preview;
    for (const auto& f : r.findings) {
        if (&f != &r.findings.front()) out += ',';
        out += "{\"rule\":";
        w.string(r.rules->rules()[f.hit.rule].id);
        // coroner's own words and hex digits, never text from the core: nothing to redact, and the address is
        // new to the writer's cache each time (8,192 redaction scans cost the benchmark's report 6 ms).
        fmt::format_to(std::back_inserter(out), ",\"confidence\":\"{}\",\"address\":\"{:#x}\",\"length\":{}",
                       to_string(f.hit.confidence), f.hit.address, f.hit.length);
        fmt::format_to(std::back_inserter(out), ",\"region\":{{\"kind\":\"{}\"", to_string(f.region.kind));
        out += ",\"name\":";
        w.string(f.region.name);
        out += ",\"thread\":";
        optional_number(out, f.region.thread);
        out += "},\"symbol\":";
        if (f.symbol)
            w.string(*f.symbol);
        else
            out += "null";
        out += f.hit.utf16 ? ",\"encoding\":\"utf-16le\"" : ",\"encoding\":\"ascii\"";
        out += ",\"preview\":";
        if (!previewed || *previewed != f.hit.value) previewed = &f.hit.value, preview = secret_preview(f.hit.value);
        w.string(preview);
        out += ",\"value\":";
        if (r.reveal)
            w.string(printable_value(f.hit.value));
        else
            out += "null";
        out += '}';
        if (out.size() >= piece) hand_on();
    }
    out += ']';
    if (!extra.empty()) {
        out += ',';
        w.members(extra);
    }
    out += "}\n";
    hand_on();
}

std::string secrets_json_line(const SecretsReport& r, bool reveal, const nlohmann::ordered_json& extra) {
    std::string line;
    line.reserve(256 * r.findings.size() + 256);
    write_secrets_json_line(r, reveal, extra, [&line](const std::string& piece) { line += piece; });
    return line;
}

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
