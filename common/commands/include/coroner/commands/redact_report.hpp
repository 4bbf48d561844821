// pm-redact: a copy of the core without the credentials pm-secrets-scan finds, and its text and JSON.
#pragma once

#include "coroner/base/output_file.hpp"
#include "coroner/commands/session.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace coroner {

struct RedactOptions {
    std::string output;
    bool force = false;
    std::optional<std::string> rules_file;
};

struct RedactResult {
    std::string output;                 // absolute path
    std::size_t findings = 0;           // in memory and in the notes
    std::size_t findings_in_notes = 0;  // the command line in NT_PRPSINFO, file paths in NT_FILE
    std::uint64_t bytes_overwritten = 0;
    // What a scan of the written copy finds around every overwritten range (as far as a match can reach) and
    // in its notes: every other byte is the input's, scanned already. 0 is the point.
    std::size_t findings_after = 0;
};

// Writes a copy of the loaded core with every finding in memory and in the notes overwritten in place
// (mode 0600, sparse where the core is; the secrets' blocks are written patched, so no secret ever reaches
// the copy), re-checks the written copy, and only then gives it its name.
RedactResult redact_core(const Session& session, const RedactOptions& options);

// The same into `out`, a file the caller opened (and commits, or packs elsewhere): what the `coroner`
// program uses to store a copy compressed as its input was. The session must be of a core file.
RedactResult write_redacted_core(const Session& session, const std::optional<std::string>& rules_file, OutputFile& out);

nlohmann::ordered_json redact_json(const RedactResult& result);
std::string redact_text(const RedactResult& result);

}  // namespace coroner
