#include "coroner/commands/secrets_report.hpp"
#include "coroner/secrets/core_scan.hpp"

#include "coroner/base/error.hpp"
#include "coroner/base/interrupt.hpp"
#include "coroner/base/json_util.hpp"
#include "coroner/base/output_file.hpp"
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

constexpr std::size_t live_block = 1u << 20;

std::vector<std::string> split_list(const std::string& list) {
    std::vector<std::string> out;
    std::stringstream in(list);
    for (std::string item; std::getline(in, item, ',');)
        if (!item.empty()) out.push_back(item);
    return out;
}

// What the addresses of mapping `m` (nullptr: none) are: a region depends on its mapping alone.
MemoryRegion region_of_mapping(const Session& s, const Mapping* m) {
    const ProcessMap map = s.facts.mappings;
    if (!m) return {RegionKind::anon, "unmapped", std::nullopt};
    if (s.core)
        for (const auto& t : s.core->threads())
            if (t.sp >= m->start && t.sp < m->end)
                return {RegionKind::stack, fmt::format("thread {} stack", t.tid), t.tid};
    if (m->path == "[stack]") return {RegionKind::stack, "[stack]", s.facts.pid};
    if (m->path == "[heap]") return {RegionKind::heap, "[heap]", std::nullopt};
    if (!m->path.empty() && m->path[0] == '/')
        return m->writable ? MemoryRegion{RegionKind::data, base_name(m->path) + " .data", std::nullopt}
                           : MemoryRegion{RegionKind::file, m->path, std::nullopt};
    // Anonymous: a module's bss right after it, the brk heap a little past the program, or else anon.
    const Mapping* below = map.below(*m);
    if (below && below->end == m->start && !below->path.empty() && below->writable)
        return {RegionKind::bss, base_name(below->path) + " .bss", std::nullopt};
    if (s.executable.path_in_core) {
        std::uint64_t program_end = map.module_end(*s.executable.path_in_core);
        if (program_end && m->start >= program_end &&
            m->start - program_end <= s.arch->heap_randomization + (1u << 20) && m->writable)
            return {RegionKind::heap, "[heap]", std::nullopt};
    }
    return {RegionKind::anon, fmt::format("anonymous {:#x}-{:#x}", m->start, m->end), std::nullopt};
}

std::vector<SecretFinding> attribute(const Session& s, const SecretRules& rules, std::vector<SecretHit> hits) {
    std::vector<SecretFinding> findings;
    const std::vector<Mapping> on_disk = s.mappings_on_disk();
    std::vector<SecretHit> kept = without_contained_hits(std::move(hits), rules);
    findings.reserve(kept.size());
    // The hits come by address: most lie in the mapping of the one before, whose region is taken again (the
    // benchmark's 8,192 findings, in one anonymous mapping, each named it anew: 1.5 ms).
    const ProcessMap map = s.facts.mappings;
    std::optional<std::pair<const Mapping*, MemoryRegion>> last;
    for (auto& h : kept) {
        SecretFinding f;
        const Mapping* mapping = map.at(h.address);
        if (!last || last->first != mapping) last.emplace(mapping, region_of_mapping(s, mapping));
        f.region = last->second;
        if (f.region.kind == RegionKind::data || f.region.kind == RegionKind::bss) {
            // bss follows its module's data: the module is the last file-backed mapping at or below it.
            std::string module;
            for (const auto& m : on_disk)
                if (m.start <= h.address && !m.path.empty() && m.path[0] == '/') module = m.path;
            if (auto base = ProcessMap(on_disk).module_base(module))
                f.symbol = object_symbol_at(module, h.address - *base + read_module_file(module).link_base);
        }
        f.hit = std::move(h);
        findings.push_back(std::move(f));
    }
    std::stable_sort(findings.begin(), findings.end(), [&rules](const SecretFinding& a, const SecretFinding& b) {
        if (a.hit.confidence != b.hit.confidence) return a.hit.confidence < b.hit.confidence;
        return rules.rules()[a.hit.rule].id < rules.rules()[b.hit.rule].id;
    });
    return findings;
}

}  // namespace

MemoryRegion region_of(const Session& s, std::uint64_t address) {
    return region_of_mapping(s, ProcessMap(s.facts.mappings).at(address));
}

SecretsReport scan_secrets(const Session& s, const SecretsOptions& options) {
    auto started = std::chrono::steady_clock::now();
    SecretsReport report;
    report.rules = secret_rules(options.rules_file);
    report.reveal = options.reveal;
    const std::string least_name = options.min_confidence.value_or("low");
    const std::optional<Confidence> least = from_string<Confidence>(least_name);
    if (!least) throw UserError(fmt::format("unknown confidence '{}'", least_name), "give high, medium or low");
    std::vector<RegionKind> wanted;
    if (options.regions)
        for (const auto& name : split_list(*options.regions)) {
            std::optional<RegionKind> kind = from_string<RegionKind>(name);
            if (!kind)
                throw UserError(fmt::format("unknown region kind '{}'", name),
                                "give a comma-separated list of heap, stack, data, bss, anon, file");
            wanted.push_back(*kind);
        }
    auto selected = [&](std::uint64_t address) {
        return wanted.empty() || std::find(wanted.begin(), wanted.end(), region_of(s, address).kind) != wanted.end();
    };
    std::vector<SecretHit> hits;
    if (s.core) {
        hits = scan_core_segments(
            *s.core, *report.rules, [&](const CoreSegment& seg) { return selected(seg.vaddr); }, report.scanned_bytes,
            report.regions_scanned);
    } else {
        // A live process's memory, read through the debugger in blocks that reach a margin into the next
        // one, so that a secret across a block edge is seen whole; each block keeps the hits that start in it.
        for (const auto& m : s.facts.mappings) {
            if (!m.readable || !selected(m.start)) continue;
            bool any = false;
            for (std::uint64_t at = m.start; at < m.end; at += live_block) {
                if (interrupted()) throw_interrupted();
                std::uint64_t keep_to = std::min<std::uint64_t>(m.end, at + live_block);
                auto bytes = s.memory->read(
                    at, static_cast<std::size_t>(std::min<std::uint64_t>(live_block + chunk_overlap, m.end - at)));
                if (!bytes) bytes = s.memory->read(at, static_cast<std::size_t>(keep_to - at));
                if (!bytes) continue;
                for (auto& h : scan_for_secrets(*report.rules, bytes->data(), bytes->size(), at))
                    if (h.address < keep_to) hits.push_back(std::move(h));
                report.scanned_bytes += keep_to - at;
                any = true;
            }
            report.regions_scanned += any;
        }
    }
    // Fewer to list, not fewer to redact: pm-redact never sets a floor.
    hits.erase(std::remove_if(hits.begin(), hits.end(), [&](const SecretHit& h) { return h.confidence > *least; }),
               hits.end());
    report.findings = attribute(s, *report.rules, std::move(hits));
    report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return report;
}

}  // namespace coroner
