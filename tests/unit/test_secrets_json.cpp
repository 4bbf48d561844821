#include "coroner/base/json_util.hpp"
#include "coroner/commands/secrets_report.hpp"
#include "coroner/secrets/text_redaction.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <string>

using namespace coroner;

namespace {

std::size_t rule_index(const SecretRules& rules, const std::string& id) {
    for (std::size_t i = 0; i < rules.rules().size(); i++)
        if (rules.rules()[i].id == id) return i;
    FAIL("no rule " << id);
    return 0;
}

SecretFinding finding(const SecretRules& rules, const std::string& rule, const std::string& value,
                      const std::string& region, std::optional<std::int64_t> thread, std::optional<std::string> symbol,
                      bool utf16) {
    SecretFinding f;
    f.hit.rule = rule_index(rules, rule);
    f.hit.value = value;
    f.hit.address = 0x7f0000001000 + value.size() * 16;
    f.hit.length = utf16 ? 2 * value.size() : value.size();
    f.hit.confidence = Confidence::high;
    f.hit.utf16 = utf16;
    f.region = {thread ? RegionKind::stack : RegionKind::file, region, thread};
    f.symbol = std::move(symbol);
    return f;
}

// A report whose strings hold all that JSON escapes: quotes, backslashes, control characters, DEL, UTF-8
// (valid and not), and a secret where only text from the core should be (a mapping's path).
SecretsReport tricky_report(bool reveal) {
    SecretsReport r;
    r.rules = secret_rules();
    r.reveal = reveal;
    r.scanned_bytes = 1ull << 33;
    r.regions_scanned = 7;
    r.seconds = 0.28749;
    const SecretRules& rules = *r.rules;
    r.findings.push_back(
        finding(rules, "aws-access-key-id", "AKIAQ3EGVF5WZRTMN7XP", "[heap]", std::nullopt, std::nullopt, false));
    r.findings.push_back(finding(rules, "github-token", "ghp_u8jzPde0IgxLd6GncfBAepfJBd0Kh8oOOL8d", "thread 4242 stack",
                                 4242, std::string("g_token \"q\" \\ \x7f"), true));
    r.findings.push_back(finding(rules, "aws-access-key-id", "AKIAQ3EGVF5WZRTMN7XQ",
                                 "/srv/Grüße/\x01\b\f\n\r\t/AKIAZ7QW4RTY2UIO9PLK.so", std::nullopt,
                                 std::string("bad \xff\xfe utf-8 \xc3"), false));
    return r;
}

// The report as a JSON tree, built as the commands built it before they wrote the line straight: the
// reference, whose strings nlohmann escapes and whose every string printed() redacts.
nlohmann::ordered_json secrets_tree(const SecretsReport& r) {
    using json = nlohmann::ordered_json;
    json findings = json::array();
    for (const auto& f : r.findings) {
        json one = json::object();
        one["rule"] = r.rules->rules()[f.hit.rule].id;
        one["confidence"] = to_string(f.hit.confidence);
        one["address"] = hex_address(f.hit.address);
        one["length"] = f.hit.length;
        json& region = one["region"];
        region["kind"] = to_string(f.region.kind);
        region["name"] = f.region.name;
        region["thread"] = or_null(f.region.thread);
        one["symbol"] = or_null(f.symbol);
        one["encoding"] = f.hit.utf16 ? "utf-16le" : "ascii";
        one["preview"] = secret_preview(f.hit.value);
        one["value"] = r.reveal ? json(printable_value(f.hit.value)) : json(nullptr);
        findings.push_back(std::move(one));
    }
    json out = json::object();
    out["schema"] = "coroner.secrets/1";
    out["scanned_bytes"] = r.scanned_bytes;
    out["regions_scanned"] = r.regions_scanned;
    out["seconds"] = std::round(r.seconds * 1000) / 1000;
    out["findings"] = std::move(findings);
    return out;
}

}  // namespace

TEST_CASE("the secrets JSON line written straight from the report is the one printed from its tree") {
    nlohmann::ordered_json extra = nlohmann::ordered_json::object();
    extra["input"] = "/cores/AKIAZ7QW4RTY2UIO9PLK/core.\x7f\"1\"";
    extra["format"] = "plain";
    extra["program"] = nullptr;
    extra["truncated"] = false;
    for (bool reveal : {false, true}) {
        CAPTURE(reveal);
        SecretsReport r = tricky_report(reveal);
        for (const auto& with : {nlohmann::ordered_json::object(), extra}) {
            nlohmann::ordered_json tree = secrets_tree(r);
            for (const auto& [key, value] : with.items()) tree[key] = value;
            if (!reveal) redact_secrets_in_json(tree, *secret_rules());
            std::string line = secrets_json_line(r, reveal, with);
            CHECK(line == json_line(tree));
            // It is what it says: the planted key in the path and the input shows only when revealed.
            CHECK((line.find("AKIAZ7QW4RTY2UIO9PLK") != std::string::npos) == reveal);
            CHECK(nlohmann::json::parse(line)["findings"].size() == 3);
        }
    }
    SecretsReport none = tricky_report(false);
    none.findings.clear();
    CHECK(secrets_json_line(none, false) == json_line(secrets_tree(none)));
}

TEST_CASE("the secrets JSON line in pieces: each handed on at about 64 KiB, together the whole line") {
    for (bool reveal : {false, true}) {
        CAPTURE(reveal);
        SecretsReport r = tricky_report(reveal);
        // Enough findings for some 30 pieces, with a DEL (escaped in whichever piece holds it) in each third.
        const std::vector<SecretFinding> three = r.findings;
        while (r.findings.size() < 9000) r.findings.insert(r.findings.end(), three.begin(), three.end());
        std::vector<std::string> pieces;
        write_secrets_json_line(r, reveal, nlohmann::ordered_json::object(),
                                [&pieces](const std::string& piece) { pieces.push_back(piece); });
        std::string joined;
        for (const auto& p : pieces) joined += p;
        CHECK((joined == json_line(secrets_tree(r))) == reveal);  // the tree is not redacted here
        CHECK(joined == secrets_json_line(r, reveal));
        CHECK(pieces.size() > 10);
        for (std::size_t i = 0; i < pieces.size(); i++) {
            CAPTURE(i);
            CHECK(pieces[i].size() < (64u << 10) + 4096);
            CHECK(pieces[i].find('\x7f') == std::string::npos);
            CHECK((pieces[i].find('\n') != std::string::npos) == (i + 1 == pieces.size()));
        }
        CHECK(nlohmann::json::parse(joined)["findings"].size() == r.findings.size());
    }
}
