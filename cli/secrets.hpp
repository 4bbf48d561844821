// `coroner secrets-scan` and `coroner redact`: pm-secrets-scan and pm-redact without a debugger, over cores
// in every stored form, for a pile of cores on its way off the host. The scan reads the core file; the
// program, found as `coroner triage` finds it, names the variables findings lie in.
#pragma once

#include "coroner/commands/secrets_report.hpp"

#include <optional>
#include <string>
#include <vector>

namespace coroner::cli {

struct ProgramOptions {
    std::optional<std::string> exe, exe_dir;
};

struct SecretsScanRun {
    std::vector<std::string> paths;  // files, folders, "-" for paths on stdin
    bool json = false;
    SecretsOptions scan;
    ProgramOptions program;
};

// Prints each input's findings (text, or a coroner.secrets/1 JSON line per input); returns the exit
// status: 0 nothing found, 1 findings or an input that could not be scanned.
int run_secrets_scan(const SecretsScanRun& run);

struct RedactRun {
    std::string input;   // a core in any stored form, or a folder of them
    std::string output;  // the copy, or (for a folder) the folder of copies
    bool force = false, json = false;
    std::optional<std::string> rules_file;
    ProgramOptions program;
};

// Writes each redacted copy (mode 0600, stored as its input was); returns 0 when every input was copied,
// else 1.
int run_redact(const RedactRun& run);

}  // namespace coroner::cli
