#include "coroner/base/patched_copy.hpp"

#include "coroner/base/interrupt.hpp"
#include "coroner/base/output_file.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <unistd.h>

namespace coroner {
namespace {

constexpr std::uint64_t patch_block = 4096;
constexpr std::uint64_t kernel_copy_step = 64ull << 20;  // between two questions to interrupted()
constexpr std::size_t patch_buffer_size = 1u << 20;

// Consecutive blocks holding patches: [start, end) of the file, and the patches in them (a range of the list
// sorted by offset).
struct DirtyRun {
    std::uint64_t start, end;
    std::size_t first, last;
};

std::vector<DirtyRun> dirty_runs(const std::vector<FilePatch>& sorted, std::uint64_t size) {
    std::vector<DirtyRun> runs;
    for (std::size_t i = 0; i < sorted.size(); i++) {
        const FilePatch& p = sorted[i];
        if (p.bytes.empty() || p.offset >= size) continue;
        std::uint64_t start = p.offset / patch_block * patch_block;
        std::uint64_t end =
            p.bytes.size() >= size - p.offset
                ? size
                : std::min(size, (p.offset + p.bytes.size() + patch_block - 1) / patch_block * patch_block);
        if (!runs.empty() && start <= runs.back().end) {
            runs.back().end = std::max(runs.back().end, end);
            runs.back().last = i + 1;
        } else {
            runs.push_back({start, end, i, i + 1});
        }
    }
    return runs;
}

class PatchedCopy {
public:
    PatchedCopy(const std::string& from, int in, int out, std::vector<FilePatch> sorted)
        : from_(from), in_(in), out_(out), patches_(std::move(sorted)) {}

    void run(std::uint64_t size) {
        if (::ftruncate(out_, static_cast<off_t>(size)) != 0) file_failure("write", "the copy", errno);
        std::vector<DirtyRun> runs = dirty_runs(patches_, size);
        std::vector<std::pair<std::uint64_t, std::uint64_t>> extents = data_extents(size);
        auto next_run = runs.begin();
        auto extent = extents.begin();
        std::uint64_t at = 0;
        while (at < size) {
            while (next_run != runs.end() && next_run->end <= at) ++next_run;
            while (extent != extents.end() && extent->second <= at) ++extent;
            std::uint64_t data = extent == extents.end() ? size : std::max(extent->first, at);
            if (next_run != runs.end() && next_run->start < data) {
                // Patches in a hole (or in blocks the last step began): written whatever the source holds there.
                write_patched(*next_run, std::max(next_run->start, at), next_run->end);
                at = next_run->end;
                continue;
            }
            if (data >= size) break;
            std::uint64_t end = extent->second;
            if (next_run != runs.end() && next_run->start < end) end = next_run->start;
            if (end > data) {
                copy_in_kernel(data, end);
                at = end;
            } else {  // a run of patched blocks starts here
                write_patched(*next_run, data, next_run->end);
                at = next_run->end;
            }
        }
    }

private:
    // The source's runs of data, [start, end) each, asked of the file system once (asking again at every
    // patch cost as much as the copy itself).
    std::vector<std::pair<std::uint64_t, std::uint64_t>> data_extents(std::uint64_t size) const {
        std::vector<std::pair<std::uint64_t, std::uint64_t>> extents;
        for (std::uint64_t at = 0; at < size;) {
            std::uint64_t data = seek(at, SEEK_DATA, size);
            if (data >= size) break;
            std::uint64_t hole = std::max(data + 1, seek(data, SEEK_HOLE, size));
            extents.emplace_back(data, hole);
            at = hole;
        }
        return extents;
    }

    // Where the next data (or hole) of the source starts at or after `at`; `size` when there is none.
    std::uint64_t seek(std::uint64_t at, int whence, std::uint64_t size) const {
        off_t found = ::lseek(in_, static_cast<off_t>(at), whence);
        return found < 0 ? size : std::min(size, static_cast<std::uint64_t>(found));
    }

    void copy_in_kernel(std::uint64_t from, std::uint64_t to) {
        while (from < to) {
            if (interrupted()) throw_interrupted();
            std::size_t want = static_cast<std::size_t>(std::min(to - from, kernel_copy_step));
            if (!kernel_copies_) {
                copy_through_buffer(from, want);
                from += want;
                continue;
            }
            off_t in_at = static_cast<off_t>(from), out_at = static_cast<off_t>(from);
            ssize_t n = ::copy_file_range(in_, &in_at, out_, &out_at, want, 0);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0 && (errno == EXDEV || errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP)) {
                kernel_copies_ = false;  // not between these two files: through this process instead
                continue;
            }
            if (n < 0) file_failure("copy", from_, errno);
            if (n == 0) file_failure("read", from_, EIO);  // the file shrank while being copied
            from += static_cast<std::uint64_t>(n);
        }
    }

    void copy_through_buffer(std::uint64_t at, std::size_t size) {
        for (std::size_t done = 0; done < size;) {
            std::size_t piece = std::min(size - done, patch_buffer_size);
            read_into_buffer(at + done, piece);
            write_buffer(at + done, piece);
            done += piece;
        }
    }

    // [from, to) of a run of patched blocks, a buffer at a time: read, the run's patches applied, written.
    void write_patched(const DirtyRun& run, std::uint64_t from, std::uint64_t to) {
        for (std::uint64_t at = from; at < to;) {
            if (interrupted()) throw_interrupted();
            std::size_t piece = static_cast<std::size_t>(std::min<std::uint64_t>(to - at, patch_buffer_size));
            read_into_buffer(at, piece);
            for (std::size_t i = run.first; i < run.last; i++) apply(patches_[i], at, piece);
            write_buffer(at, piece);
            at += piece;
        }
    }

    // The bytes of `patch` that fall in the buffer, which holds `size` bytes of the file from `at`.
    void apply(const FilePatch& patch, std::uint64_t at, std::size_t size) {
        std::uint64_t begin = std::max(patch.offset, at);
        std::uint64_t end = std::min<std::uint64_t>(
            at + size, patch.offset + std::min<std::uint64_t>(patch.bytes.size(), ~patch.offset));
        if (begin >= end) return;
        std::memcpy(buffer_.data() + (begin - at), patch.bytes.data() + (begin - patch.offset), end - begin);
    }

    void read_into_buffer(std::uint64_t at, std::size_t size) {
        for (std::size_t done = 0; done < size;) {
            ssize_t n = ::pread(in_, buffer_.data() + done, size - done, static_cast<off_t>(at + done));
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) file_failure("read", from_, n < 0 ? errno : EIO);
            done += static_cast<std::size_t>(n);
        }
    }

    void write_buffer(std::uint64_t at, std::size_t size) {
        for (std::size_t done = 0; done < size;) {
            ssize_t n = ::pwrite(out_, buffer_.data() + done, size - done, static_cast<off_t>(at + done));
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) file_failure("write", "the copy", n < 0 ? errno : ENOSPC);
            done += static_cast<std::size_t>(n);
        }
    }

    const std::string& from_;
    int in_, out_;
    std::vector<FilePatch> patches_;
    std::vector<std::uint8_t> buffer_ = std::vector<std::uint8_t>(patch_buffer_size);
    bool kernel_copies_ = true;
};

}  // namespace

void copy_file_patched(const std::string& from, int to, std::vector<FilePatch> patches) {
    auto [in, size] = open_copy_source(from);
    std::stable_sort(patches.begin(), patches.end(),
                     [](const FilePatch& a, const FilePatch& b) { return a.offset < b.offset; });
    try {
        PatchedCopy(from, in, to, std::move(patches)).run(size);
    } catch (...) {
        ::close(in);
        throw;
    }
    ::close(in);
}

}  // namespace coroner
