// Opening a file that a core or a user names. The path may now be anything: a FIFO (whose open() blocks
// until a writer comes, wedging the debugger), a device, a directory. Only regular files are opened.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

namespace coroner {

// A read-only descriptor of `path` if it is a regular file, else -1 (errno says why; EINVAL for a file
// that is not regular). Never blocks.
int open_regular_file(const std::string& path);

// The whole of `path` if it is a regular file (a /proc file is one) and holds at most `max_size` bytes,
// counting what it grows by while it is read; else nothing, errno saying why (EINVAL: not a regular file,
// EFBIG: more than max_size). Every whole-file read goes through here.
std::optional<std::string> read_regular_file(const std::string& path, std::size_t max_size);

// `path` with every symbolic link resolved and made absolute (realpath), or `path` itself when it cannot be
// (it does not exist, say).
std::string real_path(const std::string& path);

// Why read_regular_file(…, max_size) gave nothing, from errno, for a message: "not a regular file", "it is
// larger than 16 MiB", or the system's words.
std::string why_unreadable(std::size_t max_size);

}  // namespace coroner
