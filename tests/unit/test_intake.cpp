// Intake of stored cores: small cores built here, compressed with the zstd, lz4, xz and gzip tools (as
// systemd-coredump and apport store them), unpacked and compared byte for byte.
#include "coroner/base/error.hpp"
#include "coroner/core/intake.hpp"
#include "coroner/core/module_file.hpp"
#include "coroner/core/program_search.hpp"

#include "../support/core_builder.hpp"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iterator>

using coroner::StoredFormat;
using coroner::TemporaryFolder;
using coroner::UserError;
using coroner::test::CoreBuilder;

namespace {

// A core with a page of code, a megabyte of zeros (which must become a hole) and a page of stack.
std::vector<std::uint8_t> sample_core() {
    CoreBuilder b;
    b.thread(4243, 0x401136, 0x7ffc0000f000)
        .process(4242, "prog", "./prog --flag")
        .siginfo(11, 1, 0x18)
        .segment(0x400000, std::vector<std::uint8_t>(4096, 0x11), PF_R | PF_X)
        .segment(0x600000, std::vector<std::uint8_t>(1 << 20, 0), PF_R | PF_W)
        .segment(0x7ffc0000e000, std::vector<std::uint8_t>(4096, 0x22), PF_R | PF_W)
        .file(0x400000, 0x401000, 0, "/opt/prog")
        .auxv(9, 0x400100);
    return b.build();
}

void write_file(const std::string& path, const std::vector<std::uint8_t>& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

void write_text(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
}

std::vector<std::uint8_t> read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void shell(const std::string& command) { REQUIRE(std::system(command.c_str()) == 0); }

std::string base64(const std::uint8_t* bytes, std::size_t size) {
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    for (std::size_t i = 0; i < size; i += 3) {
        std::uint32_t v = bytes[i] << 16;
        if (i + 1 < size) v |= bytes[i + 1] << 8;
        if (i + 2 < size) v |= bytes[i + 2];
        out += alphabet[(v >> 18) & 63];
        out += alphabet[(v >> 12) & 63];
        out += i + 1 < size ? alphabet[(v >> 6) & 63] : '=';
        out += i + 2 < size ? alphabet[v & 63] : '=';
    }
    return out;
}

// An apport report as problem_report.py writes one: text fields, then `CoreDump: base64` with each
// compressed block base64-encoded on its own continuation line.
std::string apport_report(const std::vector<std::uint8_t>& compressed, const std::string& fields) {
    std::string text = "ProblemType: Crash\n" + fields + "CoreDump: base64\n";
    for (std::size_t at = 0; at < compressed.size(); at += 1000)
        text += " " + base64(compressed.data() + at, std::min<std::size_t>(1000, compressed.size() - at)) + "\n";
    return text;
}

std::vector<std::uint8_t> unpacked(const std::string& path, std::string* detail = nullptr) {
    std::string out = path + ".out";
    int fd = ::open(out.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0600);
    REQUIRE(fd >= 0);
    std::string how = coroner::unpack_stored_core(path, fd);
    ::close(fd);
    if (detail) *detail = how;
    return read_file(out);
}

std::string error_of(const std::function<void()>& work) {
    try {
        work();
    } catch (const UserError& error) {
        return error.what();
    }
    return "";
}

}  // namespace

TEST_CASE("intake: every stored form unpacks to the same bytes and zero pages become holes") {
    TemporaryFolder folder("coroner-test");
    std::string plain = folder.path() + "/plain.core";
    auto core = sample_core();
    write_file(plain, core);
    // zstd as systemd writes it (a stream: no content size in the frame), lz4 frames, xz, gzip.
    shell("zstd -q --no-content-size -c " + plain + " > " + plain + ".zst");
    shell("cat " + plain + " | zstd -q -c > " + plain + ".piped.zst");
    shell("lz4 -q -c " + plain + " > " + plain + ".lz4");
    shell("xz -c " + plain + " > " + plain + ".xz");
    shell("gzip -c " + plain + " > " + plain + ".gz");
    struct Case {
        std::string suffix;
        StoredFormat format;
    };
    for (const auto& c :
         {Case{".zst", StoredFormat::zstd}, Case{".piped.zst", StoredFormat::zstd}, Case{".lz4", StoredFormat::lz4},
          Case{".xz", StoredFormat::xz}, Case{".gz", StoredFormat::gzip}, Case{"", StoredFormat::elf}}) {
        CAPTURE(c.suffix);
        CHECK(coroner::detect_stored_format(plain + c.suffix) == c.format);
        CHECK(unpacked(plain + c.suffix) == core);
        struct stat st {};
        REQUIRE(::stat((plain + c.suffix + ".out").c_str(), &st) == 0);
        CHECK(static_cast<std::uint64_t>(st.st_size) == core.size());
        // The megabyte of zeros is a hole: well under the file's size is allocated.
        CHECK(static_cast<std::uint64_t>(st.st_blocks) * 512 < core.size() / 2);
    }
}

TEST_CASE("intake: a core many buffers long unpacks whole while a second thread writes it") {
    // 13 MiB of pages, some zero and some not, in an order no buffer boundary lines up with; odd-sized
    // segments so that the stream's buffers end mid-page.
    TemporaryFolder folder("coroner-test");
    std::vector<std::uint8_t> data((13u << 20) + 123);
    for (std::size_t page = 0; page * 4096 < data.size(); ++page)
        if (page % 7 != 3 && page % 11 != 5)
            for (std::size_t i = page * 4096; i < std::min(data.size(), page * 4096 + 4096); ++i)
                data[i] = static_cast<std::uint8_t>(page * 31 + i);
    CoreBuilder b;
    b.thread(4243, 0x401136, 0x7ffc0000f000).process(4242, "prog", "./prog").siginfo(11, 1, 0);
    b.segment(0x10000000, data, PF_R | PF_W).segment(0x7ffc0000e000, std::vector<std::uint8_t>(777, 0x22), PF_R);
    auto core = b.build();
    std::string plain = folder.path() + "/big.core";
    write_file(plain, core);
    shell("zstd -q --no-content-size -c " + plain + " > " + plain + ".zst");
    CHECK(unpacked(plain + ".zst") == core);
    CHECK(unpacked(plain) == core);
}

TEST_CASE("intake: a write that fails is one plain error, also from the writing thread") {
    TemporaryFolder folder("coroner-test");
    std::string plain = folder.path() + "/plain.core";
    write_file(plain, sample_core());
    shell("zstd -q -c " + plain + " > " + plain + ".zst");
    int full = ::open("/dev/full", O_WRONLY);
    REQUIRE(full >= 0);
    std::string error = error_of([&] { coroner::unpack_stored_core(plain + ".zst", full); });
    ::close(full);
    CHECK(error.find("cannot write the unpacked core: No space left on device") != std::string::npos);
}

TEST_CASE("intake: a stream cut short or one that holds no core is one plain error") {
    TemporaryFolder folder("coroner-test");
    std::string plain = folder.path() + "/plain.core";
    write_file(plain, sample_core());
    for (std::string tool : {"zstd -q", "lz4 -q", "xz", "gzip"}) {
        CAPTURE(tool);
        std::string packed = plain + ".packed";
        shell(tool + " -c " + plain + " > " + packed);
        auto bytes = read_file(packed);
        bytes.resize(bytes.size() * 2 / 3);
        write_file(packed, bytes);
        std::string error = error_of([&] { unpacked(packed); });
        CHECK(error.find(packed) == 0);
        CHECK(error.find("cut short") != std::string::npos);
    }
    write_text(folder.path() + "/text", "hello\n");
    shell("zstd -q -c " + folder.path() + "/text > " + folder.path() + "/text.zst");
    CHECK(error_of([&] { unpacked(folder.path() + "/text.zst"); }).find("not of an ELF core") != std::string::npos);
}

TEST_CASE("intake: what is not a core is named for what it is") {
    TemporaryFolder folder("coroner-test");
    write_text(folder.path() + "/empty", "");
    write_text(folder.path() + "/notes.txt", "just some text\n");
    CHECK(error_of([&] { coroner::detect_stored_format(folder.path() + "/empty"); }).find("is empty") !=
          std::string::npos);
    CHECK(error_of([&] { coroner::detect_stored_format(folder.path() + "/notes.txt"); }).find("is not a core dump") !=
          std::string::npos);
    CHECK(error_of([&] { coroner::detect_stored_format("/bin/sh"); }).find("an ELF file but not a core dump") !=
          std::string::npos);
    CHECK(error_of([&] { coroner::detect_stored_format(folder.path() + "/missing"); }).find("cannot read") !=
          std::string::npos);
    CHECK(error_of([&] { coroner::detect_stored_format(folder.path()); }).find("not a regular file") !=
          std::string::npos);
}

TEST_CASE("intake: apport reports with a gzip or a zstd CoreDump and their fields") {
    TemporaryFolder folder("coroner-test");
    std::string plain = folder.path() + "/plain.core";
    auto core = sample_core();
    write_file(plain, core);
    shell("gzip -c " + plain + " > " + plain + ".gz");
    shell("zstd -q --no-content-size -c " + plain + " > " + plain + ".zst");
    std::string fields =
        "Date: Sun Nov 29 23:34:00 2026\nExecutablePath: /usr/bin/prog\nPackage: prog 1.2-3\n"
        "ProcCmdline: prog --flag\nProcStatus:\n Name:\tprog\n Pid:\t777\n Uid:\t1000\t1000\t1000\t1000\n"
        "Signal: 11\n";
    std::string gz = folder.path() + "/_usr_bin_prog.1000.crash";
    write_text(gz, apport_report(read_file(plain + ".gz"), fields));
    std::string zst = folder.path() + "/zstd.crash";
    write_text(zst, apport_report(read_file(plain + ".zst"), fields));
    std::string detail;
    CHECK(coroner::detect_stored_format(gz) == StoredFormat::apport);
    CHECK(unpacked(gz, &detail) == core);
    CHECK(detail == "apport-gzip");
    CHECK(unpacked(zst, &detail) == core);
    CHECK(detail == "apport-zstd");

    // Date is the crashing host's local time (here UTC+02:00); the report was written 20 s after it.
    struct timespec times[2] = {{0, UTIME_OMIT}, {1795988060 /* 2026-11-29T21:34:00Z + 20 s */, 0}};
    REQUIRE(::utimensat(AT_FDCWD, gz.c_str(), times, 0) == 0);
    coroner::CoreMetadata metadata;
    coroner::read_apport_metadata(gz, metadata);
    CHECK(metadata.program == "/usr/bin/prog");
    CHECK(metadata.package == "prog 1.2-3");
    CHECK(metadata.command_line == "prog --flag");
    CHECK(metadata.pid == 777);
    CHECK(metadata.uid == 1000);
    CHECK(metadata.signal == 11);
    CHECK(metadata.time == "2026-11-29T21:34:00Z");
    REQUIRE(metadata.time_source);
    CHECK(metadata.time_source->find("UTC+02:00") != std::string::npos);

    std::string without = folder.path() + "/nocore.crash";
    write_text(without, "ProblemType: Crash\nExecutablePath: /usr/bin/prog\n");
    CHECK(error_of([&] { unpacked(without); }).find("without a core dump") != std::string::npos);
    std::string cut = folder.path() + "/cut.crash";
    auto report = apport_report(read_file(plain + ".gz"), fields);
    write_text(cut, report.substr(0, report.size() / 2));
    CHECK(error_of([&] { unpacked(cut); }).find("cut short") != std::string::npos);
}

TEST_CASE("intake: systemd-coredump's xattrs (else its file name) and the core's notes for the rest") {
    TemporaryFolder folder("coroner-test");
    std::string name = folder.path() + "/core.my.prog.1000.0123456789abcdef0123456789abcdef.4242.1795983240000000.zst";
    write_file(folder.path() + "/plain.core", sample_core());
    shell("zstd -q -c " + folder.path() + "/plain.core > " + name);

    coroner::CoreMetadata from_name;
    coroner::read_systemd_metadata(name, from_name);
    CHECK(from_name.comm == "my.prog");
    CHECK(from_name.uid == 1000);
    CHECK(from_name.pid == 4242);
    CHECK(from_name.time == "2026-11-29T20:14:00Z");
    CHECK(from_name.time_source == "systemd-coredump (file name)");

    auto tag = [&](const char* key, const std::string& value) {
        REQUIRE(::setxattr(name.c_str(), key, value.data(), value.size(), 0) == 0);
    };
    tag("user.coredump.pid", "99");
    tag("user.coredump.uid", "0");
    tag("user.coredump.signal", "6");
    tag("user.coredump.timestamp", "1795987240123456");
    tag("user.coredump.exe", "/usr/bin/prog");
    tag("user.coredump.comm", "prog");
    tag("user.coredump.hostname", "box");
    tag("user.coredump.truncated", "1");
    TemporaryFolder scratch("coroner-test");
    auto taken = coroner::take_in_core(name, scratch.path());
    CHECK(taken.format == StoredFormat::zstd);
    CHECK(taken.core_path == scratch.path() + "/core");
    CHECK(read_file(taken.core_path) == sample_core());
    CHECK(taken.metadata.pid == 99);
    CHECK(taken.metadata.uid == 0);
    CHECK(taken.metadata.signal == 6);
    CHECK(taken.metadata.program == "/usr/bin/prog");
    CHECK(taken.metadata.host == "box");
    CHECK(taken.metadata.time == "2026-11-29T21:20:40Z");
    CHECK(taken.metadata.time_source == "systemd-coredump (xattr user.coredump.timestamp)");
    CHECK(taken.metadata.truncated);
    CHECK(taken.metadata.command_line);
    // The unpacked copy carries the crash's time, as the original did.
    struct stat st {};
    REQUIRE(::stat(taken.core_path.c_str(), &st) == 0);
    CHECK(st.st_mtim.tv_sec == 1795987240);
}

TEST_CASE("intake: a plain core is used where it is but a truncated one is completed with holes in a copy") {
    TemporaryFolder folder("coroner-test");
    std::string plain = folder.path() + "/plain.core";
    auto core = sample_core();
    write_file(plain, core);
    TemporaryFolder scratch("coroner-test");
    auto taken = coroner::take_in_core(plain, scratch.path());
    CHECK(taken.core_path == plain);
    CHECK_FALSE(taken.metadata.truncated);
    CHECK(taken.metadata.pid == 4242);
    CHECK(taken.metadata.comm == "prog");
    CHECK(taken.metadata.signal == 11);
    CHECK(taken.metadata.program == "/opt/prog");  // the file mapped where AT_ENTRY points
    CHECK(taken.metadata.time_source == "file modification time");

    std::string cut = folder.path() + "/cut.core";
    write_file(cut, std::vector<std::uint8_t>(core.begin(), core.begin() + static_cast<long>(core.size() - 3000)));
    auto truncated = coroner::take_in_core(cut, scratch.path());
    CHECK(truncated.metadata.truncated);
    REQUIRE(truncated.metadata.truncation);
    CHECK(truncated.metadata.truncation->find("ends before its last segment") != std::string::npos);
    CHECK(truncated.core_path == scratch.path() + "/core");
    CHECK(read_file(truncated.core_path).size() == core.size());
    CHECK(read_file(cut).size() == core.size() - 3000);  // the input is never modified
}

TEST_CASE("intake: the temporary folder is private and goes away with everything in it") {
    std::string path;
    {
        TemporaryFolder folder("coroner-test");
        path = folder.path();
        struct stat st {};
        REQUIRE(::stat(path.c_str(), &st) == 0);
        CHECK((st.st_mode & 0777) == 0700);
        ::mkdir((path + "/sub").c_str(), 0700);
        write_text(path + "/sub/file", "x");
        write_text(path + "/file", "y");
    }
    struct stat st {};
    CHECK(::stat(path.c_str(), &st) != 0);
}

TEST_CASE("intake: --exe-dir by build-id takes the copy with debug info over a stripped one") {
    TemporaryFolder folder("coroner-test");
    std::string source = folder.path() + "/prog.c";
    write_text(source, "int main(void) { return 0; }\n");
    std::string dir = folder.path() + "/bin";
    shell("mkdir " + dir + " && cc -g -Wl,--build-id -o " + dir + "/prog " + source + " && strip -o " + dir +
          "/a_stripped_copy " + dir + "/prog");
    coroner::ProgramFolder programs(dir);
    coroner::CoreMetadata metadata;
    metadata.build_id = coroner::read_module_file(dir + "/prog").build_id;
    REQUIRE(metadata.build_id);
    // The stripped copy comes first by name, and has the same build-id.
    CHECK(coroner::read_module_file(dir + "/a_stripped_copy").build_id == metadata.build_id);
    auto choice = coroner::choose_program(metadata, std::nullopt, &programs);
    CHECK(choice.path == dir + "/prog");
    CHECK(choice.found_by == "--exe-dir (build-id)");
}
