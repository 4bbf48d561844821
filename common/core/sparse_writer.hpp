// Writes an unpacked stream to a file at increasing offsets, seeking over whole pages of zeros so that the
// file gets holes there (a core is mostly untouched memory). Decompressors write straight into its buffer
// (space, then commit): no copy between them. A second thread scans and writes each full buffer while the
// decoder fills the next one: on tmpfs, writing a page costs about as much as decoding it, so the two
// overlap instead of adding up.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace coroner {

class SparseWriter {
public:
    explicit SparseWriter(int fd);
    ~SparseWriter();
    SparseWriter(const SparseWriter&) = delete;
    SparseWriter& operator=(const SparseWriter&) = delete;

    struct Space {
        std::uint8_t* bytes;
        std::size_t size;
    };
    // Where the next bytes go; never empty.
    Space space() { return {filling_->data() + filled_, filling_->size() - filled_}; }
    // `size` bytes were put into space().
    void commit(std::size_t size) {
        filled_ += size;
        if (filled_ == filling_->size()) hand_over();
    }
    void write(const std::uint8_t* bytes, std::size_t size);

    // Writes what is buffered and gives the file its full length (a trailing hole has no bytes written).
    // Throws UserError when a write failed.
    void finish();

    std::uint64_t size() const { return offset_ + filled_; }
    // The first bytes written (to check that what was unpacked is an ELF core).
    const std::vector<std::uint8_t>& head() const { return head_; }

private:
    struct Job {
        const std::vector<std::uint8_t>* buffer = nullptr;
        std::size_t size = 0;
        std::uint64_t offset = 0;
    };
    void hand_over();
    void wait_until_idle(std::unique_lock<std::mutex>& lock);
    void write_pages(const Job& job);
    void put(const Job& job, std::size_t start, std::size_t size);
    void run();
    [[noreturn]] void fail(int error) const;

    int fd_;
    std::vector<std::uint8_t> buffers_[2];
    std::vector<std::uint8_t>* filling_;
    std::size_t filled_ = 0;
    std::uint64_t offset_ = 0;  // of the buffer being filled
    std::vector<std::uint8_t> head_;

    // Shared with the writing thread, under mutex_.
    std::mutex mutex_;
    std::condition_variable changed_;
    Job job_;  // buffer == nullptr: nothing to write
    bool stopping_ = false;
    int error_ = 0;  // errno of the first failed write
    std::thread writer_;
};

}  // namespace coroner
