#include "coroner/base/error.hpp"
#include "coroner/core/elf_core.hpp"
#include "coroner/core/elf_notes.hpp"
#include "coroner/core/module_file.hpp"

#include "../support/core_builder.hpp"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <unistd.h>
#include <algorithm>
#include <cstring>
#include <fstream>
#include <random>

using coroner::ElfCore;
using coroner::UserError;
using coroner::test::CoreBuilder;

namespace {

std::vector<std::uint8_t> page(std::uint8_t fill) { return std::vector<std::uint8_t>(4096, fill); }

CoreBuilder crashed_with_two_threads() {
    CoreBuilder b;
    b.thread(4243, 0x401136, 0x7ffc0000f000)  // the thread that took the signal comes first
        .thread(4242, 0x7f0000001000, 0x7ffc0000e000, 0)
        .process(4242, "prog", "./prog --flag")
        .siginfo(11, 1, 0x18)
        .segment(0x400000, page(0x11), PF_R | PF_X)
        .segment(0x7ffc0000e000, page(0x22), PF_R | PF_W, 0x2000)
        .file(0x400000, 0x401000, 0, "/opt/prog")
        .auxv(9, 0x400100);
    return b;
}

}  // namespace

TEST_CASE("a core's notes and segments are read as the kernel wrote them") {
    auto core = ElfCore::from_bytes(crashed_with_two_threads().build(), "two.core");
    REQUIRE(core->threads().size() == 2);
    CHECK(core->threads()[0].tid == 4243);
    CHECK(core->threads()[0].pc == 0x401136);
    CHECK(core->threads()[0].sp == 0x7ffc0000f000);
    CHECK(core->threads()[1].tid == 4242);
    REQUIRE(core->siginfo());
    CHECK(core->siginfo()->number == 11);
    CHECK(core->siginfo()->code == 1);
    CHECK(core->siginfo()->fault_address == 0x18);
    CHECK_FALSE(core->siginfo()->sender_pid);
    REQUIRE(core->process());
    CHECK(core->process()->pid == 4242);
    CHECK(core->process()->program == "prog");
    CHECK(core->process()->args == "./prog --flag");
    REQUIRE(core->file_mappings().size() == 1);
    CHECK(core->file_mappings()[0].path == "/opt/prog");
    CHECK(core->auxv().size() == 1);

    auto facts = core->facts();
    CHECK(facts.crashing_tid == 4243);
    CHECK(facts.pid == 4242);
    REQUIRE(facts.mappings.size() == 2);
    CHECK(facts.mappings[0].path == "/opt/prog");
    CHECK(facts.mappings[0].executable);
    CHECK(facts.mappings[1].writable);
    CHECK(facts.mappings[1].end == 0x7ffc00010000);
}

// A main thread's stack as the kernel lays it out at exec, from its pointer up: argc, argv[], NULL, envp[],
// NULL, the auxiliary vector, then the strings; lower down, in a frame, a copy of the vector after a
// made-up argv, as a program that saved them might hold.
std::vector<std::uint8_t> stack_at_exec(std::uint64_t base, const std::vector<std::string>& args,
                                        const std::vector<std::pair<std::uint64_t, std::uint64_t>>& auxv,
                                        std::uint64_t& execfn) {
    std::vector<std::uint8_t> bytes(0x4000, 0);
    auto put = [&](std::size_t at, std::uint64_t v) { std::memcpy(bytes.data() + at, &v, 8); };
    std::size_t text = 0x3000;  // the strings
    std::vector<std::uint64_t> pointers;
    for (const auto& a : args) {
        std::memcpy(bytes.data() + text, a.c_str(), a.size() + 1);
        pointers.push_back(base + text);
        text += a.size() + 1;
    }
    execfn = pointers[0];
    auto lay_out = [&](std::size_t at, const std::vector<std::uint64_t>& argv) {
        put(at, argv.size());
        for (std::size_t i = 0; i < argv.size(); i++) put(at + 8 * (i + 1), argv[i]);
        at += 8 * (argv.size() + 1) + 8 + 8;  // argv's NULL, no environment, envp's NULL
        for (auto [key, value] : auxv) put(at, key), put(at + 8, value), at += 16;
    };
    lay_out(0x2e00, pointers);
    lay_out(0x1000, {pointers[1]});  // the copy: its argv is the second argument alone
    return bytes;
}

TEST_CASE("the command line is read from the stack, not from a copy of the auxiliary vector lower down") {
    const std::uint64_t base = 0x7ffc00010000;
    const std::string long_argument(120, 'x');  // longer than the 80 characters of the process note
    std::uint64_t execfn = 0;
    const std::vector<std::pair<std::uint64_t, std::uint64_t>> auxv = {{6, 4096}, {9, 0x400100}, {31, base + 0x3000}};
    auto stack = stack_at_exec(base, {"./prog", long_argument}, auxv, execfn);
    CoreBuilder b;
    b.thread(4243, 0x401136, base + 0x2e00).process(4242, "prog", "./prog xxx").segment(base, stack, PF_R | PF_W);
    for (auto [key, value] : auxv) b.auxv(key, value);
    auto core = ElfCore::from_bytes(b.build(), "stack.core");
    REQUIRE(execfn == base + 0x3000);
    CHECK(core->facts().args == "./prog " + long_argument);
}

TEST_CASE("memory reads come from dumped bytes only") {
    auto core = ElfCore::from_bytes(crashed_with_two_threads().build(), "two.core");
    auto bytes = core->read(0x400ffe, 2);
    REQUIRE(bytes);
    CHECK((*bytes)[0] == 0x11);
    CHECK_FALSE(core->read(0x400fff, 2));        // runs off the segment
    CHECK_FALSE(core->read(0x7ffc0000f000, 8));  // inside memsz but not dumped
    CHECK_FALSE(core->read(0x10, 1));            // unmapped
    CHECK(core->read(0x7ffc0000e000, 4096));
}

TEST_CASE("a signal sent by another process carries its sender, not an address") {
    CoreBuilder b;
    b.thread(100, 0x401000, 0x7ff0000).process(100, "p", "p").sent_by(3, 0, 77, 1000).segment(0x400000, page(0), PF_R);
    auto core = ElfCore::from_bytes(b.build(), "sent.core");
    REQUIRE(core->siginfo());
    CHECK(core->siginfo()->sender_pid == 77);
    CHECK(core->siginfo()->sender_uid == 1000);
    CHECK_FALSE(core->siginfo()->fault_address);
}

TEST_CASE("every truncation of a core is reported, never read past its end") {
    auto whole = crashed_with_two_threads().build();
    int reported = 0;
    for (std::size_t cut = 0; cut < whole.size(); cut += (cut < 1024 ? 1 : 97)) {
        std::vector<std::uint8_t> part(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(cut));
        CHECK_THROWS_AS(ElfCore::from_bytes(part, "cut.core"), UserError);
        reported++;
    }
    CHECK(reported > 1000);
    try {
        std::vector<std::uint8_t> half(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(whole.size() / 2));
        ElfCore::from_bytes(half, "half.core");
    } catch (const UserError& e) {
        CHECK(std::string(e.what()).find("truncated") != std::string::npos);
    }
}

TEST_CASE("malformed headers and notes are reported as such") {
    auto whole = crashed_with_two_threads().build();
    SUBCASE("not ELF") {
        std::vector<std::uint8_t> text(200, 'x');
        CHECK_THROWS_WITH_AS(ElfCore::from_bytes(text, "t"), doctest::Contains("not an ELF core"), UserError);
    }
    SUBCASE("ELF but not a core") {
        auto bytes = whole;
        bytes[16] = ET_EXEC;
        CHECK_THROWS_WITH_AS(ElfCore::from_bytes(bytes, "t"), doctest::Contains("not a core dump"), UserError);
    }
    SUBCASE("absurd program header count") {
        auto bytes = whole;
        std::uint16_t phnum = 0xfff0;
        std::memcpy(bytes.data() + offsetof(Elf64_Ehdr, e_phnum), &phnum, 2);
        CHECK_THROWS_AS(ElfCore::from_bytes(bytes, "t"), UserError);
    }
    SUBCASE("a note larger than its segment") {
        auto bytes = whole;
        std::size_t first_note = sizeof(Elf64_Ehdr) + 3 * sizeof(Elf64_Phdr);
        std::uint32_t huge = 0x7fffffff;
        std::memcpy(bytes.data() + first_note + 4, &huge, 4);
        CHECK_THROWS_AS(ElfCore::from_bytes(bytes, "t"), UserError);
    }
    SUBCASE("a segment whose offset overflows") {
        auto bytes = whole;
        std::size_t load = sizeof(Elf64_Ehdr) + sizeof(Elf64_Phdr);
        std::uint64_t offset = ~std::uint64_t{0} - 10;
        std::memcpy(bytes.data() + load + offsetof(Elf64_Phdr, p_offset), &offset, 8);
        CHECK_THROWS_AS(ElfCore::from_bytes(bytes, "t"), UserError);
    }
    SUBCASE("no thread notes") {
        CoreBuilder b;
        b.process(1, "p", "p").segment(0x1000, page(0), PF_R);
        CHECK_THROWS_WITH_AS(ElfCore::from_bytes(b.build(), "t"), doctest::Contains("NT_PRSTATUS"), UserError);
    }
    SUBCASE("a missing file") {
        CHECK_THROWS_WITH_AS(ElfCore::open("/nonexistent/core"), doctest::Contains("cannot read core file"), UserError);
    }
}

TEST_CASE("random corruption of headers and notes never gets past the reader unreported") {
    auto whole = crashed_with_two_threads().build();
    std::size_t header_and_notes = sizeof(Elf64_Ehdr) + 3 * sizeof(Elf64_Phdr) + 1200;
    std::mt19937 rng(12345);
    int parsed = 0, refused = 0;
    for (int i = 0; i < 3000; i++) {
        auto bytes = whole;
        int flips = 1 + static_cast<int>(rng() % 4);
        for (int f = 0; f < flips; f++) bytes[rng() % header_and_notes] = static_cast<std::uint8_t>(rng());
        try {
            auto core = ElfCore::from_bytes(bytes, "fuzz.core");
            (void)core->facts();
            (void)core->read(0x400000, 16);
            parsed++;
        } catch (const UserError&) {
            refused++;
        }
    }
    CHECK(parsed + refused == 3000);
    CHECK(refused > 0);
}

TEST_CASE("a sparse core's holes are not what it stores, so nothing reads them") {
    CoreBuilder b = crashed_with_two_threads();
    b.segment(0x500000, std::vector<std::uint8_t>(4 * 4096, 0x33), PF_R | PF_W);
    std::vector<std::uint8_t> bytes = b.build();
    char path[] = "/tmp/coroner-unit-sparse-XXXXXX";
    int fd = ::mkstemp(path);
    REQUIRE(fd >= 0);
    REQUIRE(::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()));
    auto core = ElfCore::open(path);
    auto found = std::find_if(core->segments().begin(), core->segments().end(),
                              [](const coroner::CoreSegment& s) { return s.vaddr == 0x500000; });
    REQUIRE(found != core->segments().end());
    const coroner::CoreSegment& seg = *found;
    CHECK(core->stored_parts(seg) == std::vector<std::pair<std::uint64_t, std::uint64_t>>{{0, seg.filesz}});
    // A page-aligned hole inside the segment (the kernel leaves such holes for pages of zeros).
    const std::uint64_t hole = (seg.offset + 4096 + 4095) & ~4095ull;
    REQUIRE(::fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, static_cast<off_t>(hole), 4096) == 0);
    std::uint64_t after = hole + 4096 - seg.offset;
    CHECK(core->stored_parts(seg) ==
          std::vector<std::pair<std::uint64_t, std::uint64_t>>{{0, hole - seg.offset}, {after, seg.filesz - after}});
    // Bytes only in memory have no holes.
    auto in_memory = ElfCore::from_bytes(bytes, "t");
    for (const auto& segment : in_memory->segments())
        CHECK(in_memory->stored_parts(segment) ==
              std::vector<std::pair<std::uint64_t, std::uint64_t>>{{0, segment.filesz}});
    ::close(fd);
    ::unlink(path);
}

TEST_CASE("a segment's bytes copied from the core file are its bytes, and a file cut after opening is an error") {
    CoreBuilder b = crashed_with_two_threads();
    std::vector<std::uint8_t> stored(3 * 4096 + 17);
    for (std::size_t i = 0; i < stored.size(); i++) stored[i] = static_cast<std::uint8_t>(i * 13 + 1);
    b.segment(0x600000, stored, PF_R | PF_W);
    std::vector<std::uint8_t> bytes = b.build();
    char path[] = "/tmp/coroner-unit-copy-XXXXXX";
    int fd = ::mkstemp(path);
    REQUIRE(fd >= 0);
    REQUIRE(::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()));
    auto from_file = ElfCore::open(path);
    auto in_memory = ElfCore::from_bytes(bytes, "t");
    for (const auto* core : {from_file.get(), in_memory.get()}) {
        auto seg = std::find_if(core->segments().begin(), core->segments().end(),
                                [](const coroner::CoreSegment& s) { return s.vaddr == 0x600000; });
        REQUIRE(seg != core->segments().end());
        std::vector<std::uint8_t> copy(stored.size() - 5);
        core->copy_file_bytes(seg->offset + 5, copy.data(), copy.size());
        CHECK(std::equal(copy.begin(), copy.end(), stored.begin() + 5));
    }
    CHECK_THROWS_AS(in_memory->copy_file_bytes(bytes.size() - 4, bytes.data(), 8), UserError);
    // Cut while open: the read says so instead of returning what is not there.
    REQUIRE(::ftruncate(fd, static_cast<off_t>(bytes.size() / 2)) == 0);
    std::vector<std::uint8_t> copy(64);
    CHECK_THROWS_WITH_AS(from_file->copy_file_bytes(bytes.size() - 64, copy.data(), copy.size()),
                         doctest::Contains("truncated"), UserError);
    ::close(fd);
    ::unlink(path);
}

TEST_CASE("ELF notes are walked once for cores and build-ids, and a note that does not fit stops the walk") {
    // "CORE" (5 bytes, padded to 8) with a 6-byte description (padded to 8), then "GNU" with 4 bytes.
    std::vector<std::uint8_t> notes = {5, 0, 0, 0, 6, 0, 0, 0, 1,   0,   0,   0, 'C',  'O',  'R',  'E',
                                       0, 0, 0, 0, 1, 2, 3, 4, 5,   6,   0,   0, 4,    0,    0,    0,
                                       4, 0, 0, 0, 3, 0, 0, 0, 'G', 'N', 'U', 0, 0xab, 0xcd, 0xef, 0x01};
    coroner::ElfNotes walk(notes.data(), notes.size());
    auto first = walk.next();
    REQUIRE(first);
    CHECK(first->type == 1);
    CHECK(first->name == std::string_view("CORE", 5));
    CHECK(first->desc_size == 6);
    CHECK(first->desc_offset == 20);
    CHECK(first->desc[5] == 6);
    auto second = walk.next();
    REQUIRE(second);
    CHECK(second->name == std::string_view("GNU", 4));
    CHECK(second->desc_offset == 44);  // 28 + the header + "GNU\0"
    CHECK_FALSE(walk.next());
    CHECK_FALSE(walk.malformed_at());

    SUBCASE("a header cut short") {
        coroner::ElfNotes cut(notes.data(), 28 + 6);
        REQUIRE(cut.next());
        CHECK_FALSE(cut.next());
        CHECK(cut.malformed_at() == 28u);
    }
    SUBCASE("a description size that wraps when padded") {
        auto bad = notes;
        std::uint32_t wraps = 0xfffffffd;
        std::memcpy(bad.data() + 4, &wraps, 4);
        coroner::ElfNotes walk_bad(bad.data(), bad.size());
        CHECK_FALSE(walk_bad.next());
        CHECK(walk_bad.malformed_at() == 0u);
    }
    SUBCASE("a name past the end") {
        auto bad = notes;
        bad[0] = 200;
        coroner::ElfNotes walk_bad(bad.data(), bad.size());
        CHECK_FALSE(walk_bad.next());
        CHECK(walk_bad.malformed_at() == 0u);
    }
}

TEST_CASE("a module file says which CPU it is code for") {
    std::ifstream self("/proc/self/exe", std::ios::binary);
    Elf64_Ehdr header{};
    REQUIRE(self.read(reinterpret_cast<char*>(&header), sizeof header));
    const coroner::ModuleFile& file = coroner::read_module_file("/proc/self/exe");
    CHECK(file.readable);
    CHECK(file.machine == header.e_machine);
    CHECK(coroner::read_module_file_uncached("/nonexistent/prog").machine == 0);
}
