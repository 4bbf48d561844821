#include "coroner/fleet/buckets_render.hpp"

#include "coroner/base/utc_time.hpp"
#include "coroner/secrets/text_redaction.hpp"

#include <fmt/format.h>

namespace coroner {
namespace {

using Json = nlohmann::ordered_json;

Json or_null(const std::optional<std::string>& text) { return text ? Json(*text) : Json(nullptr); }

Json window_json(const BucketFilter& filter) {
    auto when = [](const std::optional<std::int64_t>& seconds) {
        return seconds ? Json(iso_utc(*seconds)) : Json(nullptr);
    };
    return {{"since", when(filter.since)}, {"until", when(filter.until)}};
}

std::string state_of(const Bucket& bucket) {
    if (!bucket.known) return "";
    return *bucket.known ? "known" : "new";
}

std::string basename_of(const std::string& path) { return path.substr(path.rfind('/') + 1); }

std::string joined(const std::set<std::string>& items, const std::string& separator, bool basenames = false) {
    std::string text;
    for (const auto& item : items) text += (text.empty() ? "" : separator) + (basenames ? basename_of(item) : item);
    return text;
}

std::string totals_line(const BucketTable& table, const BucketFilter& filter) {
    std::string line = fmt::format("{} cores: {} triaged into {} buckets, {} failed", table.rows, table.triaged,
                                   table.buckets.size(), table.failures.size());
    if (filter.since || filter.until)
        line += fmt::format("; crashes from {} to {} ({} outside left out)",
                            filter.since ? iso_utc(*filter.since) : "the first",
                            filter.until ? iso_utc(*filter.until) : "the last", table.outside_window);
    if (filter.known) {
        std::size_t fresh = 0;
        for (const auto& bucket : table.buckets) fresh += bucket.known == false;
        line += fmt::format("; {} new, {} known", fresh, table.buckets.size() - fresh);
    }
    return line + ".";
}

// A Markdown table cell: pipes and line breaks would end the cell or the row.
std::string cell(const std::string& text) {
    std::string out;
    for (char c : text) {
        if (c == '|')
            out += "\\|";
        else if (c == '\n' || c == '\r')
            out += ' ';
        else
            out += c;
    }
    return out;
}

std::string html_escaped(const std::string& text) {
    std::string out;
    for (char c : text) {
        switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        case '\'': out += "&#39;"; break;
        default: out += c;
        }
    }
    return out;
}

const char* page_style = R"(body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;width:100%;margin-bottom:2em}th,td{border-bottom:1px solid #ddd;padding:4px 8px;
text-align:left;vertical-align:top}th[data-key]{cursor:pointer;user-select:none;background:#f4f4f4}
th[aria-sort=ascending]::after{content:" \25B2"}th[aria-sort=descending]::after{content:" \25BC"}
tr.summary{cursor:pointer}tr.summary:hover{background:#f8f8ff}code{font-size:12px}.new{color:#b00;font-weight:bold}
.rating-3{color:#b00;font-weight:bold}.rating-2{color:#c60}dl{margin:0}dt{font-weight:bold;margin-top:.5em}
dd{margin-left:1.5em}ol{margin:0;padding-left:2em;font-family:monospace;font-size:12px})";

// Sorting reorders the buckets' <tbody> elements (a bucket's row and its details move together); a click on
// a bucket's row shows or hides its details.
const char* page_script = R"(
const table = document.getElementById('buckets');
function sortBuckets(th) {
  const key = th.dataset.key, numeric = th.dataset.type === 'number';
  const dir = th.getAttribute('aria-sort') === 'ascending' ? 'descending' : 'ascending';
  table.querySelectorAll('th[data-key]').forEach(h => h.removeAttribute('aria-sort'));
  th.setAttribute('aria-sort', dir);
  const bodies = Array.from(table.tBodies);
  bodies.sort((a, b) => {
    let x = a.dataset[key] || '', y = b.dataset[key] || '';
    if (numeric) { x = Number(x); y = Number(y); }
    const order = x < y ? -1 : x > y ? 1 : 0;
    return (dir === 'ascending' ? order : -order) || (a.dataset.bucket < b.dataset.bucket ? -1 : 1);
  });
  bodies.forEach(body => table.appendChild(body));
}
table.querySelectorAll('th[data-key]').forEach(th => th.addEventListener('click', () => sortBuckets(th)));
table.querySelectorAll('tr.summary').forEach(tr => tr.addEventListener('click', () => {
  const detail = tr.nextElementSibling;
  detail.hidden = !detail.hidden;
  tr.setAttribute('aria-expanded', String(!detail.hidden));
}));
)";

std::string html_list(const std::set<std::string>& items) {
    return items.empty() ? "<dd>—</dd>" : "<dd>" + html_escaped(joined(items, ", ")) + "</dd>";
}

std::string html_bucket(const Bucket& bucket, bool with_state) {
    int rank = rating_rank(bucket.worst_rating);
    std::string row = fmt::format(
        "<tbody class=\"bucket\" data-bucket=\"{}\" data-count=\"{}\" data-first=\"{}\" data-last=\"{}\" "
        "data-rating=\"{}\" data-class=\"{}\"{}>\n<tr class=\"summary\" aria-expanded=\"false\">",
        html_escaped(bucket.id), bucket.count, html_escaped(bucket.first_seen.value_or("")),
        html_escaped(bucket.last_seen.value_or("")), rank, html_escaped(bucket.cause_class),
        with_state ? " data-state=\"" + state_of(bucket) + "\"" : "");
    row += fmt::format("<td><code>{}</code></td>", html_escaped(bucket.id));
    if (with_state) row += fmt::format("<td class=\"{0}\">{0}</td>", state_of(bucket));
    row += fmt::format("<td class=\"count\">{}</td><td>{}</td><td class=\"rating-{}\">{}</td><td><code>{}</code></td>",
                       bucket.count, html_escaped(bucket.cause_class), rank, html_escaped(bucket.worst_rating),
                       html_escaped(bucket.signature));
    row += fmt::format("<td>{}</td><td>{}</td><td>{}</td></tr>\n", html_escaped(bucket.first_seen.value_or("—")),
                       html_escaped(bucket.last_seen.value_or("—")), html_escaped(joined(bucket.programs, ", ", true)));
    row += fmt::format("<tr class=\"detail\" hidden><td colspan=\"{}\"><dl>", with_state ? 9 : 8);
    row += "<dt>Signature</dt><dd><code>" + html_escaped(bucket.signature) + "</code></dd>";
    row += "<dt>Cause</dt><dd>" + html_escaped(bucket.summary) + "</dd>";
    row += "<dt>Blamed frame</dt><dd>" + html_escaped(bucket.blame.empty() ? "—" : bucket.blame) + "</dd>";
    row += "<dt>Stack</dt><dd><ol start=\"0\">";
    for (const auto& frame : bucket.stack) row += "<li>" + html_escaped(frame) + "</li>";
    row += "</ol></dd><dt>Programs</dt>" + html_list(bucket.programs);
    row += "<dt>Build ids</dt>" + html_list(bucket.build_ids);
    row += "<dt>Packages</dt>" + html_list(bucket.packages);
    row += "<dt>Hosts</dt>" + html_list(bucket.hosts);
    row += "<dt>Example cores</dt><dd><ul>";
    for (const auto& example : bucket.examples) row += "<li><code>" + html_escaped(example) + "</code></li>";
    return row + "</ul></dd></dl></td></tr>\n</tbody>\n";
}

}  // namespace

Json buckets_json(const BucketTable& table, const BucketFilter& filter) {
    Json buckets = Json::array();
    for (const auto& bucket : table.buckets) {
        std::string state = state_of(bucket);
        buckets.push_back({{"bucket", bucket.id},
                           {"state", state.empty() ? Json(nullptr) : Json(state)},
                           {"count", bucket.count},
                           {"class", bucket.cause_class},
                           {"rating", bucket.worst_rating},
                           {"signature", bucket.signature},
                           {"summary", bucket.summary},
                           {"blame", bucket.blame.empty() ? Json(nullptr) : Json(bucket.blame)},
                           {"first_seen", or_null(bucket.first_seen)},
                           {"last_seen", or_null(bucket.last_seen)},
                           {"programs", bucket.programs},
                           {"build_ids", bucket.build_ids},
                           {"packages", bucket.packages},
                           {"hosts", bucket.hosts},
                           {"stack", bucket.stack},
                           {"examples", bucket.examples}});
    }
    Json failures = Json::array();
    for (const auto& row : table.failures)
        failures.push_back(
            {{"input", row.input}, {"status", row.status}, {"error", row.error}, {"time", or_null(row.time)}});
    return {{"schema", buckets_schema},
            {"cores", table.rows},
            {"triaged", table.triaged},
            {"failed", table.failures.size()},
            {"window", window_json(filter)},
            {"outside_window", table.outside_window},
            {"buckets", buckets},
            {"failures", failures}};
}

std::string buckets_markdown(const BucketTable& table, const BucketFilter& filter) {
    bool with_state = filter.known.has_value();
    std::string out = "# Crash buckets\n\n" + totals_line(table, filter) + "\n\n";
    out += with_state
               ? "| bucket | state | count | class | worst rating | signature | first seen (UTC) | last seen (UTC) | "
                 "programs |\n|---|---|---:|---|---|---|---|---|---|\n"
               : "| bucket | count | class | worst rating | signature | first seen (UTC) | last seen (UTC) | "
                 "programs |\n|---|---:|---|---|---|---|---|---|\n";
    for (const auto& bucket : table.buckets) {
        out += "| `" + bucket.id + "` | ";
        if (with_state) out += state_of(bucket) + " | ";
        out += fmt::format("{} | {} | {} | `{}` | {} | {} | {} |\n", bucket.count, cell(bucket.cause_class),
                           cell(bucket.worst_rating), cell(bucket.signature), bucket.first_seen.value_or("—"),
                           bucket.last_seen.value_or("—"), cell(joined(bucket.programs, ", ", true)));
    }
    if (!table.failures.empty()) {
        out +=
            fmt::format("\n## Failed cores ({})\n\n| input | status | error |\n|---|---|---|\n", table.failures.size());
        for (const auto& row : table.failures)
            out += fmt::format("| `{}` | {} | {} |\n", cell(row.input), cell(row.status), cell(row.error));
    }
    return out;
}

std::string buckets_html(const BucketTable& table, const BucketFilter& filter) {
    bool with_state = filter.known.has_value();
    std::string page =
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<title>coroner: crash buckets</title>\n<style>";
    page += page_style;
    page += "</style>\n</head>\n<body>\n<h1>Crash buckets</h1>\n<p id=\"totals\">" +
            html_escaped(totals_line(table, filter)) + "</p>\n<table id=\"buckets\">\n<thead><tr><th>bucket</th>";
    if (with_state) page += "<th data-key=\"state\">state</th>";
    page +=
        "<th data-key=\"count\" data-type=\"number\">count</th><th data-key=\"class\">class</th>"
        "<th data-key=\"rating\" data-type=\"number\">worst rating</th><th>signature</th>"
        "<th data-key=\"first\">first seen (UTC)</th><th data-key=\"last\">last seen (UTC)</th>"
        "<th>programs</th></tr></thead>\n";
    for (const auto& bucket : table.buckets) page += html_bucket(bucket, with_state);
    page += "</table>\n";
    if (!table.failures.empty()) {
        page += fmt::format(
            "<h2>Failed cores ({})</h2>\n<table id=\"failures\">\n<thead><tr><th>input</th>"
            "<th>status</th><th>error</th></tr></thead>\n<tbody>\n",
            table.failures.size());
        for (const auto& row : table.failures)
            page += "<tr><td><code>" + html_escaped(row.input) + "</code></td><td>" + html_escaped(row.status) +
                    "</td><td>" + html_escaped(row.error) + "</td></tr>\n";
        page += "</tbody>\n</table>\n";
    }
    return page + "<script>" + page_script + "</script>\n</body>\n</html>\n";
}

void redact_bucket_table(BucketTable& table) {
    const auto& rules = *secret_rules();
    auto clean = [&](std::string& text) { text = redact_secrets_in_text(text, rules); };
    auto clean_set = [&](std::set<std::string>& items) {
        std::set<std::string> out;
        for (const auto& item : items) out.insert(redact_secrets_in_text(item, rules));
        items = std::move(out);
    };
    for (auto& bucket : table.buckets) {
        for (auto* text : {&bucket.signature, &bucket.summary, &bucket.blame}) clean(*text);
        for (auto& frame : bucket.stack) clean(frame);
        for (auto& example : bucket.examples) clean(example);
        for (auto* items : {&bucket.programs, &bucket.build_ids, &bucket.packages, &bucket.hosts}) clean_set(*items);
    }
    for (auto& row : table.failures)
        for (auto* text : {&row.input, &row.error}) clean(*text);
}

}  // namespace coroner
