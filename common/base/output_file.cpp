#include "coroner/base/output_file.hpp"

#include "coroner/base/error.hpp"
#include "coroner/base/interrupt.hpp"
#include "coroner/base/regular_file.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <random>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace coroner {
namespace {

constexpr std::size_t copy_block = 1u << 20;
constexpr std::size_t zero_page = 4096;

std::string absolute(const std::string& path) {
    std::error_code ignored;
    auto full = std::filesystem::absolute(path, ignored);
    return (full.empty() ? std::filesystem::path(path) : full).lexically_normal().string();
}

// A name beside `path` that nothing has yet.
std::string unused_name(const std::string& folder) {
    static std::mt19937_64 random{std::random_device{}()};
    return fmt::format("{}/.coroner-output.{:016x}", folder, random());
}

void write_all(int fd, const std::uint8_t* bytes, std::size_t size, std::uint64_t at, const std::string& name) {
    while (size > 0) {
        ssize_t n = ::pwrite(fd, bytes, size, static_cast<off_t>(at));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) file_failure("write", name, n < 0 ? errno : ENOSPC);
        bytes += n;
        size -= static_cast<std::size_t>(n);
        at += static_cast<std::uint64_t>(n);
    }
}

bool all_zero(const std::uint8_t* bytes, std::size_t size) {
    return std::all_of(bytes, bytes + size, [](std::uint8_t b) { return b == 0; });
}

}  // namespace

OutputFile::OutputFile(const std::string& path, bool force, const std::optional<std::string>& input)
    : path_(absolute(path)) {
    folder_ = std::filesystem::path(path_).parent_path().string();
    if (folder_.empty()) folder_ = "/";
    struct stat existing {};
    if (::lstat(path_.c_str(), &existing) == 0) {
        if (!force) throw UserError(fmt::format("{} exists", path_), "give another name, or --force to replace it");
        if (!S_ISREG(existing.st_mode) && !S_ISLNK(existing.st_mode))
            throw UserError(fmt::format("{} exists and is not a regular file", path_),
                            "give the path of a regular file to replace, or a new one");
        struct stat in {};
        if (input && S_ISREG(existing.st_mode) && ::stat(input->c_str(), &in) == 0 && in.st_dev == existing.st_dev &&
            in.st_ino == existing.st_ino)
            throw UserError(fmt::format("{} is the loaded core itself", path_), "write the copy to another file");
        replace_ = true;
    } else if (errno != ENOENT) {
        file_failure("write", path_, errno);
    }
    fd_ = ::open(folder_.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd_ < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
        // No unnamed files here (some network file systems): a hidden name, removed on every way out
        // but a kill.
        named_temporary_ = unused_name(folder_);
        fd_ = ::open(named_temporary_.c_str(), O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600);
    }
    if (fd_ < 0) file_failure("write in", folder_, errno);
    if (::fchmod(fd_, 0600) != 0) file_failure("make private", folder_, errno);  // 0600 whatever the umask
}

OutputFile::~OutputFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!committed_ && !named_temporary_.empty()) ::unlink(named_temporary_.c_str());
}

std::string OutputFile::contents_path() const {
    return named_temporary_.empty() ? fmt::format("/proc/self/fd/{}", fd_) : named_temporary_;
}

void OutputFile::commit(Flush flush) {
    if (flush == Flush::to_disk && ::fsync(fd_) != 0) file_failure("write", path_, errno);
    if (interrupted()) throw_interrupted();
    std::string staged = named_temporary_;
    if (staged.empty()) {
        // Give the unnamed file a name: the final one, or one beside it to rename over an existing file.
        std::string target = replace_ ? unused_name(folder_) : path_;
        if (::linkat(AT_FDCWD, contents_path().c_str(), AT_FDCWD, target.c_str(), AT_SYMLINK_FOLLOW) != 0)
            file_failure("write", target, errno);
        if (!replace_) {
            committed_ = true;
            return;
        }
        staged = target;
    }
    if (::rename(staged.c_str(), path_.c_str()) != 0) {
        int error = errno;
        ::unlink(staged.c_str());
        file_failure("rename the copy to", path_, error);
    }
    committed_ = true;
}

void file_failure(const std::string& what, const std::string& path, int error) {
    throw UserError(fmt::format("cannot {} {}: {}", what, path, std::strerror(error)),
                    "check the folder, its permissions and the free space");
}

std::pair<int, std::uint64_t> open_copy_source(const std::string& from) {
    int in = open_regular_file(from);
    if (in < 0 && errno == EINVAL)
        throw UserError(fmt::format("{} is not a regular file", from), "give the path of a core dump");
    if (in < 0) file_failure("read", from, errno);
    struct stat st {};
    if (::fstat(in, &st) != 0) {
        int error = errno;
        ::close(in);
        file_failure("read", from, error);
    }
    return {in, static_cast<std::uint64_t>(st.st_size)};
}

void copy_file_sparse(const std::string& from, int to) {
    auto [in, size] = open_copy_source(from);
    const auto end_of_file = static_cast<off_t>(size);
    std::vector<std::uint8_t> buffer(copy_block);
    try {
        if (::ftruncate(to, end_of_file) != 0) file_failure("write", "the copy", errno);
        off_t at = 0;
        while (at < end_of_file) {
            off_t data = ::lseek(in, at, SEEK_DATA);
            if (data < 0) break;  // ENXIO: only a hole is left
            off_t hole = ::lseek(in, data, SEEK_HOLE);
            if (hole < 0) hole = end_of_file;
            for (off_t block = data; block < hole;) {
                if (interrupted()) throw_interrupted();
                std::size_t want = static_cast<std::size_t>(std::min<off_t>(hole - block, copy_block));
                ssize_t got = ::pread(in, buffer.data(), want, block);
                if (got < 0 && errno == EINTR) continue;
                if (got <= 0) file_failure("read", from, got < 0 ? errno : EIO);
                // Pages of zeros stay holes; runs of other pages are written in one call.
                std::size_t n = static_cast<std::size_t>(got);
                for (std::size_t i = 0; i < n;) {
                    std::size_t page = std::min(zero_page, n - i);
                    if (all_zero(buffer.data() + i, page)) {
                        i += page;
                        continue;
                    }
                    std::size_t end = i + page;
                    while (end < n && !all_zero(buffer.data() + end, std::min(zero_page, n - end)))
                        end += std::min(zero_page, n - end);
                    write_all(to, buffer.data() + i, end - i, static_cast<std::uint64_t>(block) + i, "the copy");
                    i = end;
                }
                block += got;
            }
            at = hole;
        }
    } catch (...) {
        ::close(in);
        throw;
    }
    ::close(in);
}

}  // namespace coroner
