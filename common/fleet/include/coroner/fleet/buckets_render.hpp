// The bucket table as JSON (coroner.buckets/1), as Markdown, and as one self-contained HTML page.
#pragma once

#include "coroner/fleet/buckets_report.hpp"

#include <nlohmann/json.hpp>

#include <string>

namespace coroner {

nlohmann::ordered_json buckets_json(const BucketTable& table, const BucketFilter& filter);
std::string buckets_markdown(const BucketTable& table, const BucketFilter& filter);
// No network: styles and the sorting script are in the page.
std::string buckets_html(const BucketTable& table, const BucketFilter& filter);

// Every text in the table that came from a core (signatures, messages, frames, paths, errors) with each
// secret shown as its preview: rows written with `coroner triage --reveal`, or by an older coroner, may
// hold one.
void redact_bucket_table(BucketTable& table);

}  // namespace coroner
