// coroner: the command-line frontend. `coroner triage` runs a debugger in batch mode over cores as they
// arrive (plain, systemd-coredump's compressed files, apport reports); `coroner unpack` writes the plain
// core of any of them. The work is in common/ (intake) and in the debugger frontends (the commands).
#include "batch.hpp"
#include "buckets.hpp"
#include "check_postmortem.hpp"
#include "huge_heap.hpp"
#include "man_page.hpp"
#include "report.hpp"
#include "secrets.hpp"
#include "usage_error.hpp"

#include "coroner/base/error.hpp"
#include "coroner/base/output_file.hpp"
#include "coroner/commands/commands.hpp"
#include "coroner/core/intake.hpp"

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <sys/stat.h>
#include <unistd.h>
#include <climits>
#include <cstdio>
#include <ctime>

namespace {

using coroner::UserError;

std::string executable_folder() {
    char buffer[PATH_MAX];
    ssize_t size = ::readlink("/proc/self/exe", buffer, sizeof buffer - 1);
    if (size <= 0) return ".";
    std::string path(buffer, static_cast<std::size_t>(size));
    return path.substr(0, path.rfind('/'));
}

bool exists(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0;
}

// The build tree's file when this coroner is the one built there, else the installed one beside it.
std::string frontend_file(const char* built, const char* installed) {
    std::string folder = executable_folder();
    if (folder == CORONER_BUILD_DIR && exists(built)) return built;
    return folder + "/../" + installed;
}

// "triage.zst" -> "triage.core": the default name of an unpacked core, in the current folder.
std::string default_unpack_name(const std::string& input) {
    std::string name = input.substr(input.rfind('/') == std::string::npos ? 0 : input.rfind('/') + 1);
    for (const char* suffix : {".zst", ".lz4", ".xz", ".gz", ".crash"}) {
        std::string s = suffix;
        if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0) {
            name.resize(name.size() - s.size());
            break;
        }
    }
    if (name.size() < 5 || name.compare(name.size() - 5, 5, ".core") != 0) name += ".core";
    return name;
}

int unpack(const std::string& input, std::string out, bool force) {
    if (out.empty()) out = default_unpack_name(input);
    coroner::detect_stored_format(input);  // before anything is written
    coroner::OutputFile file(out, force, input);
    std::string how = coroner::unpack_stored_core(input, file.fd());
    coroner::CoreMetadata metadata;
    if (how.rfind("apport", 0) == 0)
        coroner::read_apport_metadata(input, metadata);
    else
        coroner::read_systemd_metadata(input, metadata);
    struct stat st {};
    ::fstat(file.fd(), &st);
    std::uint64_t needed = coroner::elf_core_needed_size(file.fd(), input);
    // The crash's time as the core's modification time, as the kernel would have left it.
    std::tm tm{};
    struct stat original {};
    if (metadata.time && ::strptime(metadata.time->c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm)) {
        struct timespec times[2] = {{0, UTIME_OMIT}, {::timegm(&tm), 0}};
        ::futimens(file.fd(), times);
    } else if (::stat(input.c_str(), &original) == 0) {
        struct timespec times[2] = {{0, UTIME_OMIT}, original.st_mtim};
        ::futimens(file.fd(), times);
    }
    file.commit();
    std::fprintf(
        stderr, "coroner unpack: wrote %s (%s, %llu bytes)%s\n", file.path().c_str(), how.c_str(),
        static_cast<unsigned long long>(st.st_size),
        static_cast<std::uint64_t>(st.st_size) < needed
            ? fmt::format("; it is truncated: {} of the {} bytes its headers promise", st.st_size, needed).c_str()
            : "");
    return 0;
}

void fail(const std::string& what, const std::string& remedy) {
    std::fprintf(stderr, "coroner: error: %s (%s)\n", what.c_str(), remedy.c_str());
}

// The debugger of setup.kind to run, and the coroner frontend it loads (given, or the one built or installed
// with this coroner); false, after saying so, when that frontend is missing.
bool choose_frontend(coroner::cli::DebuggerSetup& setup, const std::string& gdb, const std::string& lldb,
                     const std::string& gdb_script, const std::string& lldb_plugin) {
    bool use_gdb = setup.kind == "gdb";
    setup.executable = use_gdb ? gdb : lldb;
    setup.script =
        use_gdb
            ? (gdb_script.empty() ? frontend_file(CORONER_BUILD_GDB_SCRIPT, CORONER_INSTALL_GDB_SCRIPT) : gdb_script)
            : (lldb_plugin.empty() ? frontend_file(CORONER_BUILD_LLDB_PLUGIN, CORONER_INSTALL_LLDB_PLUGIN)
                                   : lldb_plugin);
    if (exists(setup.script)) return true;
    fail(fmt::format("{} is missing", setup.script),
         use_gdb ? "build coroner's GDB module, or give --gdb-script" : "build the LLDB plugin, or give --lldb-plugin");
    return false;
}

}  // namespace

int main(int argc, char** argv) {
    coroner::cli::heap_in_huge_pages();
    CLI::App app{
        "coroner: post-mortem triage of core dumps as they arrive (plain, systemd-coredump's .zst / .lz4 / "
        ".xz, apport .crash)",
        "coroner"};
    app.set_version_flag("--version", std::string("coroner ") + CORONER_VERSION);
    app.require_subcommand(1);

    coroner::cli::BatchOptions batch;
    batch.debugger.executable = "";
    std::string with;
    unsigned jobs = 0;
    std::string gdb = "gdb", lldb = "lldb", gdb_script, lldb_plugin;
    auto* triage = app.add_subcommand("triage",
                                      "Triage every core in PATH... (files, folders searched recursively, "
                                      "'-' for paths on stdin): one JSONL row per input file");
    triage->add_option("PATH", batch.paths, "cores in any stored form, folders, or - for paths on stdin")->required();
    triage->add_option("--debugger", batch.debugger.kind, "gdb or lldb (default gdb)")
        ->check(CLI::IsMember({"gdb", "lldb"}));
    triage->add_option("--with", with, "more commands in the same debugger: threads,symbols,secrets");
    triage->add_option("--exe", batch.exe, "the program of every core (its build-id is checked)")
        ->check(CLI::ExistingFile);
    triage->add_option("--exe-dir", batch.exe_dir, "a folder of programs, searched by build-id, then by name")
        ->check(CLI::ExistingDirectory);
    triage->add_option("--timeout", batch.debugger.timeout_seconds, "seconds per core (default 120)")
        ->check(CLI::PositiveNumber);
    triage->add_flag("--debuginfod", batch.debugger.debuginfod,
                     "let the debugger fetch debug info (DEBUGINFOD_TIMEOUT set from --timeout)");
    triage->add_option("-j,--jobs", jobs, "cores at once (default: CPUs, fewer if memory is short)")
        ->check(CLI::PositiveNumber);
    triage->add_option("-o,--out", batch.out, "write the rows here instead of stdout");
    triage->add_flag("--reveal", batch.reveal, "show secrets in text that came from the cores (redacted otherwise)");
    triage->add_option("--gdb", gdb, "the gdb to run (default gdb)");
    triage->add_option("--lldb", lldb, "the lldb to run (default lldb)");
    triage->add_option("--gdb-script", gdb_script,
                       "coroner-gdb.py to load (default: the one built or installed "
                       "with this coroner)");
    triage->add_option("--lldb-plugin", lldb_plugin,
                       "libcoroner-lldb.so to load (default: the one built or "
                       "installed with this coroner)");
    std::optional<std::string> shard, shards;
    triage->add_option("--shard", shard,
                       "I/N: triage only the I-th of N slices of the inputs sorted by path (1-based); auto: the "
                       "slice of this Slurm array task or Kubernetes Indexed Job pod");
    triage->add_option("--shards", shards, "N, with --shard auto in a Kubernetes Indexed Job (its completions)");

    std::string unpack_input, unpack_out;
    bool force = false;
    auto* unpack_command = app.add_subcommand("unpack",
                                              "Write the plain ELF core of CORE (any stored form), for "
                                              "`gdb PROG OUT`");
    unpack_command->add_option("CORE", unpack_input, "a core in any stored form")->required();
    unpack_command->add_option("-o,--output", unpack_out,
                               "where to write it (default: CORE's name, in the current "
                               "folder, without .zst/.lz4/.xz/.gz/.crash, ending .core)");
    unpack_command->add_flag("--force", force, "replace OUT if it exists");

    coroner::cli::BucketsOptions buckets;
    auto* buckets_command = app.add_subcommand("buckets",
                                               "Sort the rows of coroner triage runs (any number of runs or "
                                               "shards) into buckets: one per bug, most frequent first");
    buckets_command->add_option("RESULTS", buckets.results, "JSONL files written by coroner triage")
        ->required()
        ->check(CLI::ExistingFile);
    buckets_command->add_flag("--json", buckets.json, "coroner.buckets/1 JSON instead of Markdown");
    buckets_command->add_option("-o,--out", buckets.out, "write the Markdown (or JSON) here instead of stdout");
    buckets_command->add_option("--html", buckets.html, "also write the table as one self-contained HTML page");
    buckets_command->add_option("--since", buckets.since, "only crashes at or after this UTC date or time");
    buckets_command->add_option("--until", buckets.until, "only crashes at or before this UTC date or time");
    buckets_command
        ->add_option("--known", buckets.known, "an earlier buckets --json report: mark each bucket new or known")
        ->check(CLI::ExistingFile);
    buckets_command->add_flag("--force", buckets.force, "replace --out and --html files that exist");
    buckets_command->add_flag("--reveal", buckets.reveal,
                              "show secrets in texts that came from the cores (redacted otherwise)");

    std::string postmortem;
    bool postmortem_json = false;
    auto* check_command = app.add_subcommand("check-postmortem",
                                             "Check an edited post-mortem write-up: blame language, timeline entries "
                                             "without a UTC time, missing sections, fill prompts left, credentials");
    check_command->add_option("FILE", postmortem, "the write-up, in Markdown")->required();
    check_command->add_flag("--json", postmortem_json, "coroner.postmortem-check/1 JSON");

    coroner::cli::ReportRun report;
    std::string report_debugger = "gdb";
    auto* report_command = app.add_subcommand("report",
                                              "Draft the post-mortem write-up of CORE (any stored form) with "
                                              "pm-report in GDB or LLDB: the same text, with the crash time, host "
                                              "and package its metadata records");
    report_command->add_option("CORE", report.core, "a core in any stored form")->required();
    report_command->add_option("--exe", report.exe, "the program (default: the one the core's metadata names)")
        ->check(CLI::ExistingFile);
    // One file per --log (repeated for more), so that CORE after it is not taken for a log.
    report_command->add_option("--log", report.logs, "a log to take the lines around the crash from; repeatable")
        ->allow_extra_args(false);
    report_command->add_option("--window", report.window, "how far before the crash (default 10m)");
    report_command->add_flag("--json", report.json, "one coroner.report/1 JSON object");
    report_command->add_flag("--reveal", report.reveal, "show secrets in text from the core and the logs");
    report_command->add_option("-o,--output", report.output, "write the report here (mode 0600) instead of stdout");
    report_command->add_flag("--force", report.force, "replace --output if it exists");
    report_command->add_option("--debugger", report_debugger, "gdb or lldb (default gdb)")
        ->check(CLI::IsMember({"gdb", "lldb"}));
    report_command->add_option("--timeout", report.debugger.timeout_seconds, "seconds (default 120)")
        ->check(CLI::PositiveNumber);
    report_command->add_option("--gdb", gdb, "the gdb to run (default gdb)");
    report_command->add_option("--lldb", lldb, "the lldb to run (default lldb)");
    report_command->add_option("--gdb-script", gdb_script, "coroner-gdb.py to load");
    report_command->add_option("--lldb-plugin", lldb_plugin, "libcoroner-lldb.so to load");

    coroner::cli::SecretsScanRun scan;
    auto* scan_command = app.add_subcommand(
        "secrets-scan",
        "the credentials each core holds and where (pm-secrets-scan without a debugger); cores in any stored "
        "form, folders, - for paths on stdin; exit status 1 when anything is found");
    scan_command->add_option("CORE", scan.paths, "cores, folders of cores, or - (paths on stdin)")->required();
    scan_command->add_flag("--json", scan.json, "one coroner.secrets/1 JSON object per core, a line each");
    coroner::add_secrets_scan_options(*scan_command, scan.scan);
    coroner::cli::RedactRun redact;
    auto* redact_command = app.add_subcommand(
        "redact",
        "a copy of each core with every secret overwritten (pm-redact without a debugger), stored as the core "
        "was: plain, compressed the same way, or in an apport report");
    redact_command->add_option("CORE", redact.input, "a core in any stored form, or a folder of them")->required();
    redact_command->add_option("-o,--output", redact.output, "the copy, or for a folder the folder of copies")
        ->required();
    redact_command->add_flag("--force", redact.force, "replace copies that exist");
    redact_command->add_flag("--json", redact.json, "one coroner.redact/1 JSON object per core, a line each");
    redact_command->add_option("--rules", redact.rules_file, "a coroner.secret-rules/1 file to use instead");
    for (auto* command : {scan_command, redact_command}) {
        auto& program = command == scan_command ? scan.program : redact.program;
        command->add_option("--exe", program.exe, "the program of every core (its build-id is checked)")
            ->check(CLI::ExistingFile);
        command->add_option("--exe-dir", program.exe_dir, "a folder of programs, searched by build-id, then by name")
            ->check(CLI::ExistingDirectory);
    }

    // For the build: the manual pages, written from the tables above and the debugger commands' own.
    if (argc == 3 && std::string(argv[1]) == "--man-page") {
        std::string section = argv[2];
        if (section != "1" && section != "7") return 2;
        std::fputs(section == "1"
                       ? coroner::cli::program_man_page(coroner::cli::program_commands(app), CORONER_VERSION).c_str()
                       : coroner::cli::commands_man_page(coroner::cli::debugger_commands(), CORONER_VERSION).c_str(),
                   stdout);
        return 0;
    }

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& error) {
        int status = app.exit(error);
        return status == 0 ? 0 : 2;
    }

    try {
        if (unpack_command->parsed()) return unpack(unpack_input, unpack_out, force);
        if (buckets_command->parsed()) return coroner::cli::run_buckets(buckets);
        if (check_command->parsed()) return coroner::cli::run_check_postmortem(postmortem, postmortem_json);
        if (scan_command->parsed() || redact_command->parsed()) {
            coroner::cli::install_stop_handlers();
            int status =
                scan_command->parsed() ? coroner::cli::run_secrets_scan(scan) : coroner::cli::run_redact(redact);
            return coroner::cli::stop_requested() ? 130 : status;
        }
        if (report_command->parsed()) {
            report.debugger.kind = report_debugger;
            if (!choose_frontend(report.debugger, gdb, lldb, gdb_script, lldb_plugin)) return 2;
            return coroner::cli::run_report(report);
        }
        for (std::size_t start = 0; !with.empty();) {
            std::size_t comma = with.find(',', start);
            std::string item = with.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
            if (item != "threads" && item != "symbols" && item != "secrets") {
                fail(fmt::format("--with {}: unknown command '{}'", with, item),
                     "give a comma-separated list of threads, symbols, secrets");
                return 2;
            }
            batch.with.push_back(item);
            if (comma == std::string::npos) break;
            start = comma + 1;
        }
        if (jobs > 0) batch.jobs = jobs;
        if (shard) batch.shard = coroner::cli::resolve_shard(*shard, shards, coroner::cli::shard_environment());
        if (shards && !shard) {
            fail(fmt::format("--shards {} without --shard auto", *shards), "give --shard auto --shards N");
            return 2;
        }
        if (!choose_frontend(batch.debugger, gdb, lldb, gdb_script, lldb_plugin)) return 2;
        coroner::cli::install_stop_handlers();
        return coroner::cli::run_batch(batch);
    } catch (const coroner::cli::UsageError& error) {
        fail(error.what(), error.remedy());
        return 2;
    } catch (const UserError& error) {
        fail(error.what(), error.remedy());
        return unpack_command->parsed() || buckets_command->parsed() || report_command->parsed() ||
                       redact_command->parsed() || scan_command->parsed()
                   ? 1
                   : 2;
    }
}
