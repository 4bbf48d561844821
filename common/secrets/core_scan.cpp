#include "coroner/secrets/core_scan.hpp"

#include "coroner/base/interrupt.hpp"
#include "coroner/base/ranges.hpp"

#include <sys/mman.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <exception>
#include <memory>
#include <new>
#include <optional>
#include <thread>

namespace coroner {
namespace {

// Small enough that a chunk read into a worker's buffer is still in the CPU's cache when the passes over it
// (the anchors, the digit and UTF-16 pass, the UTF-16 narrowing) read it again; large enough that the
// margins scanned twice cost little (2 * chunk_overlap: 3%).
constexpr std::uint64_t parallel_chunk = 1ull << 20;

// A worker's read buffer, a chunk and its margins, in one transparent huge page where the kernel gives them
// on request (Debian's default): faulting in a megabyte by 4 KiB pages cost each worker 3.6 ms on a VM where
// a page fault costs 14 us, and a debugger's heap is not in huge pages.
class ChunkBuffer {
public:
    static constexpr std::size_t size = 2u << 20;
    static_assert(parallel_chunk + 2 * chunk_overlap <= size);
    ChunkBuffer() : bytes_(static_cast<std::uint8_t*>(std::aligned_alloc(size, size))) {
        if (!bytes_) throw std::bad_alloc();
        madvise(bytes_.get(), size, MADV_HUGEPAGE);  // a hint: without it, 4 KiB pages
    }
    std::uint8_t* data() const { return bytes_.get(); }

private:
    struct Free {
        void operator()(std::uint8_t* p) const { std::free(p); }
    };
    std::unique_ptr<std::uint8_t, Free> bytes_;
};

// One scannable run of the core file's bytes.
struct Block {
    std::uint64_t address;      // in the target
    std::uint64_t file_offset;  // in the core file
    std::size_t size;
    std::uint64_t keep_from, keep_to;  // the hits that belong to this block start here
};

// Chunks of one segment covering [from, to) (offsets in the segment), each scanned with a margin on both
// sides as far as [limit_from, limit_to) lets it and keeping the hits that start inside it.
void add_chunks(std::vector<Block>& chunks, const CoreSegment& seg, std::uint64_t from, std::uint64_t to,
                std::uint64_t limit_from, std::uint64_t limit_to) {
    for (std::uint64_t at = from; at < to; at += parallel_chunk) {
        std::uint64_t begin = at - limit_from > chunk_overlap ? at - chunk_overlap : limit_from;
        std::uint64_t end = std::min<std::uint64_t>(limit_to, at + parallel_chunk + chunk_overlap);
        chunks.push_back({seg.vaddr + begin, seg.offset + begin, static_cast<std::size_t>(end - begin), seg.vaddr + at,
                          seg.vaddr + std::min<std::uint64_t>(to, at + parallel_chunk)});
    }
}

// The hits in `chunks`, scanned on every CPU. The thread that runs the command scans too, and asks between
// its chunks whether the user wants to stop (only it may ask the debugger); the others stop taking chunks
// once it says so.
std::vector<SecretHit> scan_chunks(const ElfCore& core, const SecretRules& rules, const std::vector<Block>& chunks) {
    std::atomic<std::size_t> next{0};
    std::atomic<bool> stop{false};
    std::size_t threads = std::min<std::size_t>(std::max(1u, std::thread::hardware_concurrency()), chunks.size());
    std::vector<std::vector<SecretHit>> found(std::max<std::size_t>(1, threads));
    // A worker's failure (no scratch, a failed scan) stops them all and is the command's, never a crash of
    // the debugger (an exception escaping a thread terminates the process).
    std::vector<std::exception_ptr> failed(found.size());
    auto work = [&](std::size_t w) {
        try {
            std::optional<ChunkBuffer> buffer;
            for (std::size_t i; !stop && (i = next++) < chunks.size();) {
                if (w == 0 && interrupted()) stop = true;
                const Block& chunk = chunks[i];
                if (!buffer) buffer.emplace();
                core.copy_file_bytes(chunk.file_offset, buffer->data(), chunk.size);
                for (auto& h : scan_for_secrets(rules, buffer->data(), chunk.size, chunk.address))
                    if (h.address >= chunk.keep_from && h.address < chunk.keep_to) found[w].push_back(std::move(h));
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
    std::size_t total = 0;
    for (const auto& f : found) total += f.size();
    hits.reserve(total);  // a debugger's heap faults in 4 KiB pages, each new one at 14 us on a VM
    for (auto& f : found) hits.insert(hits.end(), std::make_move_iterator(f.begin()), std::make_move_iterator(f.end()));
    return hits;
}

}  // namespace

// (See the header.) The dumped segments `wanted` picks, in chunks shared out among the cores, each read
// into its worker's buffer (reading costs less than mapping the file's pages and dropping them again: the
// page tables of a 1 GiB core took longer than reading it). Each chunk is scanned with a margin on both
// sides longer than any match and keeps the hits that start inside it: a match across a chunk edge is seen
// whole, and only once.
std::vector<SecretHit> scan_core_segments(const ElfCore& core, const SecretRules& rules,
                                          const std::function<bool(const CoreSegment&)>& wanted,
                                          std::uint64_t& scanned_bytes, std::size_t& segments_scanned) {
    std::vector<Block> chunks;
    for (const auto& seg : core.segments()) {
        if (seg.filesz == 0 || !wanted(seg)) continue;
        segments_scanned++;
        scanned_bytes += seg.filesz;
        for (auto [part, length] : core.stored_parts(seg)) add_chunks(chunks, seg, part, part + length, 0, seg.filesz);
    }
    return scan_chunks(core, rules, chunks);
}

// (See the header.) Each changed range widened by chunk_overlap on both sides within its segment, the
// windows of a segment merged where they touch (never across segments: joining two segments' bytes could
// make a match neither holds), and scanned as the segments are.
std::vector<SecretHit> scan_core_around(const ElfCore& core, const SecretRules& rules,
                                        const std::vector<std::pair<std::uint64_t, std::uint64_t>>& changed) {
    std::vector<Block> chunks;
    for (const auto& seg : core.segments()) {
        std::vector<std::pair<std::uint64_t, std::uint64_t>> windows;  // offsets in the segment
        for (auto [offset, size] : changed) {
            if (size == 0 || offset >= seg.offset + seg.filesz || offset + size <= seg.offset) continue;
            std::uint64_t from = offset > seg.offset + chunk_overlap ? offset - chunk_overlap - seg.offset : 0;
            std::uint64_t to = std::min(seg.filesz, offset + size - seg.offset + chunk_overlap);
            windows.emplace_back(from, to);
        }
        for (auto [from, to] : joined_ranges(std::move(windows))) add_chunks(chunks, seg, from, to, from, to);
    }
    return scan_chunks(core, rules, chunks);
}

}  // namespace coroner
