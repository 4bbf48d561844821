// One stored core made ready for a debugger: recognised, unpacked into a private folder when it is not a
// whole plain core, completed with holes when truncated, and its facts gathered.
#include "coroner/core/intake.hpp"
#include "coroner/base/utc_time.hpp"

#include "coroner/base/error.hpp"
#include "coroner/base/output_file.hpp"
#include "coroner/base/regular_file.hpp"

#include <fmt/format.h>

#include <dirent.h>
#include <elf.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>

namespace coroner {
namespace {

// A core claiming more than this is corrupt, not truncated (completing it would make a file of that size).
constexpr std::uint64_t largest_believable_core = std::uint64_t{1} << 40;

bool read_exactly(int fd, void* into, std::size_t size, std::uint64_t offset) {
    auto* bytes = static_cast<std::uint8_t*>(into);
    while (size > 0) {
        ssize_t got = ::pread(fd, bytes, size, static_cast<off_t>(offset));
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) return false;
        bytes += got;
        offset += static_cast<std::uint64_t>(got);
        size -= static_cast<std::size_t>(got);
    }
    return true;
}

[[noreturn]] void headers_missing(const std::string& name) {
    throw UserError(fmt::format("core file {} is truncated before the end of its program headers", name),
                    "nothing of the process is left in it; collect the core again");
}

std::optional<std::int64_t> file_mtime(int fd) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) return std::nullopt;
    return static_cast<std::int64_t>(st.st_mtim.tv_sec);
}

int open_or_fail(const std::string& path) {
    int fd = open_regular_file(path);
    if (fd < 0)
        throw UserError(fmt::format("cannot read {}: {}", path, std::strerror(errno)),
                        "check that the file exists and is readable");
    return fd;
}

// The unpacked copy's modification time is the crash's, so that what the commands say about when the
// core was written is the same as for the original.
void set_mtime(int fd, std::int64_t seconds) {
    struct timespec times[2] = {{0, UTIME_OMIT}, {static_cast<time_t>(seconds), 0}};
    ::futimens(fd, times);
}

}  // namespace

std::uint64_t elf_core_needed_size(int fd, const std::string& name) {
    Elf64_Ehdr header{};
    if (!read_exactly(fd, &header, sizeof header, 0)) headers_missing(name);
    if (header.e_ident[EI_CLASS] != ELFCLASS64 || header.e_phentsize != sizeof(Elf64_Phdr))
        throw UserError(fmt::format("core file {} is not a 64-bit core", name), "give a 64-bit Linux core dump");
    std::uint64_t needed = header.e_phoff + std::uint64_t{header.e_phnum} * sizeof(Elf64_Phdr);
    for (std::uint16_t i = 0; i < header.e_phnum; ++i) {
        Elf64_Phdr program{};
        if (!read_exactly(fd, &program, sizeof program, header.e_phoff + i * sizeof program)) headers_missing(name);
        if (program.p_type != PT_LOAD && program.p_type != PT_NOTE) continue;
        if (program.p_offset > largest_believable_core || program.p_filesz > largest_believable_core)
            throw UserError(fmt::format("core file {} is corrupt: a segment claims bytes past 1 TiB", name),
                            "re-collect the core, or check that the file was copied whole");
        needed = std::max(needed, program.p_offset + program.p_filesz);
    }
    return needed;
}

TemporaryFolder::TemporaryFolder(const std::string& prefix) {
    const char* base = std::getenv("TMPDIR");
    std::string pattern = fmt::format("{}/{}.XXXXXX", base && *base ? base : "/tmp", prefix);
    std::vector<char> buffer(pattern.begin(), pattern.end());
    buffer.push_back('\0');
    if (!::mkdtemp(buffer.data()))  // mode 0700
        throw UserError(fmt::format("cannot make a temporary folder under {}: {}", base && *base ? base : "/tmp",
                                    std::strerror(errno)),
                        "point TMPDIR at a writable folder");
    path_ = buffer.data();
}

TemporaryFolder::~TemporaryFolder() { remove_tree(path_); }

void remove_tree(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0) {
        if (DIR* dir = ::fdopendir(fd)) {
            while (dirent* entry = ::readdir(dir)) {
                std::string name = entry->d_name;
                if (name == "." || name == "..") continue;
                if (::unlinkat(fd, name.c_str(), 0) != 0 && (errno == EISDIR || errno == EPERM))
                    remove_tree(path + "/" + name);
            }
            ::closedir(dir);  // closes fd
        } else {
            ::close(fd);
        }
    }
    ::rmdir(path.c_str());
}

TakenCore take_in_core(const std::string& input, const std::string& scratch, const StepCheck& check) {
    TakenCore taken;
    taken.format = detect_stored_format(input);
    taken.format_detail = stored_format_name(taken.format);
    if (taken.format == StoredFormat::apport)
        read_apport_metadata(input, taken.metadata);
    else
        read_systemd_metadata(input, taken.metadata);

    int input_fd = open_or_fail(input);
    std::optional<std::int64_t> input_mtime = file_mtime(input_fd);
    std::uint64_t input_size = 0, needed = 0;
    if (taken.format == StoredFormat::elf) {
        struct stat st {};
        ::fstat(input_fd, &st);
        input_size = static_cast<std::uint64_t>(st.st_size);
        try {
            needed = elf_core_needed_size(input_fd, input);
        } catch (...) {
            ::close(input_fd);
            throw;
        }
    }
    ::close(input_fd);

    if (!taken.metadata.time && input_mtime) {
        taken.metadata.time = iso_utc(*input_mtime);
        taken.metadata.time_source = "file modification time";
    }

    bool whole_plain = taken.format == StoredFormat::elf && input_size >= needed;
    if (whole_plain) {
        taken.core_path = input;
    } else {
        // Unpacked (or, for a truncated plain core, copied) into the scratch folder, then completed.
        taken.core_path = scratch + "/core";
        int out = ::open(taken.core_path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (out < 0)
            throw UserError(fmt::format("cannot write {}: {}", taken.core_path, std::strerror(errno)),
                            "point TMPDIR at a writable folder");
        try {
            if (taken.format == StoredFormat::elf) {
                copy_file_sparse(input, out);
            } else {
                taken.format_detail = unpack_stored_core(input, out, check);
            }
            struct stat st {};
            ::fstat(out, &st);
            std::uint64_t have = static_cast<std::uint64_t>(st.st_size);
            needed = elf_core_needed_size(out, input);
            if (have < needed) {
                if (!taken.metadata.truncated || !taken.metadata.truncation)
                    taken.metadata.truncation = fmt::format(
                        "it ends before its last segment: {} of the {} bytes its headers promise", have, needed);
                taken.metadata.truncated = true;
                if (::ftruncate(out, static_cast<off_t>(needed)) != 0)
                    throw UserError(fmt::format("cannot complete the truncated core: {}", std::strerror(errno)),
                                    "make room under $TMPDIR");
            }
            if (auto when = taken.metadata.time ? parse_iso_utc(*taken.metadata.time) : std::nullopt)
                set_mtime(out, *when);
            else if (input_mtime)
                set_mtime(out, *input_mtime);
        } catch (...) {
            ::close(out);
            ::unlink(taken.core_path.c_str());
            throw;
        }
        ::close(out);
    }
    read_core_metadata(taken.core_path, taken.metadata);
    return taken;
}

}  // namespace coroner
