#include "sparse_writer.hpp"

#include "coroner/base/error.hpp"

#include <fmt/format.h>

#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <cstring>

namespace coroner {
namespace {

constexpr std::size_t page_size = 4096;
constexpr std::size_t buffer_size = 4 << 20;

// Stops at the first non-zero block: most pages of a core that are not zero show it in their first bytes.
bool all_zero(const std::uint8_t* bytes, std::size_t size) {
    std::size_t i = 0;
    for (; i + 64 <= size; i += 64) {
        std::uint64_t words[8];
        std::memcpy(words, bytes + i, 64);
        std::uint64_t any = 0;
        for (auto word : words) any |= word;
        if (any != 0) return false;
    }
    for (; i < size; ++i)
        if (bytes[i] != 0) return false;
    return true;
}

}  // namespace

SparseWriter::SparseWriter(int fd) : fd_(fd), filling_(&buffers_[0]) {
    buffers_[0].resize(buffer_size);
    buffers_[1].resize(buffer_size);
    writer_ = std::thread([this] { run(); });
}

SparseWriter::~SparseWriter() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopping_ = true;
    }
    changed_.notify_all();
    writer_.join();
}

void SparseWriter::write(const std::uint8_t* bytes, std::size_t size) {
    while (size > 0) {
        Space free = space();
        std::size_t take = std::min(size, free.size);
        std::memcpy(free.bytes, bytes, take);
        commit(take);
        bytes += take;
        size -= take;
    }
}

void SparseWriter::wait_until_idle(std::unique_lock<std::mutex>& lock) {
    changed_.wait(lock, [this] { return job_.buffer == nullptr; });
    if (error_ != 0) fail(error_);
}

// Gives the full buffer to the writing thread (once it has written the one before) and fills the other.
void SparseWriter::hand_over() {
    if (head_.size() < 64)
        head_.insert(head_.end(), filling_->begin(),
                     filling_->begin() + static_cast<long>(std::min<std::size_t>(64 - head_.size(), filled_)));
    {
        std::unique_lock<std::mutex> lock(mutex_);
        wait_until_idle(lock);
        job_ = {filling_, filled_, offset_};
    }
    changed_.notify_all();
    offset_ += filled_;
    filled_ = 0;
    filling_ = filling_ == &buffers_[0] ? &buffers_[1] : &buffers_[0];
}

void SparseWriter::finish() {
    if (filled_ > 0) hand_over();
    std::unique_lock<std::mutex> lock(mutex_);
    wait_until_idle(lock);
    if (::ftruncate(fd_, static_cast<off_t>(offset_)) != 0) fail(errno);
}

void SparseWriter::run() {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
        changed_.wait(lock, [this] { return stopping_ || job_.buffer != nullptr; });
        if (job_.buffer == nullptr) return;  // stopping, nothing left
        Job job = job_;
        lock.unlock();
        int error = 0;
        try {
            write_pages(job);
        } catch (const std::system_error& failed) {
            error = failed.code().value();
        }
        lock.lock();
        if (error != 0 && error_ == 0) error_ = error;
        job_ = Job{};
        changed_.notify_all();
    }
}

// Writes the runs of pages that are not all zero; the pages between stay holes.
void SparseWriter::write_pages(const Job& job) {
    std::size_t run_start = 0, run_size = 0;
    for (std::size_t at = 0; at < job.size; at += page_size) {
        std::size_t size = std::min(page_size, job.size - at);
        if (all_zero(job.buffer->data() + at, size)) {
            put(job, run_start, run_size);
            run_size = 0;
            continue;
        }
        if (run_size == 0) run_start = at;
        run_size += size;
    }
    put(job, run_start, run_size);
}

void SparseWriter::put(const Job& job, std::size_t start, std::size_t size) {
    while (size > 0) {
        ssize_t done = ::pwrite(fd_, job.buffer->data() + start, size, static_cast<off_t>(job.offset + start));
        if (done < 0 && errno == EINTR) continue;
        if (done <= 0) throw std::system_error(done < 0 ? errno : ENOSPC, std::generic_category());
        start += static_cast<std::size_t>(done);
        size -= static_cast<std::size_t>(done);
    }
}

void SparseWriter::fail(int error) const {
    throw UserError(fmt::format("cannot write the unpacked core: {}", std::strerror(error)),
                    "make room under $TMPDIR or point TMPDIR at a larger file system");
}

}  // namespace coroner
