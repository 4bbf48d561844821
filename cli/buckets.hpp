// `coroner buckets RESULTS.jsonl...`: the rows of `coroner triage` runs as the bucket table a team reads.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace coroner::cli {

struct BucketsOptions {
    std::vector<std::string> results;  // JSONL files of coroner triage (any number of runs or shards)
    bool json = false;                 // coroner.buckets/1 instead of Markdown
    std::optional<std::string> out;    // Markdown or JSON here instead of stdout
    std::optional<std::string> html;   // and the page here
    std::optional<std::string> since, until, known;
    bool force = false;   // replace --out / --html if they exist
    bool reveal = false;  // leave secrets in the rows' texts as they are
};

// Returns the exit status: 0, or 1 when some lines were not triage rows (the table is written all the same).
int run_buckets(const BucketsOptions& options);

}  // namespace coroner::cli
