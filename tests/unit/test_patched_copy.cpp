// The redacted copy's two halves: the patched copy (no unredacted byte ever written, holes kept) and the
// re-check of the written copy around every overwritten range.
#include "coroner/base/patched_copy.hpp"
#include "coroner/base/rules.hpp"
#include "coroner/core/elf_core.hpp"
#include "coroner/secrets/core_scan.hpp"

#include "../support/core_builder.hpp"

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
using coroner::test::CoreBuilder;
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

namespace {

const std::string planted_key = " AKIAQ3EGVF5WZRTMN7XP ";

// A core of two segments of random bytes, next to each other in the file.
fs::path random_core(const fs::path& folder) {
    std::string first = random_text(256 * 1024, 5), second = random_text(64 * 1024, 9);
    std::vector<std::uint8_t> bytes =
        CoreBuilder()
            .thread(100, 0x401000, 0x7ffd1000)
            .process(100, "t", "t")
            .segment(0x10000000, std::vector<std::uint8_t>(first.begin(), first.end()), PF_R | PF_W)
            .segment(0x20000000, std::vector<std::uint8_t>(second.begin(), second.end()), PF_R | PF_W)
            .build();
    fs::path path = folder / "random.core";
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    return path;
}

std::vector<SecretHit> rescan(const fs::path& path,
                              const std::vector<std::pair<std::uint64_t, std::uint64_t>>& changed) {
    return scan_core_around(*ElfCore::open(path.string()), *secret_rules(), changed);
}

void plant(const fs::path& path, const std::string& bytes, std::uint64_t at) {
    int fd = ::open(path.c_str(), O_WRONLY);
    REQUIRE(fd >= 0);
    write_at(fd, bytes, at);
    ::close(fd);
}

}  // namespace

TEST_CASE("the re-check of a written copy finds a secret beside an overwritten range, and nothing in a clean one") {
    PatchScratch scratch;
    fs::path core = random_core(scratch.path);
    auto opened = ElfCore::open(core.string());
    REQUIRE(opened->segments().size() == 2);
    const CoreSegment first = opened->segments()[0], second = opened->segments()[1];
    REQUIRE(second.offset == first.offset + first.filesz);  // next to each other in the file
    std::uint64_t all = 0;
    std::size_t segments = 0;
    REQUIRE(scan_core_segments(
                *opened, *secret_rules(), [](const CoreSegment&) { return true; }, all, segments)
                .empty());  // random bytes hold nothing

    // The secret the first scan found, overwritten through the patched copy: the copy is clean.
    std::uint64_t secret = first.offset + 100000;
    plant(core, planted_key, secret);
    REQUIRE(rescan(core, {{first.offset, first.filesz}}).size() == 1);
    fs::path copy = scratch.path / "copy.core";
    {
        int fd = ::open(copy.c_str(), O_CREAT | O_RDWR, 0600);
        REQUIRE(fd >= 0);
        copy_file_patched(core.string(), fd, {{secret, std::string(planted_key.size(), '*')}});
        ::close(fd);
    }
    const std::vector<std::pair<std::uint64_t, std::uint64_t>> changed = {{secret, planted_key.size()}};
    CHECK(rescan(copy, changed).empty());

    // A secret left in the copy within chunk_overlap of the overwritten range, on either side, is found
    // where it is.
    const std::int64_t margin = static_cast<std::int64_t>(chunk_overlap);
    for (std::int64_t distance : {-margin + 64, std::int64_t{-100}, std::int64_t{2000}, margin - 64}) {
        CAPTURE(distance);
        std::uint64_t at = distance < 0 ? secret - static_cast<std::uint64_t>(-distance)
                                        : secret + planted_key.size() + static_cast<std::uint64_t>(distance);
        fs::path corrupt = scratch.path / "corrupt.core";
        fs::copy_file(copy, corrupt, fs::copy_options::overwrite_existing);
        plant(corrupt, planted_key, at);
        auto hits = rescan(corrupt, changed);
        REQUIRE(hits.size() == 1);
        CHECK(hits[0].address == first.vaddr + (at + 1 - first.offset));
        CHECK(hits[0].value == "AKIAQ3EGVF5WZRTMN7XP");
    }

    // Further away it is bytes the first scan read, and not read again; nor is the next segment, even where
    // it follows the overwritten range in the file by less than the margin.
    fs::path corrupt = scratch.path / "corrupt.core";
    fs::copy_file(copy, corrupt, fs::copy_options::overwrite_existing);
    plant(corrupt, planted_key, secret + chunk_overlap + 4096);
    plant(corrupt, planted_key, second.offset + 16);
    CHECK(rescan(corrupt, changed).empty());
    std::uint64_t last = second.offset - 40;  // the first segment's last bytes, overwritten
    CHECK(rescan(corrupt, {{last, 40}}).empty());
    CHECK(rescan(corrupt, {{second.offset, 8}}).size() == 1);
    // A key cut by the segments' edge is two segments' bytes, never one match.
    plant(corrupt, planted_key, second.offset - 10);
    CHECK(rescan(corrupt, {{last, 20}, {second.offset + 40, 4}}).size() == 1);  // the one at +16 only
    // Ranges outside every segment (the notes) are left to the notes' own scan.
    CHECK(rescan(corrupt, {{0, 64}}).empty());
}
