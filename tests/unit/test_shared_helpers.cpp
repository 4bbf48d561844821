// The helpers every layer shares: UTF-8 validation and printable output (base/text), whole-file reads
// (base/regular_file), the process map (core/process_map), and secret rules that own their databases.
#include "coroner/base/regular_file.hpp"
#include "coroner/base/text.hpp"
#include "coroner/core/process_map.hpp"
#include "coroner/secrets/secret_rules.hpp"

#include <doctest/doctest.h>

#include <cerrno>
#include <cstdio>
#include <string>
#include <type_traits>
#include <vector>

#include <sys/stat.h>
#include <unistd.h>

using namespace coroner;

TEST_CASE("UTF-8 is validated as Unicode defines it") {
    CHECK(utf8_char_length("a", 0) == 1);
    CHECK(utf8_char_length("\xc3\xa9", 0) == 2);          // é
    CHECK(utf8_char_length("\xe2\x82\xac", 0) == 3);      // €
    CHECK(utf8_char_length("\xf0\x9f\x98\x80", 0) == 4);  // an emoji
    CHECK(utf8_char_length("x\xc3\xa9", 1) == 2);         // a character at the very end
    CHECK(utf8_char_length("\xc3", 0) == 0);              // cut short
    CHECK(utf8_char_length("\xc0\xaf", 0) == 0);          // overlong '/'
    CHECK(utf8_char_length("\xe0\x80\xaf", 0) == 0);      // overlong, three bytes
    CHECK(utf8_char_length("\xed\xa0\x80", 0) == 0);      // a surrogate
    CHECK(utf8_char_length("\xf4\x90\x80\x80", 0) == 0);  // past U+10FFFF
    CHECK(utf8_char_length("\x80", 0) == 0);              // a lone continuation byte
    CHECK(utf8_char_length("a", 1) == 0);
}

TEST_CASE("printable output is cut into pieces between UTF-8 characters") {
    CHECK(utf8_piece_ends("", 4).empty());
    CHECK(utf8_piece_ends("0123456789", 4) == std::vector<std::size_t>{4, 8, 10});
    std::string text;
    for (int i = 0; i < 50; i++) text += i % 3 ? "ab\xe2\x80\xa6" : "\xf0\x9f\x98\x80x";  // "ab…", an emoji
    for (std::size_t piece = 4; piece < 12; piece++) {
        CAPTURE(piece);
        std::size_t at = 0;
        for (std::size_t end : utf8_piece_ends(text, piece)) {
            REQUIRE(end > at);
            CHECK(end - at <= piece);
            CHECK(utf8_char_length(text, at) > 0);  // each piece starts a character, so none is cut
            at = end;
        }
        CHECK(at == text.size());
    }
    // Not UTF-8 (no character to cut between): still cut, never stuck.
    CHECK(utf8_piece_ends(std::string(10, '\x80'), 4) == std::vector<std::size_t>{4, 8, 10});
}

TEST_CASE("output from the core is printable whatever it holds: NUL and control bytes cannot cut or steer it") {
    CHECK(printable_output("plain text\n\twith a tab\n") == "plain text\n\twith a tab\n");
    CHECK(printable_output("Grüße €") == "Grüße €");
    CHECK(printable_output(std::string("before\0after\n", 13)) == "before\\x00after\n");
    CHECK(printable_output("red \x1b[31mtext\r\x7f") == "red \\x1b[31mtext\\x0d\\x7f");
    // Not UTF-8: each byte as Python's backslashreplace shows it (what GDB printed before).
    CHECK(printable_output("caf\xe9 \xe2\x82 \xed\xa0\x80") == "caf\\xe9 \\xe2\\x82 \\xed\\xa0\\x80");
    std::string every_byte;
    for (int c = 0; c < 256; c++) every_byte += static_cast<char>(c);
    std::string shown = printable_output(every_byte);
    CHECK(shown.find('\0') == std::string::npos);
    for (char c : shown) CHECK((static_cast<unsigned char>(c) >= 0x20 || c == '\n' || c == '\t'));
    // The quick test says unchanged exactly where printable_output changes nothing; UTF-8 it leaves to it.
    for (int c = 0; c < 256; c++) {
        std::string one = "a" + std::string(1, static_cast<char>(c)) + "z";
        CAPTURE(c);
        if (already_printable(one)) CHECK(printable_output(one) == one);
        CHECK(already_printable(one) == ((c >= 0x20 && c < 0x7f) || c == '\t' || c == '\n'));
    }
    CHECK_FALSE(already_printable("Grüße"));
    CHECK(already_printable(""));
}

TEST_CASE("the process map finds mappings by address and by module, and iterates in address order") {
    auto mapping = [](std::uint64_t start, std::uint64_t end, std::uint64_t offset, const char* path) {
        Mapping m;
        m.start = start;
        m.end = end;
        m.file_offset = offset;
        m.path = path;
        return m;
    };
    const std::vector<Mapping> mappings = {
        mapping(0x400000, 0x401000, 0, "/p"), mapping(0x401000, 0x403000, 0x1000, "/p"),
        mapping(0x403000, 0x404000, 0, ""), mapping(0x7f0000, 0x7f1000, 0x2000, "/lib")};
    ProcessMap map = mappings;
    CHECK(map.size() == 4);
    CHECK(map.at(0x400000) == &mappings[0]);
    CHECK(map.at(0x402fff) == &mappings[1]);
    CHECK(map.at(0x404000) == nullptr);
    CHECK(map.at(0x3fffff) == nullptr);
    CHECK(map.below(mappings[2]) == &mappings[1]);
    CHECK(map.below(mappings[0]) == nullptr);
    CHECK(map.module_base("/p") == 0x400000u);
    CHECK(map.module_base("/lib") == 0x7ee000u);
    CHECK_FALSE(map.module_base("/nowhere"));
    CHECK(map.module_end("/p") == 0x403000u);
    CHECK(map.module_end("/nowhere") == 0u);
    std::uint64_t last = 0;
    for (const auto& m : map) {
        CHECK(m.start >= last);
        last = m.start;
    }
    ProcessMap none;
    CHECK(none.empty());
    CHECK(none.at(0x400000) == nullptr);
    static_assert(!std::is_constructible_v<ProcessMap, std::vector<Mapping>&&>, "a view of a temporary would dangle");
}

TEST_CASE("whole files are read once, bounded, and only when regular") {
    char name[] = "/tmp/coroner-unit-XXXXXX";
    int fd = mkstemp(name);
    REQUIRE(fd >= 0);
    REQUIRE(::write(fd, "0123456789", 10) == 10);
    ::close(fd);
    CHECK(read_regular_file(name, 10) == std::string("0123456789"));
    errno = 0;
    CHECK_FALSE(read_regular_file(name, 9));
    CHECK(errno == EFBIG);
    std::remove(name);
    CHECK_FALSE(read_regular_file(name, 100));
    CHECK(errno == ENOENT);
    std::string fifo = std::string(name) + ".fifo";
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    CHECK_FALSE(read_regular_file(fifo, 100));  // returns at once: no writer is waited for
    CHECK(errno == EINVAL);
    std::remove(fifo.c_str());
    CHECK_FALSE(read_regular_file("/dev/zero", 100));
    // A /proc file says it holds 0 bytes: it is read to its end all the same.
    auto maps = read_regular_file("/proc/self/maps", 64u << 20);
    REQUIRE(maps);
    CHECK(maps->find("[stack]") != std::string::npos);
}

TEST_CASE("secret rules own their compiled databases: they cannot be copied") {
    static_assert(!std::is_copy_constructible_v<SecretRules>);
    static_assert(!std::is_copy_assignable_v<SecretRules>);
    CHECK(secret_rules()->rules().size() > 0);
}
