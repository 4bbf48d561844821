#include "coroner/base/error.hpp"
#include "coroner/base/pattern.hpp"
#include "coroner/base/rules.hpp"
#include "coroner/secrets/secret_scan.hpp"

#include <doctest/doctest.h>

#include <functional>
#include <set>
#include <string>
#include <thread>
#include <tuple>

using namespace coroner;

namespace {

std::vector<SecretHit> scan(const std::string& memory, std::uint64_t base = 0x10000) {
    return scan_for_secrets(*secret_rules(), reinterpret_cast<const std::uint8_t*>(memory.data()), memory.size(), base);
}

const SecretHit* hit_of(const std::vector<SecretHit>& hits, const std::string& rule) {
    for (const auto& h : hits)
        if (secret_rules()->rules()[h.rule].id == rule) return &h;
    return nullptr;
}

// Random bytes with credentials of several formats planted in them, near both ends too, and one in UTF-16.
std::string memory_with_secrets() {
    std::string memory;
    std::uint64_t x = 0x9E3779B97F4A7C15ULL;
    for (int i = 0; i < 1 << 18; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        memory += static_cast<char>(x & 0xff);
    }
    const char* planted[] = {"AKIAQ3EGVF5WZRTMN7XP",
                             "password = 'hunter2hunter2'",
                             " 4539148803436467 ",
                             "dsn=postgres://billing:Xk9mQ2vLp7wRtz@db.internal/ledger",
                             "token: ghp_u8jzPde0IgxLd6GncfBAepfJBd0Kh8oOOL8d ",
                             "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlX2hlcmU "};
    std::size_t at = 0;
    for (const char* p : planted) {
        memory.replace(at, std::string(p).size(), p);
        at += 40000;
    }
    std::string tail = " 5105 1051 0510 5100";  // at the very end, a (test) card number
    memory.replace(memory.size() - tail.size(), tail.size(), tail);
    std::string wide;
    for (char c : std::string("api_key=Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFi")) wide += std::string{c, '\0'};
    memory.replace(250001, wide.size(), wide);
    return memory;
}

std::set<std::tuple<std::string, std::uint64_t, std::string>> findings(const SecretRules& rules,
                                                                       const std::string& memory) {
    std::set<std::tuple<std::string, std::uint64_t, std::string>> out;
    for (const auto& h :
         scan_for_secrets(rules, reinterpret_cast<const std::uint8_t*>(memory.data()), memory.size(), 0x1000))
        out.insert({rules.rules()[h.rule].id, h.address, h.value});
    return out;
}

}  // namespace

TEST_CASE("anchors and digit runs find what every pattern run over all memory finds") {
    nlohmann::json unanchored = builtin_rules("secrets");
    for (auto& rule : unanchored["rules"]) {
        rule.erase("anchors");
        rule.erase("digit_run");
    }
    std::string memory = memory_with_secrets();
    auto expected = findings(*SecretRules::compile(unanchored), memory);
    CHECK(expected.size() >= 7);
    CHECK(findings(*secret_rules(), memory) == expected);
}

// `planted` put at every offset of memories of each size (filled with `filler`): `rule` finds it there,
// and `also` holds of the hit.
static void check_found_at_every_offset(const std::string& planted, char filler, const std::string& rule,
                                        std::initializer_list<std::size_t> sizes,
                                        const std::function<void(const SecretHit&)>& also) {
    for (std::size_t size : sizes)
        for (std::size_t at = 0; at + planted.size() <= size; at++) {
            std::string memory(size, filler);
            memory.replace(at, planted.size(), planted);
            auto hits = scan(memory, 0x1000);
            const SecretHit* hit = hit_of(hits, rule);
            REQUIRE_MESSAGE(hit, "size " << size << ", at " << at);
            CHECK(hit->address == 0x1000 + at);
            also(*hit);
        }
}

TEST_CASE("a card number is found wherever it lies against the sixteen-byte loads") {
    const std::string card = "4539 1488 0343 6467";
    check_found_at_every_offset(card, '~', "payment-card", {19, 31, 64},
                                [&](const SecretHit& hit) { CHECK(hit.value == card); });
}

TEST_CASE("a UTF-16 token is found wherever it lies against the loads, at either alignment") {
    std::string token = "ghp_u8jzPde0IgxLd6GncfBAepfJBd0Kh8oOOL8d", wide;
    for (char c : token) wide += std::string{c, '\0'};
    check_found_at_every_offset(wide, '\xff', "github-token", {wide.size(), wide.size() + 9, 160},
                                [](const SecretHit& hit) { CHECK(hit.utf16); });
}

TEST_CASE("the built-in databases load from their build-time form, and a stale form is compiled again") {
    const nlohmann::json& doc = builtin_rules("secrets");
    auto compiled = SecretRules::compile(doc);
    std::string memory = memory_with_secrets();
    auto expected = findings(*compiled, memory);
    CHECK(findings(*SecretRules::load(doc, compiled->serialized()), memory) == expected);
    CHECK(findings(*SecretRules::load(doc, "not a database"), memory) == expected);
    nlohmann::json fewer = doc;
    fewer["rules"].erase(fewer["rules"].size() - 1);  // serialized for more rules than these
    auto reloaded = SecretRules::load(fewer, compiled->serialized());
    CHECK(reloaded->rules().size() == doc["rules"].size() - 1);
    CHECK(!findings(*reloaded, memory).empty());
    // The same number of rules, one pattern changed: the build-time form is of other rules and is not taken
    // (its databases would find the old pattern, its widths bound the new one wrongly).
    nlohmann::json changed = doc;
    for (auto& rule : changed["rules"])
        if (rule["id"] == "aws-access-key-id") rule["pattern"] = "\\bAKIA[0-9A-Z]{8}\\b";
    auto recompiled = SecretRules::load(changed, compiled->serialized());
    std::string short_key = "id AKIAQ3EGVF5W here";
    auto aws_keys = [&](const SecretRules& rules) {
        std::size_t n = 0;
        for (const auto& [id, address, value] : findings(rules, short_key)) n += id == "aws-access-key-id";
        return n;
    };
    CHECK(aws_keys(*recompiled) == 1);
    CHECK(aws_keys(*SecretRules::load(doc, compiled->serialized())) == 0);
}

TEST_CASE("a deferred pattern compiles on first use, in one thread of many, and answers as a compiled one") {
    Pattern now("\\bAKIA[0-9A-Z]{16}\\b", false);
    Pattern later = Pattern::deferred("\\bAKIA[0-9A-Z]{16}\\b", false);
    Pattern copy = later;  // copies share the one compilation
    std::vector<std::thread> threads;
    std::vector<int> answers(8);
    for (std::size_t t = 0; t < answers.size(); t++)
        threads.emplace_back(
            [&, t] { answers[t] = copy.capture_count() + 2 * copy.partial_match("x AKIAQ3EGVF5WZRTMN7XP y"); });
    for (auto& t : threads) t.join();
    for (int a : answers) CHECK(a == 2);
    CHECK(later.full_match("AKIAQ3EGVF5WZRTMN7XP") == now.full_match("AKIAQ3EGVF5WZRTMN7XP"));
    CHECK(later.first_match("x AKIAQ3EGVF5WZRTMN7XP y") == now.first_match("x AKIAQ3EGVF5WZRTMN7XP y"));
    CHECK(Pattern::deferred("[a-z]+", true).partial_match("ABC"));
    CHECK_THROWS_AS(Pattern::deferred("(a)\\1"), std::invalid_argument);  // what the translation finds, at once
}

TEST_CASE("a preview shows at most a quarter of the value and 4 characters at each end") {
    CHECK(secret_preview("AKIAQ3EGVF5WZRTMN7XP") == "AK…XP");
    CHECK(secret_preview("ghp_u8jzPde0IgxLd6GncfBAepfJBd0Kh8oOOL8d") == "ghp_…OL8d");
    CHECK(secret_preview("short") == "…");
}

TEST_CASE("Luhn and entropy filter card numbers and generic tokens") {
    CHECK(luhn_valid("4539148803436467"));
    CHECK_FALSE(luhn_valid("4539148803436468"));
    CHECK(shannon_entropy("aaaaaaaa") == doctest::Approx(0.0));
    CHECK(shannon_entropy("abcdefgh") == doctest::Approx(3.0));
}

TEST_CASE("secrets are found at their exact address, in ASCII and in UTF-16") {
    std::string memory(64, '\0');
    memory += "key id AKIAQ3EGVF5WZRTMN7XP here";
    std::string wide;
    for (char c : std::string("token ghp_u8jzPde0IgxLd6GncfBAepfJBd0Kh8oOOL8d")) wide += std::string{c, '\0'};
    std::size_t wide_at = memory.size() + 3;
    memory += std::string(3, '\x01') + wide + std::string(8, '\0');
    auto hits = scan(memory);
    const SecretHit* aws = hit_of(hits, "aws-access-key-id");
    REQUIRE(aws);
    CHECK(aws->address == 0x10000 + 64 + 7);
    CHECK(aws->length == 20);
    CHECK(aws->value == "AKIAQ3EGVF5WZRTMN7XP");
    const SecretHit* github = hit_of(hits, "github-token");
    REQUIRE(github);
    CHECK(github->utf16);
    CHECK(github->address == 0x10000 + wide_at + 2 * 6);
    CHECK(github->length == 2 * 40);
}

TEST_CASE("the secret group, placeholders and test card numbers") {
    auto url = scan("dsn=postgres://billing:Xk9mQ2vLp7wRtz@db.internal:5432/ledger;");
    const SecretHit* password = hit_of(url, "url-credentials");
    REQUIRE(password);
    CHECK(password->value == "Xk9mQ2vLp7wRtz");
    CHECK_FALSE(hit_of(scan("password = \"${DB_PASSWORD}\"\npassword = 'changeme'\n"), "password-assignment"));
    auto cards = scan("card 4111 1111 1111 1111 and card 4539148803436467 and 4539148803436468 ");
    int real = 0, test_cards = 0;
    for (const auto& h : cards)
        if (secret_rules()->rules()[h.rule].id == "payment-card")
            (h.confidence == Confidence::low ? test_cards : real)++;
    CHECK(real == 1);
    CHECK(test_cards == 1);
}

TEST_CASE("a value ends where the string does, and prints as ASCII") {
    std::string memory = "REACT_APP_AUTH_PASS=whiteduke";
    memory += std::string(200, '\0');
    auto hits = scan(memory);
    const SecretHit* password = hit_of(hits, "password-assignment");
    REQUIRE(password);
    CHECK(password->value == "whiteduke");
    CHECK(printable_value(std::string("a\0b\\\xe9", 5)) == "a\\x00b\\x5c\\xe9");
    CHECK(printable_value("Gr\xc3\xbc\xc3\x9f"
                          "e") ==
          "Gr\xc3\xbc\xc3\x9f"
          "e");
    // Binary after a keyword is no password; UTF-8 text is.
    CHECK_FALSE(hit_of(scan("pwd=\xd2\x91\xfe\x03\xa8U\xc1\x9e "), "password-assignment"));
    auto utf8 = scan(
        "password=\"Gr\xc3\xbc\xc3\x9f"
        "e-42x\"\n");
    REQUIRE(hit_of(utf8, "password-assignment"));
    CHECK(hit_of(utf8, "password-assignment")->value ==
          "Gr\xc3\xbc\xc3\x9f"
          "e-42x");
    CHECK(secret_preview(std::string("\x01\x02\x03\x04xxxxxxxxxxxxxxxxxxxxxxxxxxxx\x7f", 33)) ==
          "\\x01\\x02\\x03\\x04…xxx\\x7f");
}

// The secret values `rules` finds in `memory`.
static std::set<std::string> values(const SecretRules& rules, const std::string& memory) {
    std::set<std::string> out;
    for (const auto& h :
         scan_for_secrets(rules, reinterpret_cast<const std::uint8_t*>(memory.data()), memory.size(), 0x1000))
        out.insert(h.value);
    return out;
}

TEST_CASE("after_anchor passes over an anchor followed by another byte, and only that") {
    auto rules_with = [](const std::string& after) {
        return SecretRules::compile(nlohmann::json::parse(R"j({"schema": "coroner.secret-rules/1",
            "rules": [{"id": "U", "anchors": ["-u"], "group": 1, "after_anchor": ")j" +
                                                          after + R"j(",
                       "max_length": 24, "pattern": "-u[ =]?([a-z]{6,})"}]})j"));
    };
    // Further apart than the rule's max_length: each match is only scanned for around its own anchor.
    const std::string apart(100, '.');
    std::string memory = "curl -u alicealice" + apart + "-u=bobbobbob" + apart + "-ucarolcarol" + apart;
    CHECK(values(*rules_with(""), memory) == std::set<std::string>{"alicealice", "bobbobbob", "carolcarol"});
    CHECK(values(*rules_with(" ="), memory) == std::set<std::string>{"alicealice", "bobbobbob"});
    CHECK(values(*rules_with("c"), memory) == std::set<std::string>{"carolcarol"});
    // The built-in command-line rules still find theirs.
    REQUIRE(hit_of(scan("curl -u deploy:Xk9mQ2vLp7wRtz https://h/\n"), "curl-user-password"));
    REQUIRE(hit_of(scan(" psexec \\\\host -u admin -p\tS3cretPassw0rd cmd\n"), "windows-cli-password"));
}

TEST_CASE("except_words drop a match that holds one, ignoring case only in a caseless rule") {
    auto rules_with = [](bool caseless) {
        return SecretRules::compile(nlohmann::json::parse(std::string(R"j({"schema": "coroner.secret-rules/1",
            "rules": [{"id": "KEY", "anchors": ["="], "group": 1, "except_words": ["Vendor_Key"],
                       "pattern": "[A-Za-z_]{0,20}_[Kk][Ee][Yy]=([a-z0-9]{8,})", "caseless": )j") +
                                                          (caseless ? "true" : "false") + "}]}"));
    };
    std::string memory = "other_key=k4m9x2q7z1 Vendor_Key=v8w3n5r1t6 VENDOR_KEY=u2p7l4s9e3\n";
    CHECK(values(*rules_with(false), memory) == std::set<std::string>{"k4m9x2q7z1", "u2p7l4s9e3"});
    CHECK(values(*rules_with(true), memory) == std::set<std::string>{"k4m9x2q7z1"});
    // The built-in generic rules leave AWS secret keys and npm tokens to their vendors' rules, which read
    // the formats: a 42-digit hex value is no AWS secret key, a real one is found by its own rule.
    auto wrong_length = scan("export AWS_SECRET_ACCESS_KEY=ded7db27a4558e2ea9bbf0bf36ae0e8521618f366c\n");
    CHECK(wrong_length.empty());
    auto aws = scan("aws_secret_access_key = Tq9vJ2mXr4LpW8sZ1nB6cY3hK7dF0gA5eU2iO9w/\\n");
    REQUIRE(hit_of(aws, "aws-secret-access-key"));
    CHECK(hit_of(aws, "aws-secret-access-key")->value == "Tq9vJ2mXr4LpW8sZ1nB6cY3hK7dF0gA5eU2iO9w/");
    REQUIRE(hit_of(scan("AWS_SESSION_TOKEN=FwoGZXIvYXdzEJr4mK9pL2sQ7vN3xT8wZ1cB6yH5\n"), "secret-assignment"));
    REQUIRE(hit_of(scan("NPM_TOKEN=npm_TCllNwh2WLQlMWVhybM1iQrsTj6rMQ0BOh6d\n"), "npm-token"));
}

TEST_CASE("keyword contexts: Gradle credentials, REACT_APP_ user names, bucket URIs but not bucket hosts") {
    auto gradle = scan("credentials {\n    username 'deploy'\n    password 'Kp7#vQ2mZx9w'\n}\n");
    REQUIRE(hit_of(gradle, "gradle-credentials-password"));
    CHECK(hit_of(gradle, "gradle-credentials-password")->value == "Kp7#vQ2mZx9w");
    CHECK_FALSE(hit_of(scan("credentials {\n  password \"$nexusPassword\"\n}\n"), "gradle-credentials-password"));
    auto user = scan("REACT_APP_AUTH_USERNAME=bowie # the login\n");
    REQUIRE(hit_of(user, "react-app-username"));
    CHECK(hit_of(user, "react-app-username")->value == "bowie");
    CHECK(hit_of(user, "react-app-username")->confidence == Confidence::low);
    CHECK_FALSE(hit_of(scan("REACT_APP_FORGOT_USERNAME=$REACT_APP_BASE_URL/forgot\n"), "react-app-username"));
    auto bucket = scan("aws s3 cp report.json s3://ledger-exports-prod/2026/ --sse\n");
    REQUIRE(hit_of(bucket, "storage-bucket-uri"));
    CHECK(hit_of(bucket, "storage-bucket-uri")->value == "ledger-exports-prod");
    CHECK(scan("GET https://ledger-exports-prod.s3.amazonaws.com/2026/report.json\n").empty());
}

TEST_CASE("a secret two rules match is one finding, of the more specific rule") {
    auto hits = scan("token = ghp_u8jzPde0IgxLd6GncfBAepfJBd0Kh8oOOL8d\n");
    REQUIRE(hit_of(hits, "github-token"));
    REQUIRE(hit_of(hits, "secret-assignment"));
    auto kept = without_contained_hits(hits, *secret_rules());
    REQUIRE(kept.size() == 1);
    CHECK(secret_rules()->rules()[kept[0].rule].id == "github-token");
    // A hit that only overlaps another is kept: redaction must still cover its bytes.
    SecretHit wide = kept[0];
    wide.address -= 2;
    wide.rule = hits[0].rule == kept[0].rule ? hits[1].rule : hits[0].rule;
    wide.confidence = Confidence::medium;
    CHECK(without_contained_hits({kept[0], wide}, *secret_rules()).size() == 2);
}

TEST_CASE("random bytes hold no findings, and a rule that does not compile names itself") {
    std::string noise;
    std::uint64_t x = 88172645463325252ULL;
    for (int i = 0; i < 1 << 20; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        noise += static_cast<char>(x & 0xff);
    }
    CHECK(scan(noise).size() <= 2);  // chance alone may make a card number or two
    nlohmann::json bad = {{"schema", "coroner.secret-rules/1"},
                          {"rules", {{{"id", "broken"}, {"pattern", "(unclosed"}, {"confidence", "high"}}}}};
    CHECK_THROWS_WITH_AS(SecretRules::compile(bad), doctest::Contains("broken"), UserError);
}

TEST_CASE("a list of environment variable names to pass on is not a password") {
    // tox's passenv (pass_env since tox 4) names the variables a test environment gets.
    for (const char* text : {" TOX_TESTENV_PASSENV=OPENBLAS_* ", " passenv = HOME LANG ", " pass_env=FOO_* "}) {
        CAPTURE(text);
        CHECK(hit_of(scan(text), "password-assignment") == nullptr);
    }
    // Passwords next to it still are: the key only must not be "pass" then "env".
    for (const char* text :
         {" PASSWORD=Ovo9Kjs2 ", " DB_PASS=Ovo9Kjs2 ", " PASS_ENCRYPTED=Ovo9Kjs2 ", " pass=Ovo9Kjs2 "}) {
        CAPTURE(text);
        auto hits = scan(text);
        const SecretHit* h = hit_of(hits, "password-assignment");
        REQUIRE(h != nullptr);
        CHECK(h->value == "Ovo9Kjs2");
    }
}
