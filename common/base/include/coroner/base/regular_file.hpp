// Opening a file that a core or a user names. The path may now be anything: a FIFO (whose open() blocks
// until a writer comes, wedging the debugger), a device, a directory. Only regular files are opened.
#pragma once

#include <string>

namespace coroner {

// A read-only descriptor of `path` if it is a regular file, else -1 (errno says why; EINVAL for a file
// that is not regular). Never blocks.
int open_regular_file(const std::string& path);

}  // namespace coroner
