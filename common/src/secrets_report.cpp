#include "coroner/secrets_report.hpp"

#include "coroner/error.hpp"
#include "coroner/interrupt.hpp"
#include "coroner/json_util.hpp"
#include "coroner/module_file.hpp"
#include "coroner/names.hpp"
#include "coroner/output_file.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <thread>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <fcntl.h>
#include <filesystem>
#include <set>
#include <sstream>
#include <string_view>
#include <sys/stat.h>
#include <unistd.h>

namespace coroner {
namespace {

constexpr std::uint64_t brk_randomization = (1ull << 30) + (32ull << 20);  // how far past the program Linux puts the heap (1 GiB of randomization on x86-64 since 5.18)
constexpr std::size_t live_block = 1u << 20;
constexpr std::uint64_t parallel_chunk = 32ull << 20;
constexpr std::uint64_t chunk_overlap = 16ull << 10;

std::vector<std::string> split_list(const std::string& list) {
    std::vector<std::string> out;
    std::stringstream in(list);
    for (std::string item; std::getline(in, item, ',');)
        if (!item.empty()) out.push_back(item);
    return out;
}

// One scannable run of memory: its bytes (from the core file, or read through the debugger).
struct Block {
    std::uint64_t address;
    const std::uint8_t* data;
    std::size_t size;
    std::uint64_t keep_from = 0, keep_to = ~0ull;  // the hits that belong to this block start here
};

// The dumped segments `wanted` picks, straight from the mapped core file (no copy), in chunks shared
// out among the cores. Each chunk is scanned with a margin on both sides longer than any match and keeps
// the hits that start inside it: a match across a chunk edge is seen whole, and only once.
std::vector<SecretHit> scan_core(const ElfCore& core, const SecretRules& rules,
                                 const std::function<bool(const CoreSegment&)>& wanted, std::uint64_t& scanned_bytes,
                                 std::size_t& segments_scanned) {
    std::vector<Block> chunks;
    for (const auto& seg : core.segments()) {
        if (seg.filesz == 0 || !wanted(seg)) continue;
        segments_scanned++;
        scanned_bytes += seg.filesz;
        for (auto [part, length] : core.stored_parts(seg))
        for (std::uint64_t at = part; at < part + length; at += parallel_chunk) {
            std::uint64_t from = at > chunk_overlap ? at - chunk_overlap : 0;
            std::uint64_t to = std::min<std::uint64_t>(seg.filesz, at + parallel_chunk + chunk_overlap);
            chunks.push_back({seg.vaddr + from, core.segment_bytes(seg) + from, static_cast<std::size_t>(to - from),
                              seg.vaddr + at, seg.vaddr + std::min<std::uint64_t>(part + length, at + parallel_chunk)});
        }
    }
    // The thread that runs the command scans too, and asks between its chunks whether the user wants to
    // stop (only it may ask the debugger); the others stop taking chunks once it says so.
    std::atomic<std::size_t> next{0};
    std::atomic<bool> stop{false};
    std::vector<std::vector<SecretHit>> found(std::max(1u, std::thread::hardware_concurrency()));
    auto work = [&](std::size_t w) {
        for (std::size_t i; !stop && (i = next++) < chunks.size();) {
            if (w == 0 && interrupted()) stop = true;
            core.populate(chunks[i].data, chunks[i].size);
            for (auto& h : scan_for_secrets(rules, chunks[i].data, chunks[i].size, chunks[i].address))
                if (h.address >= chunks[i].keep_from && h.address < chunks[i].keep_to) found[w].push_back(std::move(h));
            core.release(chunks[i].data, chunks[i].size);
        }
    };
    std::vector<std::thread> workers;
    for (std::size_t w = 1; w < found.size(); w++) workers.emplace_back(work, w);
    work(0);
    for (auto& t : workers) t.join();
    if (stop) throw_interrupted();
    std::vector<SecretHit> hits;
    for (auto& f : found) hits.insert(hits.end(), std::make_move_iterator(f.begin()), std::make_move_iterator(f.end()));
    return hits;
}

std::vector<SecretFinding> attribute(const Session& s, const SecretRules& rules, std::vector<SecretHit> hits) {
    std::vector<SecretFinding> findings;
    const std::vector<Mapping> on_disk = s.mappings_on_disk();
    for (auto& h : without_contained_hits(std::move(hits), rules)) {
        SecretFinding f;
        f.region = region_of(s, h.address);
        if (f.region.kind == "data" || f.region.kind == "bss") {
            // bss follows its module's data: the module is the last file-backed mapping at or below it.
            std::string module;
            for (const auto& m : on_disk)
                if (m.start <= h.address && !m.path.empty() && m.path[0] == '/') module = m.path;
            if (auto base = module_base(on_disk, module))
                f.symbol = object_symbol_at(module, h.address - *base + read_module_file(module).link_base);
        }
        f.hit = std::move(h);
        findings.push_back(std::move(f));
    }
    std::stable_sort(findings.begin(), findings.end(), [&rules](const SecretFinding& a, const SecretFinding& b) {
        int ca = confidence_rank(a.hit.confidence), cb = confidence_rank(b.hit.confidence);
        if (ca != cb) return ca < cb;
        return rules.rules()[a.hit.rule].id < rules.rules()[b.hit.rule].id;
    });
    return findings;
}

}  // namespace

MemoryRegion region_of(const Session& s, std::uint64_t address) {
    const Mapping* m = find_mapping(s.facts.mappings, address);
    if (!m) return {"anon", "unmapped", std::nullopt};
    if (s.core)
        for (const auto& t : s.core->threads())
            if (t.sp >= m->start && t.sp < m->end)
                return {"stack", fmt::format("thread {} stack", t.tid), t.tid};
    if (m->path == "[stack]") return {"stack", "[stack]", s.facts.pid};
    if (m->path == "[heap]") return {"heap", "[heap]", std::nullopt};
    if (!m->path.empty() && m->path[0] == '/')
        return m->writable ? MemoryRegion{"data", base_name(m->path) + " .data", std::nullopt}
                           : MemoryRegion{"file", m->path, std::nullopt};
    // Anonymous: a module's bss right after it, the brk heap a little past the program, or else anon.
    const Mapping* below = m > s.facts.mappings.data() ? m - 1 : nullptr;
    if (below && below->end == m->start && !below->path.empty() && below->writable)
        return {"bss", base_name(below->path) + " .bss", std::nullopt};
    if (s.executable.path_in_core) {
        std::uint64_t program_end = 0;
        for (const auto& other : s.facts.mappings)
            if (other.path == *s.executable.path_in_core) program_end = std::max(program_end, other.end);
        if (program_end && m->start >= program_end && m->start - program_end <= brk_randomization + (1u << 20) &&
            m->writable)
            return {"heap", "[heap]", std::nullopt};
    }
    return {"anon", fmt::format("anonymous {:#x}-{:#x}", m->start, m->end), std::nullopt};
}

SecretsReport scan_secrets(const Session& s, const SecretsOptions& options) {
    auto started = std::chrono::steady_clock::now();
    SecretsReport report;
    report.rules = secret_rules(options.rules_file);
    report.reveal = options.reveal;
    const std::string least = options.min_confidence.value_or("low");
    if (least != "high" && least != "medium" && least != "low")
        throw UserError(fmt::format("unknown confidence '{}'", least), "give high, medium or low");
    std::vector<std::string> wanted = options.regions ? split_list(*options.regions) : std::vector<std::string>{};
    for (const auto& kind : wanted)
        if (kind != "heap" && kind != "stack" && kind != "data" && kind != "bss" && kind != "anon" && kind != "file")
            throw UserError(fmt::format("unknown region kind '{}'", kind),
                            "give a comma-separated list of heap, stack, data, bss, anon, file");
    auto selected = [&](std::uint64_t address) {
        return wanted.empty() || std::find(wanted.begin(), wanted.end(), region_of(s, address).kind) != wanted.end();
    };
    std::vector<SecretHit> hits;
    if (s.core) {
        hits = scan_core(*s.core, *report.rules, [&](const CoreSegment& seg) { return selected(seg.vaddr); },
                         report.scanned_bytes, report.regions_scanned);
    } else {
        // A live process's memory, read through the debugger in blocks that reach a margin into the next
        // one, so that a secret across a block edge is seen whole; each block keeps the hits that start in it.
        for (const auto& m : s.facts.mappings) {
            if (!m.readable || !selected(m.start)) continue;
            bool any = false;
            for (std::uint64_t at = m.start; at < m.end; at += live_block) {
                if (interrupted()) throw_interrupted();
                std::uint64_t keep_to = std::min<std::uint64_t>(m.end, at + live_block);
                auto bytes = s.memory->read(at, static_cast<std::size_t>(std::min<std::uint64_t>(live_block + chunk_overlap, m.end - at)));
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
    hits.erase(std::remove_if(hits.begin(), hits.end(),
                              [&](const SecretHit& h) { return confidence_rank(h.confidence) > confidence_rank(least); }),
               hits.end());
    report.findings = attribute(s, *report.rules, std::move(hits));
    report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return report;
}

nlohmann::ordered_json secrets_json(const SecretsReport& r) {
    using json = nlohmann::ordered_json;
    json findings = json::array();
    for (const auto& f : r.findings) {
        const SecretRule& rule = r.rules->rules()[f.hit.rule];
        findings.push_back({{"rule", rule.id},
                            {"confidence", f.hit.confidence},
                            {"address", hex_address(f.hit.address)},
                            {"length", f.hit.length},
                            {"region", {{"kind", f.region.kind}, {"name", f.region.name}, {"thread", or_null(f.region.thread)}}},
                            {"symbol", or_null(f.symbol)},
                            {"encoding", f.hit.utf16 ? "utf-16le" : "ascii"},
                            {"preview", secret_preview(f.hit.value)},
                            {"value", r.reveal ? json(printable_value(f.hit.value)) : json(nullptr)}});
    }
    return {{"schema", "coroner.secrets/1"},
            {"scanned_bytes", r.scanned_bytes},
            {"regions_scanned", r.regions_scanned},
            {"seconds", std::round(r.seconds * 1000) / 1000},
            {"findings", findings}};
}

namespace {

bool same_copy(const SecretFinding& a, const SecretFinding& b) {
    return a.hit.value == b.hit.value && a.hit.utf16 == b.hit.utf16 && a.region.name == b.region.name &&
           a.symbol == b.symbol;
}

}  // namespace

std::string secrets_text(const SecretsReport& r) {
    std::string out = fmt::format("{} finding{} in {:.1f} MiB of {} region{} ({:.2f} s, {:.0f} MiB/s)\n",
                                  r.findings.size(), r.findings.size() == 1 ? "" : "s",
                                  static_cast<double>(r.scanned_bytes) / (1 << 20), r.regions_scanned,
                                  r.regions_scanned == 1 ? "" : "s", r.seconds,
                                  r.seconds > 0 ? static_cast<double>(r.scanned_bytes) / (1 << 20) / r.seconds : 0.0);
    for (std::size_t i = 0; i < r.findings.size();) {
        const SecretRule& rule = r.rules->rules()[r.findings[i].hit.rule];
        std::size_t j = i;
        while (j < r.findings.size() && r.findings[j].hit.rule == r.findings[i].hit.rule &&
               r.findings[j].hit.confidence == r.findings[i].hit.confidence)
            j++;
        out += fmt::format("\n{:<6} {} ({}): {}\n", r.findings[i].hit.confidence, rule.id, rule.name, j - i);
        for (std::size_t k = i; k < j;) {
            // Copies of one value in one region (a token in every buffer of a pool) are one line.
            const auto& f = r.findings[k];
            std::size_t copies = 1;
            while (k + copies < j && same_copy(r.findings[k + copies], f)) copies++;
            out += fmt::format("  {:#014x}  {:>4} bytes  {}{}{}  {}{}\n", f.hit.address, f.hit.length, f.region.name,
                               f.symbol ? fmt::format(" ({})", *f.symbol) : "", f.hit.utf16 ? " [UTF-16]" : "",
                               r.reveal ? printable_value(f.hit.value) : secret_preview(f.hit.value),
                               copies > 1 ? fmt::format("  x{} to {:#x}", copies, r.findings[k + copies - 1].hit.address)
                                          : "");
            k += copies;
        }
        i = j;
    }
    if (!r.reveal && !r.findings.empty()) out += "\nvalues are redacted; --reveal shows them\n";
    return out;
}

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
        for (auto& h : scan_for_secrets(rules, notes, static_cast<std::size_t>(size), offset)) hits.push_back(std::move(h));
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

void overwrite(int fd, const std::string& bytes, std::uint64_t at) {
    if (::pwrite(fd, bytes.data(), bytes.size(), static_cast<off_t>(at)) != static_cast<ssize_t>(bytes.size()))
        throw UserError(fmt::format("cannot write the copy: {}", std::strerror(errno)),
                        "check the free space and the folder");
}

}  // namespace

RedactResult redact_core(const Session& s, const RedactOptions& options) {
    if (!s.core)
        throw UserError("pm-redact writes a copy of a core file, and a live process has none",
                        "take a core first (gcore / process save-core), then open it");
    // Every check on the output comes before the scan: a mistake costs nothing.
    OutputFile out(options.output, options.force, s.core->path());
    RedactResult result;
    result.output = out.path();
    SecretsOptions scan_options;
    scan_options.rules_file = options.rules_file;
    SecretsReport report = scan_secrets(s, scan_options);
    std::vector<SecretHit> in_notes = scan_notes(*s.core, *report.rules, report.findings);
    result.findings = report.findings.size() + in_notes.size();
    result.findings_in_notes = in_notes.size();

    copy_file_sparse(s.core->path(), out.fd());
    for (const auto& f : report.findings)
        if (auto at = file_offset_of(*s.core, f.hit)) {
            overwrite(out.fd(), filler(f.hit), *at);
            result.bytes_overwritten += f.hit.length;
        }
    for (const auto& h : in_notes) {
        overwrite(out.fd(), filler(h), h.address);
        result.bytes_overwritten += h.length;
    }
    // What the copy still holds, by the same rules, before it gets its name.
    auto copy = ElfCore::open(out.contents_path());
    std::uint64_t bytes = 0;
    std::size_t segments = 0;
    result.findings_after =
        scan_core(*copy, *report.rules, [](const CoreSegment&) { return true; }, bytes, segments).size() +
        scan_notes(*copy, *report.rules, report.findings).size();
    out.commit();
    return result;
}

nlohmann::ordered_json redact_json(const RedactResult& r) {
    return {{"schema", "coroner.redact/1"},
            {"output", r.output},
            {"findings", r.findings},
            {"findings_in_notes", r.findings_in_notes},
            {"bytes_overwritten", r.bytes_overwritten},
            {"findings_after", r.findings_after}};
}

std::string redact_text(const RedactResult& r) {
    return fmt::format("wrote {} (mode 0600): {} finding{} overwritten ({} in the notes), {} bytes; a scan of the copy "
                       "finds {}\n",
                       r.output, r.findings, r.findings == 1 ? "" : "s", r.findings_in_notes, r.bytes_overwritten,
                       r.findings_after);
}

}  // namespace coroner
