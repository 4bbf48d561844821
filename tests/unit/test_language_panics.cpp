#include "coroner/analysis/runtimes/rust_panic.hpp"

#include "../support/region_memory.hpp"

#include <doctest/doctest.h>

#include <cstring>
#include <map>

using namespace coroner;

using coroner::test::RegionMemory;

namespace {

std::uint64_t line_and_column(std::uint32_t line, std::uint32_t column) { return line | (std::uint64_t{column} << 32); }

constexpr std::uint64_t stack = 0x7ffd0000, rodata = 0x5000, heap = 0x9000;

// A stack as rust_panic_with_hook leaves it under abort(): below it, a stale frame of the panic hook
// that held the thread's name beside the location; in it, a PanicInfo whose payload is a String.
RegionMemory panicking_stack(std::uint64_t payload_size) {
    RegionMemory memory;
    memory.put_text(rodata, "src/main.rs");
    memory.put_words(rodata + 0x100, {rodata, 11, line_and_column(3, 9)});  // Location
    memory.put_words(rodata + 0x200, {0x1234, payload_size, 8});            // vtable: drop, size, align
    memory.put_text(heap, "quota exceeded");
    memory.put_text(heap + 0x100, "main");
    memory.put_words(heap + 0x200, {heap + 0x100, 4, 4});  // a Thread's name
    std::vector<std::uint64_t> words(64, 0);
    words[4] = heap + 0x200;    // stale: the hook's thread name...
    words[5] = rodata + 0x100;  // ...next to the same location
    // The PanicInfo { payload: (data, vtable), message, location, can_unwind }.
    words[20] = stack + 8 * 40;
    words[21] = rodata + 0x200;
    words[22] = 0;
    words[23] = rodata + 0x100;
    if (payload_size == 24) {
        words[40] = heap, words[41] = 32, words[42] = 14;  // String { ptr, capacity, len }
    } else {
        words[40] = heap, words[41] = 14;  // &str { ptr, len }
    }
    memory.put_words(stack, words);
    return memory;
}

}  // namespace

TEST_CASE("a Rust panic's message and location come from the PanicInfo on the stack") {
    for (std::uint64_t payload_size : {24, 16}) {
        CAPTURE(payload_size);
        RegionMemory memory = panicking_stack(payload_size);
        const std::vector<Mapping> mappings{{stack, stack + 64 * 8, 0, true, true, false, "[stack]"}};
        auto panic = rust_panic(memory, mappings, stack);
        REQUIRE(panic);
        CHECK(panic->file == "src/main.rs");
        CHECK(panic->line == 3);
        CHECK(panic->column == 9);
        CHECK(panic->message == "quota exceeded");
    }
}

TEST_CASE("a stack without a Rust panic on it gives nothing") {
    RegionMemory memory;
    memory.put_words(stack, std::vector<std::uint64_t>(64, 0x4141414141414141ULL));
    CHECK_FALSE(rust_panic(memory, {}, stack));
    CHECK_FALSE(rust_panic(memory, {}, 0x10));  // unreadable
}
