// What coroner prints and writes: secrets in text from the core shown as previews, and the files it writes
// (unnamed until whole, sparse where the source is, refused over what it must not replace).
#include "coroner/base/error.hpp"
#include "coroner/base/output_file.hpp"
#include "coroner/secrets/secret_rules.hpp"
#include "coroner/secrets/text_redaction.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace coroner;
namespace fs = std::filesystem;

namespace {

const std::string token = "ghp_R7kQm2XvT9pLw4ZsN8bYc3HdJ6fGa1Ue5Vio";

struct ScratchFolder {
    fs::path path;
    ScratchFolder() {
        std::string name = (fs::temp_directory_path() / "coroner-unit-XXXXXX").string();
        path = ::mkdtemp(name.data());
    }
    ~ScratchFolder() { fs::remove_all(path); }
};

std::string read_all(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

TEST_CASE("text from the core shows each secret as its preview, and the rest as it was") {
    const auto& rules = *secret_rules();
    std::string text = "assertion `upload with " + token + " as AKIAZ7QW4RTY2UIO9PLK' failed";
    std::string shown = redact_secrets_in_text(text, rules);
    CHECK(shown.find(token) == std::string::npos);
    CHECK(shown.find("AKIAZ7QW4RTY2UIO9PLK") == std::string::npos);
    CHECK(shown.find("ghp_…5Vio") != std::string::npos);
    CHECK(shown.rfind("assertion `upload with ", 0) == 0);
    CHECK(shown.find("' failed") != std::string::npos);
    CHECK(redact_secrets_in_text("no secrets here, only main at prog.c:12", rules) ==
          "no secrets here, only main at prog.c:12");
    CHECK(redact_secrets_in_text("", rules).empty());
}

TEST_CASE("JSON: every string value is redacted, the document keeps its shape") {
    nlohmann::ordered_json doc = {
        {"message", "token " + token}, {"frames", {{{"function", "main"}, {"line", 4}}}}, {"args", nullptr}};
    redact_secrets_in_json(doc, *secret_rules());
    CHECK(doc["message"].get<std::string>().find(token) == std::string::npos);
    CHECK(doc["frames"][0]["function"] == "main");
    CHECK(doc["frames"][0]["line"] == 4);
    CHECK(doc["args"].is_null());
}

TEST_CASE("an output file has no name until it is committed, and none at all if it never is") {
    ScratchFolder scratch;
    fs::path target = scratch.path / "copy.core";
    {
        OutputFile out(target.string(), false, std::nullopt);
        REQUIRE(::write(out.fd(), "partial", 7) == 7);
        CHECK(fs::is_empty(scratch.path));  // an interrupted write leaves nothing behind
    }
    CHECK(fs::is_empty(scratch.path));
    {
        OutputFile out(target.string(), false, std::nullopt);
        REQUIRE(::write(out.fd(), "whole", 5) == 5);
        CHECK(read_all(out.contents_path()) == "whole");
        out.commit();
    }
    CHECK(read_all(target) == "whole");
    CHECK((fs::status(target).permissions() & fs::perms::all) == (fs::perms::owner_read | fs::perms::owner_write));
}

TEST_CASE("an output file refuses what it must not replace") {
    ScratchFolder scratch;
    fs::path existing = scratch.path / "existing.core";
    std::ofstream(existing) << "old";
    CHECK_THROWS_AS(OutputFile(existing.string(), false, std::nullopt), UserError);
    fs::path dangling = scratch.path / "dangling.core";
    fs::create_symlink(scratch.path / "nowhere", dangling);
    CHECK_THROWS_AS(OutputFile(dangling.string(), false, std::nullopt), UserError);
    fs::path fifo = scratch.path / "fifo";
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    CHECK_THROWS_AS(OutputFile(fifo.string(), true, std::nullopt), UserError);
    fs::path alias = scratch.path / "alias.core";
    fs::create_hard_link(existing, alias);
    CHECK_THROWS_AS(OutputFile(alias.string(), true, existing.string()), UserError);
    CHECK_THROWS_AS(OutputFile("/etc/hostname/copy.core", false, std::nullopt), UserError);
    {
        OutputFile out(dangling.string(), true, std::nullopt);  // a link is replaced, never followed
        REQUIRE(::write(out.fd(), "new", 3) == 3);
        out.commit();
    }
    CHECK(fs::is_regular_file(fs::symlink_status(dangling)));
    CHECK(!fs::exists(scratch.path / "nowhere"));
    CHECK(read_all(existing) == "old");
}

TEST_CASE("a sparse copy keeps holes and zero pages as holes, and every other byte") {
    ScratchFolder scratch;
    fs::path source = scratch.path / "sparse.core";
    {
        int fd = ::open(source.c_str(), O_CREAT | O_WRONLY, 0600);
        REQUIRE(fd >= 0);
        REQUIRE(::ftruncate(fd, 64 << 20) == 0);  // 64 MiB, nearly all hole
        std::string zeros(1 << 20, '\0');
        REQUIRE(::pwrite(fd, zeros.data(), zeros.size(), 8 << 20) == static_cast<ssize_t>(zeros.size()));
        REQUIRE(::pwrite(fd, "data", 4, 4095) == 4);  // across a page edge
        REQUIRE(::pwrite(fd, "tail", 4, (64 << 20) - 4) == 4);
        ::close(fd);
    }
    fs::path copy = scratch.path / "copy.core";
    int fd = ::open(copy.c_str(), O_CREAT | O_RDWR, 0600);
    REQUIRE(fd >= 0);
    copy_file_sparse(source.string(), fd);
    ::close(fd);
    CHECK(read_all(copy) == read_all(source));
    struct stat st {};
    REQUIRE(::stat(copy.c_str(), &st) == 0);
    CHECK(st.st_size == 64 << 20);
    CHECK(st.st_blocks * 512 <= 64 * 1024);  // three pages of data, not the written megabyte of zeros
}
