// `coroner buckets`: a crash pile sorted into bugs. Reads the rows of any number of `coroner triage` runs
// (coroner.batch/1) and groups the triaged ones by their bucket: how many, since when, how dangerous, in
// which programs and on which hosts. Rendering is in buckets_render.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace coroner {

inline constexpr const char* buckets_schema = "coroner.buckets/1";

// What the bucket table needs of one coroner.batch/1 row.
struct CrashRow {
    std::string input;
    std::string status;  // ok | truncated | error | timeout | interrupted
    std::string error;
    std::optional<std::string> time;  // the crash's UTC time (ISO 8601, "Z"), from the core's metadata
    std::optional<std::string> program, build_id, package, host;
    bool triaged = false;  // the row holds pm-triage's JSON; the fields below are set only then
    std::string bucket, signature, cause_class, summary, rating;
    std::string blame;               // "function at file:line", or the reason nothing was blamed
    std::vector<std::string> stack;  // the crashing thread's frames, one line each
};

struct Bucket {
    std::string id, signature, cause_class, summary, blame;
    std::string worst_rating;
    std::optional<bool> known;  // with --known: in the earlier report or not
    std::size_t count = 0;
    std::optional<std::string> first_seen, last_seen;
    std::vector<std::string> stack;  // of its earliest crash
    std::set<std::string> programs, build_ids, packages, hosts;
    std::vector<std::string> examples;  // the inputs of its earliest crashes, at most five
};

struct BucketFilter {
    std::optional<std::int64_t> since, until;    // crash times, seconds since the epoch (UTC), inclusive
    std::optional<std::set<std::string>> known;  // bucket ids of an earlier report
};

struct BucketTable {
    std::vector<Bucket> buckets;     // most crashes first, then the worst rating, the earliest, the id
    std::vector<CrashRow> failures;  // rows not triaged, by input
    std::size_t rows = 0;            // distinct inputs read
    std::size_t triaged = 0;
    std::size_t outside_window = 0;  // left out by --since/--until (a row without a time is left out too)
};

// Groups rows as they come (a hundred thousand rows need not be held at once). An input seen twice (the same
// pile triaged again) counts once: a triaged row wins over a failed one.
class BucketAccumulator {
public:
    explicit BucketAccumulator(BucketFilter filter);
    void add(CrashRow row);
    BucketTable finish();

private:
    struct Group {
        Bucket bucket;
        std::string earliest_key;                                // of the crash that speaks for the bucket
        std::set<std::pair<std::string, std::string>> examples;  // (age key, input), the earliest few
    };
    BucketFilter filter_;
    std::map<std::string, Group> groups_;
    std::map<std::string, CrashRow> failures_;
    std::set<std::string> triaged_inputs_;
    std::size_t outside_window_ = 0;
};

// "2026-11-29", "2026-11-29T18:06:51Z" -> seconds since the epoch; nullopt if it is neither.
std::optional<std::int64_t> parse_bucket_time(const std::string& text);

// Severity order of pm-triage's ratings: exploitable > probably-exploitable > unknown > probably-not-exploitable.
int rating_rank(const std::string& rating);

// Reads coroner.batch/1 rows (JSON Lines) from a file, handing each to `take`. Lines that are not such rows
// are counted, not fatal; the first is named in `first_bad` ("FILE:LINE: why").
struct RowsRead {
    std::size_t rows = 0, bad = 0;
    std::string first_bad;
};
RowsRead read_batch_rows(const std::string& path, const std::function<void(CrashRow&&)>& take);

// The bucket ids of an earlier `coroner buckets --json` report.
std::set<std::string> read_known_buckets(const std::string& path);

}  // namespace coroner
