// The bucket table: rows grouped as they come, read from JSON Lines, rendered; no debugger needed.
#include "coroner/base/error.hpp"
#include "coroner/core/intake.hpp"
#include "coroner/fleet/buckets_render.hpp"
#include "coroner/fleet/buckets_report.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <fstream>

using coroner::BucketAccumulator;
using coroner::BucketFilter;
using coroner::CrashRow;

namespace {

const std::string token = "ghp_R7kQm2XvT9pLw4ZsN8bYc3HdJ6fGa1Ue5Vio";

CrashRow crash(const std::string& input, const std::string& bucket, const std::string& time,
               const std::string& rating = "unknown") {
    CrashRow row;
    row.input = input;
    row.status = "ok";
    row.time = time;
    row.program = "/srv/bin/" + bucket;
    row.host = "host-" + input.substr(0, 1);
    row.triaged = true;
    row.bucket = bucket;
    row.signature = "SIGSEGV null-deref f_" + bucket + " | main";
    row.cause_class = "null-deref";
    row.summary = "read of " + bucket;
    row.rating = rating;
    row.blame = "f_" + bucket + " at f.c:3";
    row.stack = {"#0 f_" + bucket + " at f.c:3 (" + input + ")", "#1 main at f.c:9"};
    return row;
}

CrashRow failure(const std::string& input, const std::string& error) {
    CrashRow row;
    row.input = input;
    row.status = "error";
    row.error = error;
    return row;
}

// A coroner.batch/1 row as `coroner triage` writes it (the fields the table reads, and some it skips).
nlohmann::json batch_row(const std::string& input, const std::string& bucket, const std::string& time) {
    nlohmann::json frame0 = {{"index", 0},      {"function", "get_total"}, {"file", "a.c"},
                             {"line", 7},       {"module", "/srv/bin/a"},  {"pc", "0x401136"},
                             {"inlined", false}};
    nlohmann::json frame1 = {
        {"index", 1},     {"function", nullptr}, {"file", nullptr}, {"line", nullptr}, {"module", "/usr/lib/libc.so.6"},
        {"pc", "0x7f00"}, {"inlined", false}};
    return {{"schema", "coroner.batch/1"},
            {"input", input},
            {"format", "zstd"},
            {"status", "ok"},
            {"error", nullptr},
            {"seconds", 0.4},
            {"program", {{"path", "/srv/bin/a"}, {"found_by", "metadata"}}},
            {"metadata",
             {{"time", time},
              {"host", "web-1"},
              {"build_id", "abcd"},
              {"package", "a 1.2-3"},
              {"program", "/srv/bin/a"},
              {"sources", {"systemd-coredump xattrs"}}}},
            {"triage",
             {{"schema", "coroner.triage/1"},
              {"bucket", bucket},
              {"signature", "SIGSEGV null-deref get_total | main"},
              {"cause", {{"class", "null-deref"}, {"summary", "read through NULL"}, {"message", nullptr}}},
              {"security", {{"rating", "probably-not-exploitable"}, {"reason", "x"}}},
              {"blame", {{"frame", 0}, {"function", "get_total"}, {"file", "a.c"}, {"line", 7}, {"reason", "r"}}},
              {"process", {{"executable", "/srv/bin/a"}, {"core_time", "2000-01-01T00:00:00Z"}}},
              {"thread", {{"index", 1}, {"frames", {frame0, frame1}}}}}}};
}

}  // namespace

TEST_CASE("buckets: counted, ordered by count then rating, first and last seen, the earliest five examples") {
    BucketAccumulator accumulator({});
    for (int i = 0; i < 7; ++i)
        accumulator.add(crash("a" + std::to_string(i), "aaaa", "2026-11-0" + std::to_string(i + 1) + "T10:00:00Z"));
    accumulator.add(crash("b0", "bbbb", "2026-11-20T10:00:00Z", "probably-not-exploitable"));
    accumulator.add(crash("b1", "bbbb", "2026-11-21T10:00:00Z", "exploitable"));
    accumulator.add(crash("c0", "cccc", "2026-11-22T10:00:00Z", "probably-exploitable"));
    accumulator.add(crash("c1", "cccc", "2026-11-23T10:00:00Z"));
    accumulator.add(failure("z", "the zstd stream is cut short"));
    auto table = accumulator.finish();
    REQUIRE(table.buckets.size() == 3);
    CHECK(table.rows == 12);
    CHECK(table.triaged == 11);
    CHECK(table.buckets[0].id == "aaaa");
    CHECK(table.buckets[0].count == 7);
    CHECK(table.buckets[0].first_seen == "2026-11-01T10:00:00Z");
    CHECK(table.buckets[0].last_seen == "2026-11-07T10:00:00Z");
    CHECK(table.buckets[0].examples == std::vector<std::string>{"a0", "a1", "a2", "a3", "a4"});
    CHECK(table.buckets[0].stack[0].find("(a0)") != std::string::npos);  // the earliest crash speaks for it
    // two each: the worse rating first
    CHECK(table.buckets[1].id == "bbbb");
    CHECK(table.buckets[1].worst_rating == "exploitable");
    CHECK(table.buckets[2].worst_rating == "probably-exploitable");
    CHECK(table.buckets[1].hosts == std::set<std::string>{"host-b"});
    REQUIRE(table.failures.size() == 1);
    CHECK(table.failures[0].error == "the zstd stream is cut short");
}

TEST_CASE("buckets: the same table whatever order the rows come in, and an input read twice counts once") {
    std::vector<CrashRow> rows = {
        crash("a0", "aaaa", "2026-11-01T10:00:00Z"), crash("a1", "aaaa", "2026-11-02T10:00:00Z"),
        crash("b0", "bbbb", "2026-11-03T10:00:00Z"), failure("x", "not a core"), failure("a1", "timeout")};
    auto render = [](const std::vector<CrashRow>& in) {
        BucketAccumulator accumulator({});
        for (const auto& row : in) accumulator.add(row);
        auto table = accumulator.finish();
        return coroner::buckets_json(table, {}).dump();
    };
    std::string forward = render(rows);
    std::vector<CrashRow> backward(rows.rbegin(), rows.rend());
    CHECK(render(backward) == forward);
    rows.push_back(crash("a0", "aaaa", "2026-11-01T10:00:00Z"));
    CHECK(render(rows) == forward);
    auto json = nlohmann::json::parse(forward);
    CHECK(json["cores"] == 4);
    CHECK(json["buckets"][0]["count"] == 2);
    CHECK(json["failures"].size() == 1);  // a1 failed once but was triaged: it is not a failure
}

TEST_CASE("buckets: --since and --until keep crashes of the window, --known marks new and known") {
    BucketFilter filter;
    filter.since = coroner::parse_bucket_time("2026-11-02");
    filter.until = coroner::parse_bucket_time("2026-11-03T23:59:59Z");
    filter.known = std::set<std::string>{"aaaa"};
    BucketAccumulator accumulator(filter);
    accumulator.add(crash("a0", "aaaa", "2026-11-01T10:00:00Z"));
    accumulator.add(crash("a1", "aaaa", "2026-11-02T00:00:00Z"));
    accumulator.add(crash("b0", "bbbb", "2026-11-03T10:00:00Z"));
    accumulator.add(crash("b1", "bbbb", "2026-11-04T00:00:00Z"));
    CrashRow timeless = crash("c0", "cccc", "");
    timeless.time.reset();
    accumulator.add(timeless);
    auto table = accumulator.finish();
    REQUIRE(table.buckets.size() == 2);
    CHECK(table.outside_window == 3);
    for (const auto& bucket : table.buckets) {
        CHECK(bucket.count == 1);
        CHECK(bucket.known == (bucket.id == "aaaa"));
    }
    CHECK_FALSE(coroner::parse_bucket_time("yesterday"));
    CHECK_FALSE(coroner::parse_bucket_time("2026-11-02 junk"));
}

TEST_CASE("buckets: rows read from JSON Lines, lines longer than the read buffer, bad lines counted") {
    coroner::TemporaryFolder folder("coroner-test");
    std::string path = folder.path() + "/rows.jsonl";
    {
        std::ofstream out(path);
        out << batch_row("/cores/1.zst", "b1", "2026-11-29T10:00:00Z").dump() << "\n";
        out << "not json at all\n";
        out << nlohmann::json{{"schema", "coroner.triage/1"}}.dump() << "\n";
        // Rows of 3 MiB each: the 16 MiB buffer ends inside one of them.
        for (int i = 0; i < 8; ++i) {
            auto row = batch_row("/cores/big" + std::to_string(i), "b2", "2026-11-29T11:00:00Z");
            row["triage"]["cause"]["message"] = std::string(3 << 20, 'x');
            out << row.dump() << "\r\n";
        }
        nlohmann::json failed = {{"schema", "coroner.batch/1"}, {"input", "/cores/x"}, {"status", "timeout"},
                                 {"error", "took longer"},      {"metadata", nullptr}, {"triage", nullptr}};
        out << failed.dump();  // no newline at the end
    }
    std::vector<CrashRow> rows;
    auto read = coroner::read_batch_rows(path, [&](CrashRow&& row) { rows.push_back(std::move(row)); });
    CHECK(read.rows == 10);
    CHECK(read.bad == 2);
    CHECK(read.first_bad.find(path + ":2: not JSON") == 0);
    REQUIRE(rows.size() == 10);
    const auto& first = rows[0];
    CHECK(first.triaged);
    CHECK(first.bucket == "b1");
    CHECK(first.time == "2026-11-29T10:00:00Z");  // the metadata's time before the core file's
    CHECK(first.host == "web-1");
    CHECK(first.package == "a 1.2-3");
    CHECK(first.program == "/srv/bin/a");
    CHECK(first.rating == "probably-not-exploitable");
    CHECK(first.blame == "get_total at a.c:7");
    CHECK(first.stack == std::vector<std::string>{"#0 get_total at a.c:7", "#1 0x7f00 in libc.so.6"});
    CHECK(rows[8].bucket == "b2");
    CHECK_FALSE(rows[9].triaged);
    CHECK(rows[9].status == "timeout");
    CHECK(rows[9].error == "took longer");
    CHECK_THROWS_AS(coroner::read_batch_rows(folder.path() + "/none.jsonl", [](CrashRow&&) {}), coroner::UserError);
}

TEST_CASE("buckets: Markdown cells and the HTML page hold the texts safely, secrets redacted") {
    BucketAccumulator accumulator({});
    auto row = crash("a0", "aaaa", "2026-11-01T10:00:00Z");
    row.summary = "<script>alert(1)</script> password " + token;
    accumulator.add(row);
    accumulator.add(failure("/cores/x", "gdb said: token=" + token));
    auto table = accumulator.finish();
    coroner::redact_bucket_table(table);
    std::string markdown = coroner::buckets_markdown(table, {});
    std::string html = coroner::buckets_html(table, {});
    std::string json = coroner::buckets_json(table, {}).dump();
    for (const auto* text : {&markdown, &html, &json}) CHECK(text->find(token) == std::string::npos);
    CHECK(markdown.find("`SIGSEGV null-deref f_aaaa \\| main`") != std::string::npos);
    CHECK(html.find("<script>alert(1)") == std::string::npos);
    CHECK(html.find("&lt;script&gt;alert(1)&lt;/script&gt;") != std::string::npos);
    CHECK(html.find("data-count=\"1\"") != std::string::npos);
    CHECK(html.find("http") == std::string::npos);  // nothing fetched from the network
}
