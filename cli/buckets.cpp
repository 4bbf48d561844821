#include "buckets.hpp"
#include "usage_error.hpp"

#include "coroner/base/error.hpp"
#include "coroner/base/output_file.hpp"
#include "coroner/fleet/buckets_render.hpp"
#include "coroner/fleet/buckets_report.hpp"

#include <fmt/format.h>

#include <unistd.h>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace coroner::cli {
namespace {

std::optional<std::int64_t> window_end(const std::optional<std::string>& text, const char* flag, bool until) {
    if (!text) return std::nullopt;
    auto seconds = parse_bucket_time(*text);
    if (!seconds)
        throw UsageError(fmt::format("{} {}: not a date or a UTC time", flag, *text),
                         "give 2026-11-29 or 2026-11-29T18:06:51Z");
    // --until 2026-11-29 means to the end of that day.
    if (until && text->size() == 10) *seconds += 24 * 3600 - 1;
    return seconds;
}

void write_all(int fd, const std::string& text, const std::string& where) {
    std::size_t done = 0;
    while (done < text.size()) {
        ssize_t wrote = ::write(fd, text.data() + done, text.size() - done);
        if (wrote < 0 && errno == EINTR) continue;
        if (wrote <= 0)
            throw UserError(fmt::format("cannot write {}: {}", where, std::strerror(errno)), "check the disk");
        done += static_cast<std::size_t>(wrote);
    }
}

}  // namespace

int run_buckets(const BucketsOptions& options) {
    BucketFilter filter;
    filter.since = window_end(options.since, "--since", false);
    filter.until = window_end(options.until, "--until", true);
    if (options.known) filter.known = read_known_buckets(*options.known);
    // Output files are checked before the rows are read: a report that cannot be written is said at once.
    std::optional<OutputFile> out, html;
    if (options.out) out.emplace(*options.out, options.force, std::nullopt);
    if (options.html) html.emplace(*options.html, options.force, std::nullopt);

    BucketAccumulator accumulator(filter);
    std::size_t bad = 0;
    std::string first_bad;
    for (const auto& path : options.results) {
        RowsRead read = read_batch_rows(path, [&](CrashRow&& row) { accumulator.add(std::move(row)); });
        if (read.bad > 0 && bad == 0) first_bad = read.first_bad;
        bad += read.bad;
    }
    BucketTable table = accumulator.finish();
    if (!options.reveal) redact_bucket_table(table);

    std::string text = options.json ? buckets_json(table, filter).dump(2) + "\n" : buckets_markdown(table, filter);
    if (html) {
        write_all(html->fd(), buckets_html(table, filter), html->path());
        html->commit();
    }
    if (out) {
        write_all(out->fd(), text, out->path());
        out->commit();
    } else {
        write_all(1, text, "standard output");
    }
    std::fprintf(
        stderr, "coroner buckets: %zu cores, %zu buckets, %zu failed%s\n", table.rows, table.buckets.size(),
        table.failures.size(),
        bad ? fmt::format("; {} lines were not triage rows and were left out (first: {})", bad, first_bad).c_str()
            : "");
    return bad ? 1 : 0;
}

}  // namespace coroner::cli
