#include "coroner/commands/redact_report.hpp"
#include "coroner/commands/secrets_report.hpp"
#include "coroner/secrets/core_scan.hpp"

#include "coroner/base/error.hpp"
#include "coroner/base/interrupt.hpp"
#include "coroner/base/json_util.hpp"
#include "coroner/base/output_file.hpp"
#include "coroner/base/patched_copy.hpp"
#include "coroner/base/text.hpp"
#include "coroner/core/module_file.hpp"
#include "coroner/core/process_map.hpp"

#include <fmt/format.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <set>
#include <sstream>
#include <string_view>
#include <thread>

namespace coroner {

namespace {

constexpr std::size_t psargs_size = 80;
constexpr std::size_t shortest_cut_secret = 8;

// The notes' text (the command line in NT_PRPSINFO, mapped files' paths in NT_FILE) scanned in place —
// each hit's address is its offset in the file — and what the rules cannot recognise there: a secret
// found in memory that stands in the notes too, whole, or cut short where the kernel cut the command
// line at 80 bytes.
std::vector<SecretHit> scan_notes(const ElfCore& core, const SecretRules& rules,
                                  const std::vector<SecretFinding>& in_memory) {
    std::vector<SecretHit> hits;
    std::set<std::pair<std::string, std::size_t>> values;  // each secret value once, with its rule
    for (const auto& f : in_memory)
        if (!f.hit.utf16 && f.hit.value.size() >= shortest_cut_secret) values.emplace(f.hit.value, f.hit.rule);
    auto found_in_notes = [&](std::size_t rule, std::uint64_t offset, const std::string& value) {
        SecretHit h;
        h.rule = rule;
        h.address = offset;
        h.length = value.size();
        h.value = value;
        h.confidence = rules.rules()[rule].confidence;
        hits.push_back(std::move(h));
    };
    for (auto [offset, size] : core.note_ranges()) {
        const std::uint8_t* notes = core.file_bytes(offset);
        for (auto& h : scan_for_secrets(rules, notes, static_cast<std::size_t>(size), offset))
            hits.push_back(std::move(h));
        std::string_view text(reinterpret_cast<const char*>(notes), static_cast<std::size_t>(size));
        for (const auto& [value, rule] : values)
            for (auto at = text.find(value); at != std::string_view::npos; at = text.find(value, at + 1))
                found_in_notes(rule, offset + at, value);
    }
    if (auto psargs = core.psargs_offset()) {
        const char* field = reinterpret_cast<const char*>(core.file_bytes(*psargs));
        std::string_view args(field, ::strnlen(field, psargs_size));
        for (const auto& [value, rule] : values)
            for (std::size_t k = std::min(value.size() - 1, args.size()); k >= shortest_cut_secret; k--)
                if (args.substr(args.size() - k) == std::string_view(value).substr(0, k)) {
                    found_in_notes(rule, *psargs + args.size() - k, value.substr(0, k));
                    break;
                }
    }
    return without_contained_hits(std::move(hits), rules);
}

// Where in the core file a secret's bytes are: its segment's offset plus its place in the segment.
std::optional<std::uint64_t> file_offset_of(const ElfCore& core, const SecretHit& hit) {
    for (const auto& seg : core.segments())
        if (hit.address >= seg.vaddr && hit.address + hit.length <= seg.vaddr + seg.filesz)
            return seg.offset + (hit.address - seg.vaddr);
    return std::nullopt;
}

// Same length, so that every offset and note size in the file holds; UTF-16 stays UTF-16.
std::string filler(const SecretHit& hit) {
    std::string fill(hit.length, '*');
    if (hit.utf16)
        for (std::size_t i = 1; i < fill.size(); i += 2) fill[i] = '\0';
    return fill;
}

}  // namespace

RedactResult redact_core(const Session& s, const RedactOptions& options) {
    if (!s.core)
        throw UserError("pm-redact writes a copy of a core file, and a live process has none",
                        "take a core first (gcore / process save-core), then open it");
    // Every check on the output comes before the scan: a mistake costs nothing.
    OutputFile out(options.output, options.force, s.core->path());
    RedactResult result = write_redacted_core(s, options.rules_file, out);
    // No fsync: the copy never held a secret (see base/patched_copy.hpp), so a power loss can cost the copy
    // but never leak one, and the wait for the disk was most of the command's time (cp does not wait either).
    out.commit(Flush::none);
    return result;
}

RedactResult write_redacted_core(const Session& s, const std::optional<std::string>& rules_file, OutputFile& out) {
    RedactResult result;
    result.output = out.path();
    SecretsOptions scan_options;
    scan_options.rules_file = rules_file;
    SecretsReport report = scan_secrets(s, scan_options);
    std::vector<SecretHit> in_notes = scan_notes(*s.core, *report.rules, report.findings);
    result.findings = report.findings.size() + in_notes.size();
    result.findings_in_notes = in_notes.size();

    std::vector<FilePatch> patches;
    for (const auto& f : report.findings)
        if (auto at = file_offset_of(*s.core, f.hit)) patches.push_back({*at, filler(f.hit)});
    for (const auto& h : in_notes) patches.push_back({h.address, filler(h)});
    std::vector<std::pair<std::uint64_t, std::uint64_t>> changed;
    for (const auto& p : patches) {
        changed.emplace_back(p.offset, p.bytes.size());
        result.bytes_overwritten += p.bytes.size();
    }
    // The secrets never reach the copy: each block holding one is written patched, the rest copied.
    copy_file_patched(s.core->path(), out.fd(), std::move(patches));
    // What the written copy still holds, by the same rules, before it gets its name: read back around every
    // overwritten range (every other byte is the input's, which the scan above read) and in the notes.
    auto copy = ElfCore::open(out.contents_path());
    result.findings_after = scan_core_around(*copy, *report.rules, changed).size() +
                            scan_notes(*copy, *report.rules, report.findings).size();
    return result;
}

}  // namespace coroner
