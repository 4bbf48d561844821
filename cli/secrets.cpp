#include "secrets.hpp"

#include "batch.hpp"
#include "usage_error.hpp"

#include "coroner/base/error.hpp"
#include "coroner/base/interrupt.hpp"
#include "coroner/base/json_util.hpp"
#include "coroner/base/output_file.hpp"
#include "coroner/base/regular_file.hpp"
#include "coroner/commands/redact_report.hpp"
#include "coroner/commands/session.hpp"
#include "coroner/core/intake.hpp"
#include "coroner/core/program_search.hpp"
#include "coroner/core/repack.hpp"
#include "coroner/secrets/text_redaction.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <sys/stat.h>
#include <unistd.h>
#include <climits>
#include <cstdio>
#include <memory>
#include <utility>

namespace coroner::cli {
namespace {

using Json = nlohmann::ordered_json;

// One input made ready for a scan: its plain core (unpacked into the scratch folder when it was stored
// otherwise) and its program, when one is found, or why none was.
struct ReadyCore {
    TakenCore taken;
    std::optional<ProgramChoice> program;
    std::optional<std::string> program_problem;
};

void check_stop() {
    if (stop_requested()) throw_interrupted();
}

ReadyCore make_ready(const std::string& input, const std::string& scratch, const ProgramOptions& options,
                     const ProgramFolder* folder) {
    ReadyCore ready{take_in_core(input, scratch, check_stop), std::nullopt, std::nullopt};
    try {
        ready.program = choose_program(ready.taken.metadata, options.exe, folder);
    } catch (const UserError& error) {
        // The scan needs no program: without it, only the names of the program's own variables are lost.
        ready.program_problem = error.problem();
    }
    return ready;
}

std::unique_ptr<ProgramFolder> program_folder(const ProgramOptions& options) {
    return options.exe_dir ? std::make_unique<ProgramFolder>(*options.exe_dir) : nullptr;
}

Session open_ready(const ReadyCore& ready) {
    return open_core_file(ready.taken.core_path,
                          ready.program ? std::optional<std::string>(ready.program->path) : std::nullopt);
}

Json program_json(const ReadyCore& ready) {
    if (!ready.program) return {{"path", nullptr}, {"found_by", nullptr}, {"problem", *ready.program_problem}};
    return {{"path", ready.program->path}, {"found_by", ready.program->found_by}, {"problem", nullptr}};
}

std::string program_text(const ReadyCore& ready) {
    if (!ready.program) return fmt::format("no program ({}): variables are not named", *ready.program_problem);
    return fmt::format("program {} ({})", ready.program->path, ready.program->found_by);
}

// What is printed: every secret shown as its preview unless --reveal, and JSON that stays JSON whatever
// the core's bytes were.
std::string shown(Json j, bool reveal) {
    if (!reveal) redact_secrets_in_json(j, *secret_rules());
    return json_line(j);
}

std::string shown(const std::string& text, bool reveal) {
    return reveal ? text : redact_secrets_in_text(text, *secret_rules());
}

// One line naming the input (once: most of the intake's messages name it already).
void say_failed(const char* command, const std::string& input, const UserError& error) {
    bool named = error.problem().find(input) != std::string::npos;
    std::fprintf(stderr, "coroner %s: error: %s%s%s (%s)\n", command, named ? "" : input.c_str(), named ? "" : ": ",
                 error.problem().c_str(), error.remedy().c_str());
}

// A truncated core is scanned and copied as far as it goes (the rest reads as holes), and said so.
Json truncation_json(const ReadyCore& ready) {
    return ready.taken.metadata.truncated ? Json(ready.taken.metadata.truncation.value_or("truncated")) : Json(nullptr);
}

void say_truncated(const char* command, const std::string& input, const ReadyCore& ready, const char* so) {
    if (ready.taken.metadata.truncated)
        std::fprintf(stderr, "coroner %s: note: %s is truncated (%s): %s\n", command, input.c_str(),
                     ready.taken.metadata.truncation.value_or("").c_str(), so);
}

bool is_folder(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// `a/b/c` made as folders of mode 0700 (a redacted copy is still a core: no one else's to list).
void make_folders(const std::string& path) {
    for (std::size_t at = path.find('/', 1);; at = path.find('/', at + 1)) {
        std::string part = path.substr(0, at);
        if (!part.empty() && !is_folder(part) && ::mkdir(part.c_str(), 0700) != 0)
            throw UserError(fmt::format("cannot make the folder {}", part), "check the output folder");
        if (at == std::string::npos) return;
    }
}

bool exists(const std::string& path) {
    struct stat st {};
    return ::lstat(path.c_str(), &st) == 0;
}

// The line of an apport field or an attribute, as the copy keeps it: the secrets the rules find in it shown
// as their previews.
EditLine line_editor(const SecretRules& rules) {
    return [&rules](const std::string& line) { return redact_secrets_in_text(line, rules); };
}

void keep_modification_time(const std::string& input, int fd) {
    struct stat st {};
    if (::stat(input.c_str(), &st) != 0) return;
    struct timespec times[2] = {{0, UTIME_OMIT}, st.st_mtim};
    ::futimens(fd, times);
}

// One input's redacted copy at `output`, stored as the input was: plain, compressed the same way, or an
// apport report around the redacted core.
RedactResult redact_one(const std::string& input, const std::string& output, const RedactRun& run,
                        const ProgramFolder* folder) {
    StoredFormat format = detect_stored_format(input);
    OutputFile out(output, run.force, input);  // checked before any work
    TemporaryFolder scratch("coroner-redact");
    ReadyCore ready = make_ready(input, scratch.path(), run.program, folder);
    say_truncated("redact", input, ready, "the copy holds what it holds, the rest as holes");
    Session session = open_ready(ready);
    std::shared_ptr<const SecretRules> rules = secret_rules(run.rules_file);
    RedactResult result;
    if (format == StoredFormat::elf) {
        result = write_redacted_core(session, run.rules_file, out);
    } else {
        OutputFile plain(scratch.path() + "/redacted.core", false, std::nullopt);
        result = write_redacted_core(session, run.rules_file, plain);
        result.output = out.path();
        if (format == StoredFormat::apport) {
            StoredFormat compression =
                ready.taken.format_detail == "apport-zstd" ? StoredFormat::zstd : StoredFormat::gzip;
            repack_apport_report(input, plain.contents_path(), compression, out.fd(), line_editor(*rules), check_stop);
        } else {
            pack_core(plain.contents_path(), format, out.fd(), check_stop);
        }
    }
    copy_coredump_xattrs(input, out.fd(), line_editor(*rules));
    keep_modification_time(input, out.fd());
    // No fsync: no byte written here held a secret (the core is copied patched, then packed; the text
    // fields and attributes are redacted before they are written), so a power loss can cost the copy but
    // never leak one, as pm-redact's.
    out.commit(Flush::none);
    return result;
}

// A rules file that cannot be used is the command line's mistake, said once before any core.
void load_rules(const std::optional<std::string>& rules_file) {
    try {
        secret_rules(rules_file);
    } catch (const UserError& error) {
        throw UsageError(error.problem(), error.remedy());
    }
}

Json redact_row(const RedactResult& result, const std::string& input) {
    Json j = redact_json(result);
    j["input"] = input;
    return j;
}

}  // namespace

int run_secrets_scan(const SecretsScanRun& run) {
    std::vector<std::string> inputs = batch_inputs(run.paths);
    if (inputs.empty()) throw UsageError("no cores to scan", "give core files or folders of them");
    load_rules(run.scan.rules_file);
    auto folder = program_folder(run.program);
    bool failed = false, found = false;
    for (const auto& input : inputs) {
        try {
            TemporaryFolder scratch("coroner-secrets");
            ReadyCore ready = make_ready(input, scratch.path(), run.program, folder.get());
            Session session = open_ready(ready);
            SecretsReport report = scan_secrets(session, run.scan);
            say_truncated("secrets-scan", input, ready, "scanned as far as it goes");
            found = found || !report.findings.empty();
            if (run.json) {
                Json about = Json::object();
                about["input"] = input;
                about["format"] = ready.taken.format_detail;
                about["program"] = program_json(ready);
                about["truncated"] = truncation_json(ready);
                write_secrets_json_line(report, run.scan.reveal, about, [](const std::string& piece) {
                    std::fwrite(piece.data(), 1, piece.size(), stdout);
                });
            } else {
                std::string head = fmt::format("{} ({}), {}\n", input, ready.taken.format_detail, program_text(ready));
                std::fputs(shown(head + secrets_text(report) + "\n", run.scan.reveal).c_str(), stdout);
            }
            std::fflush(stdout);
        } catch (const UserError& error) {
            if (stop_requested()) throw;
            say_failed("secrets-scan", input, error);
            failed = true;
        }
    }
    return failed || found ? 1 : 0;
}

int run_redact(const RedactRun& run) {
    load_rules(run.rules_file);
    auto folder = program_folder(run.program);
    if (!is_folder(run.input)) {
        RedactResult result = redact_one(run.input, run.output, run, folder.get());
        std::fputs(run.json ? shown(redact_row(result, run.input), false).c_str() : redact_text(result).c_str(),
                   stdout);
        return 0;
    }
    // A folder: each core below it to the same place below the output folder, which must not lie inside it
    // (the next run would take the copies for inputs).
    std::string from = real_path(run.input), to = real_path(run.output);
    if (to == from || to.rfind(from + "/", 0) == 0)
        throw UsageError(fmt::format("the output folder {} is inside the input folder {}", run.output, run.input),
                         "give an output folder outside it");
    if (exists(run.output) && !is_folder(run.output))
        throw UsageError(fmt::format("{} is a file, and a folder of cores needs an output folder", run.output),
                         "give -o a folder (it is made if missing)");
    std::size_t written = 0, failed = 0;
    for (const auto& input : batch_inputs({run.input})) {
        std::string relative = input.substr(run.input.size() + (run.input.back() == '/' ? 0 : 1));
        std::string output = run.output + "/" + relative;
        try {
            make_folders(output.substr(0, output.rfind('/')));
            RedactResult result = redact_one(input, output, run, folder.get());
            std::fputs(run.json ? shown(redact_row(result, input), false).c_str() : redact_text(result).c_str(),
                       stdout);
            std::fflush(stdout);
            written++;
        } catch (const UserError& error) {
            if (stop_requested()) throw;
            say_failed("redact", input, error);
            failed++;
        }
    }
    std::fprintf(stderr, "coroner redact: %zu cop%s written to %s, %zu failed\n", written, written == 1 ? "y" : "ies",
                 run.output.c_str(), failed);
    return failed == 0 ? 0 : 1;
}

}  // namespace coroner::cli
