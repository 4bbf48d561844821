// A file coroner writes for the user (a redacted core; later a report). Checked before any work is done,
// written unnamed (O_TMPFILE) so that nothing is visible until it is whole — an interrupted or killed
// command leaves no partial copy of a core's secrets behind — with mode 0600, and put in place at the end
// without following a link at that path.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

namespace coroner {

// What commit() does before the file gets its name: wait until the disk holds it (a power loss then leaves
// either no file or the whole of it), or not, as `cp` does (a power loss may leave the named file short or
// empty): for a file that never held a byte the user must not find in it on any disk.
enum class Flush { to_disk, none };

class OutputFile {
public:
    // `path` may exist only with `force`, and then must be a regular file or a link (the link itself is
    // replaced); `input`, when given, is the file the output must never be (same device and inode), by
    // whatever path it is named. Throws UserError for each.
    OutputFile(const std::string& path, bool force, const std::optional<std::string>& input);
    ~OutputFile();
    OutputFile(const OutputFile&) = delete;
    OutputFile& operator=(const OutputFile&) = delete;

    int fd() const { return fd_; }
    // The absolute path the file will have.
    const std::string& path() const { return path_; }
    // A path that reads what has been written so far (before commit the file has no name of its own).
    std::string contents_path() const;
    // Flushes the file to disk (unless told not to) and gives it its name.
    void commit(Flush flush = Flush::to_disk);

private:
    std::string path_, folder_;
    std::string named_temporary_;  // only where the file system has no O_TMPFILE: removed unless committed
    int fd_ = -1;
    bool replace_ = false;
    bool committed_ = false;
};

// A failed read or write of a file a copy reads or writes: a UserError "cannot WHAT PATH: the system's words".
[[noreturn]] void file_failure(const std::string& what, const std::string& path, int error);

// The file a copy is made from, opened as open_regular_file() opens it (never a FIFO), and its size; a
// UserError when it is not a regular file or cannot be read.
std::pair<int, std::uint64_t> open_copy_source(const std::string& from);

// Copies a regular file into `to` (empty, same size afterwards), leaving holes where the source has holes
// or whole pages of zeros, so that a sparse core's copy stays sparse. Asks interrupted() between steps.
void copy_file_sparse(const std::string& from, int to);

}  // namespace coroner
