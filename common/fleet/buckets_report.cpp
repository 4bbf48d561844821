#include "coroner/fleet/buckets_report.hpp"

#include "coroner/base/utc_time.hpp"

#include <algorithm>
#include <ctime>
#include <utility>

namespace coroner {

namespace {

constexpr std::size_t example_count = 5;

// Orders crashes by time (those without one last), then by input: "earliest" the same in every run.
std::string age_key(const CrashRow& row) { return row.time.value_or("~") + '\t' + row.input; }

bool in_window(const CrashRow& row, const BucketFilter& filter) {
    if (!filter.since && !filter.until) return true;
    if (!row.time) return false;
    auto seconds = parse_iso_utc(*row.time);
    if (!seconds) return false;
    return (!filter.since || *seconds >= *filter.since) && (!filter.until || *seconds <= *filter.until);
}

}  // namespace

int rating_rank(const std::string& rating) {
    if (rating == "exploitable") return 3;
    if (rating == "probably-exploitable") return 2;
    if (rating == "unknown") return 1;
    if (rating == "probably-not-exploitable") return 0;
    return -1;
}

std::optional<std::int64_t> parse_bucket_time(const std::string& text) {
    if (auto seconds = parse_iso_utc(text)) return seconds;
    std::tm tm{};
    const char* end = ::strptime(text.c_str(), "%Y-%m-%d", &tm);
    if (!end || *end != '\0') return std::nullopt;
    return static_cast<std::int64_t>(::timegm(&tm));
}

BucketAccumulator::BucketAccumulator(BucketFilter filter) : filter_(std::move(filter)) {}

void BucketAccumulator::add(CrashRow row) {
    if (triaged_inputs_.count(row.input)) return;
    if (!in_window(row, filter_)) {
        ++outside_window_;
        return;
    }
    if (!row.triaged) {
        failures_.emplace(row.input, std::move(row));  // the first failure of an input is kept
        return;
    }
    failures_.erase(row.input);
    triaged_inputs_.insert(row.input);
    Group& group = groups_[row.bucket];
    Bucket& bucket = group.bucket;
    std::string key = age_key(row);
    if (bucket.count == 0 || key < group.earliest_key) {
        group.earliest_key = key;
        bucket.id = row.bucket;
        bucket.signature = row.signature;
        bucket.cause_class = row.cause_class;
        bucket.summary = row.summary;
        bucket.blame = row.blame;
        bucket.stack = row.stack;
    }
    ++bucket.count;
    if (rating_rank(row.rating) > rating_rank(bucket.worst_rating) || bucket.worst_rating.empty())
        bucket.worst_rating = row.rating;
    if (row.time) {
        if (!bucket.first_seen || *row.time < *bucket.first_seen) bucket.first_seen = row.time;
        if (!bucket.last_seen || *row.time > *bucket.last_seen) bucket.last_seen = row.time;
    }
    if (row.program) bucket.programs.insert(*row.program);
    if (row.build_id) bucket.build_ids.insert(*row.build_id);
    if (row.package) bucket.packages.insert(*row.package);
    if (row.host) bucket.hosts.insert(*row.host);
    group.examples.emplace(key, row.input);
    if (group.examples.size() > example_count) group.examples.erase(std::prev(group.examples.end()));
}

BucketTable BucketAccumulator::finish() {
    BucketTable table;
    for (auto& [id, group] : groups_) {
        for (const auto& example : group.examples) group.bucket.examples.push_back(example.second);
        if (filter_.known) group.bucket.known = filter_.known->count(id) > 0;
        table.triaged += group.bucket.count;
        table.buckets.push_back(std::move(group.bucket));
    }
    std::sort(table.buckets.begin(), table.buckets.end(), [](const Bucket& a, const Bucket& b) {
        if (a.count != b.count) return a.count > b.count;
        int ra = rating_rank(a.worst_rating), rb = rating_rank(b.worst_rating);
        if (ra != rb) return ra > rb;
        std::string fa = a.first_seen.value_or("~"), fb = b.first_seen.value_or("~");
        if (fa != fb) return fa < fb;
        return a.id < b.id;
    });
    for (auto& [input, row] : failures_) table.failures.push_back(std::move(row));
    table.rows = table.triaged + table.failures.size();
    table.outside_window = outside_window_;
    groups_.clear();
    failures_.clear();
    return table;
}

}  // namespace coroner
