#include "coroner/secrets/core_scan.hpp"

#include "coroner/base/interrupt.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <thread>

namespace coroner {
namespace {

constexpr std::uint64_t parallel_chunk = 32ull << 20;

// One scannable run of memory: its bytes (from the core file, or read through the debugger).
struct Block {
    std::uint64_t address;
    const std::uint8_t* data;
    std::size_t size;
    std::uint64_t keep_from = 0, keep_to = ~0ull;  // the hits that belong to this block start here
};

}  // namespace

// (See the header.) The dumped segments `wanted` picks, straight from the mapped core file (no copy), in chunks shared
// out among the cores. Each chunk is scanned with a margin on both sides longer than any match and keeps
// the hits that start inside it: a match across a chunk edge is seen whole, and only once.
std::vector<SecretHit> scan_core_segments(const ElfCore& core, const SecretRules& rules,
                                          const std::function<bool(const CoreSegment&)>& wanted,
                                          std::uint64_t& scanned_bytes, std::size_t& segments_scanned) {
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
                                  seg.vaddr + at,
                                  seg.vaddr + std::min<std::uint64_t>(part + length, at + parallel_chunk)});
            }
    }
    // The thread that runs the command scans too, and asks between its chunks whether the user wants to
    // stop (only it may ask the debugger); the others stop taking chunks once it says so.
    std::atomic<std::size_t> next{0};
    std::atomic<bool> stop{false};
    std::vector<std::vector<SecretHit>> found(std::max(1u, std::thread::hardware_concurrency()));
    // A worker's failure (no scratch, a failed scan) stops them all and is the command's, never a crash of
    // the debugger (an exception escaping a thread terminates the process).
    std::vector<std::exception_ptr> failed(found.size());
    auto work = [&](std::size_t w) {
        try {
            for (std::size_t i; !stop && (i = next++) < chunks.size();) {
                if (w == 0 && interrupted()) stop = true;
                core.populate(chunks[i].data, chunks[i].size);
                for (auto& h : scan_for_secrets(rules, chunks[i].data, chunks[i].size, chunks[i].address))
                    if (h.address >= chunks[i].keep_from && h.address < chunks[i].keep_to)
                        found[w].push_back(std::move(h));
                core.release(chunks[i].data, chunks[i].size);
            }
        } catch (...) {
            failed[w] = std::current_exception();
            stop = true;
        }
    };
    std::vector<std::thread> workers;
    for (std::size_t w = 1; w < found.size(); w++) workers.emplace_back(work, w);
    work(0);
    for (auto& t : workers) t.join();
    for (const auto& failure : failed)
        if (failure) std::rethrow_exception(failure);
    if (stop) throw_interrupted();
    std::vector<SecretHit> hits;
    for (auto& f : found) hits.insert(hits.end(), std::make_move_iterator(f.begin()), std::make_move_iterator(f.end()));
    return hits;
}

}  // namespace coroner
