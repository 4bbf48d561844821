// The patched copy a redacted core is written with: no unredacted byte ever written, holes kept.
#include "coroner/base/patched_copy.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace coroner;
namespace fs = std::filesystem;

namespace {

struct PatchScratch {
    fs::path path;
    explicit PatchScratch(const std::string& under = "/tmp") {
        std::string pattern = under + "/coroner-unit-patch-XXXXXX";
        path = ::mkdtemp(pattern.data());
    }
    ~PatchScratch() { fs::remove_all(path); }
};

std::string file_text(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string random_text(std::size_t size, std::uint64_t seed) {
    std::string out(size, '\0');
    for (auto& c : out) {
        seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
        c = static_cast<char>(seed & 0xff);
    }
    return out;
}

void write_at(int fd, const std::string& bytes, std::uint64_t at) {
    REQUIRE(::pwrite(fd, bytes.data(), bytes.size(), static_cast<off_t>(at)) == static_cast<ssize_t>(bytes.size()));
}

// What the copy must hold: the source's bytes with the patches applied in order of offset (stably), clipped
// to the file.
std::string patched(std::string bytes, std::vector<FilePatch> patches) {
    std::stable_sort(patches.begin(), patches.end(),
                     [](const FilePatch& a, const FilePatch& b) { return a.offset < b.offset; });
    for (const auto& p : patches)
        for (std::size_t i = 0; i < p.bytes.size() && p.offset + i < bytes.size(); i++)
            bytes[p.offset + i] = p.bytes[i];
    return bytes;
}

std::uint64_t next_data(const fs::path& path, std::uint64_t from) {
    int fd = ::open(path.c_str(), O_RDONLY);
    off_t at = ::lseek(fd, static_cast<off_t>(from), SEEK_DATA);
    ::close(fd);
    return at < 0 ? ~0ull : static_cast<std::uint64_t>(at);
}

std::uint64_t allocated(const fs::path& path) {
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    return static_cast<std::uint64_t>(st.st_blocks) * 512;
}

bool same_file_system(const fs::path& a, const fs::path& b) {
    struct stat sa {
    }, sb{};
    return ::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0 && sa.st_dev == sb.st_dev;
}

}  // namespace

TEST_CASE("a patched copy holds every patch and every other byte, and keeps the source's holes") {
    PatchScratch scratch;
    const std::uint64_t size = (16u << 20) + 1234;  // not a whole number of blocks: a patch sits at the end
    const std::uint64_t extent = 1u << 20, extent_size = 200 * 1024, tail = 10000;
    fs::path source = scratch.path / "source.core";
    {
        int fd = ::open(source.c_str(), O_CREAT | O_WRONLY, 0600);
        REQUIRE(fd >= 0);
        REQUIRE(::ftruncate(fd, static_cast<off_t>(size)) == 0);  // holes but for two extents of data
        write_at(fd, random_text(extent_size, 7), extent);
        write_at(fd, random_text(tail, 11), size - tail);
        ::close(fd);
    }
    const std::string original = file_text(source);
    std::vector<FilePatch> patches = {
        {extent + 4096 - 3, std::string(10, '*')},                  // across a block edge
        {extent + 20000, std::string(5, '*')},                      // two that touch
        {extent + 20005, std::string(7, '#')},                      //
        {extent + 40000, std::string(20, 'A')},                     // two that overlap: the later start wins
        {extent + 40010, std::string(20, 'B')},                     //
        {extent + 60000, std::string(8, 'C')},                      // two at one offset: the later in the list wins
        {extent + 60000, std::string(8, 'D')},                      //
        {extent + 80000, std::string(10000, '*')},                  // over three blocks
        {extent + extent_size - 2, std::string(4, '*')},            // from the data into the hole after it
        {extent + 120000, std::string{'*', '\0', '*', '\0', '*'}},  // UTF-16's filler
        {size - 6, std::string(6, 'E')},                            // the file's last bytes
        {size - 3, std::string(10, 'F')},                           // past the end: cut there
        {8u << 20, "hole"},                                         // in a hole
        {0, "start"},                                               // at the start, in a hole
    };
    const std::string expected = patched(original, patches);
    REQUIRE(expected != original);

    // The second folder is another file system where there is one (/dev/shm): the kernel does not copy
    // between those, and the copy goes through the process.
    std::vector<fs::path> folders = {scratch.path};
    PatchScratch elsewhere(fs::exists("/dev/shm") ? "/dev/shm" : "/tmp");
    if (!same_file_system(elsewhere.path, scratch.path)) folders.push_back(elsewhere.path);
    for (const auto& folder : folders) {
        CAPTURE(folder);
        fs::path copy = folder / "copy.core";
        int fd = ::open(copy.c_str(), O_CREAT | O_RDWR, 0600);
        REQUIRE(fd >= 0);
        copy_file_patched(source.string(), fd, patches);
        ::close(fd);
        CHECK(file_text(copy) == expected);
        CHECK(file_text(source) == original);
        CHECK(fs::file_size(copy) == size);
        // The source's data, the blocks of the two patches in holes and the one past the first extent.
        CHECK(allocated(copy) <= extent_size + tail + 4 * 4096 + 8192);
        CHECK(next_data(copy, 4096) >= extent);                           // the hole after the first block stays
        CHECK(next_data(copy, extent + extent_size + 4096) == 8u << 20);  // and the one up to the patch in it
        CHECK(next_data(copy, (8u << 20) + 4096) >= size - tail - 4096);
    }
}

TEST_CASE("a patched copy with no patches is the file, and an empty file copies empty") {
    PatchScratch scratch;
    fs::path source = scratch.path / "dense", empty = scratch.path / "empty";
    std::string bytes = random_text(3 * 1024 * 1024 + 17, 3);
    std::ofstream(source, std::ios::binary) << bytes;
    std::ofstream(empty, std::ios::binary).flush();
    for (const auto& [from, want] : {std::pair{source, bytes}, std::pair{empty, std::string()}}) {
        fs::path copy = scratch.path / "copy";
        fs::remove(copy);
        int fd = ::open(copy.c_str(), O_CREAT | O_RDWR, 0600);
        REQUIRE(fd >= 0);
        copy_file_patched(from.string(), fd, {});
        ::close(fd);
        CHECK(file_text(copy) == want);
    }
}
