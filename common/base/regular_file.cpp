#include "coroner/base/regular_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace coroner {

int open_regular_file(const std::string& path) {
    // O_NONBLOCK so that opening a FIFO returns at once; it is refused right after.
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) return -1;
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        errno = EINVAL;
        return -1;
    }
    // Reads of a regular file never block anyway; clear the flag for libraries that check it.
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    return fd;
}

std::optional<std::string> read_regular_file(const std::string& path, std::size_t max_size) {
    int fd = open_regular_file(path);
    if (fd < 0) return std::nullopt;
    std::string text;
    char buffer[1 << 16];
    for (;;) {
        ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0 || text.size() + static_cast<std::size_t>(n) > max_size) {
            int error = n < 0 ? errno : n > 0 ? EFBIG : 0;
            ::close(fd);
            if (error == 0) return text;
            errno = error;
            return std::nullopt;
        }
        text.append(buffer, static_cast<std::size_t>(n));
    }
}

std::string why_unreadable(std::size_t max_size) {
    if (errno == EINVAL) return "not a regular file";
    if (errno == EFBIG)
        return max_size % (1u << 20) == 0 ? "it is larger than " + std::to_string(max_size >> 20) + " MiB"
                                          : "it is larger than " + std::to_string(max_size) + " bytes";
    return std::strerror(errno);
}

std::string real_path(const std::string& path) {
    char* real = ::realpath(path.c_str(), nullptr);
    if (!real) return path;
    std::string out = real;
    std::free(real);
    return out;
}

}  // namespace coroner
