#include "coroner/analysis/blame.hpp"
#include "coroner/analysis/names.hpp"
#include "coroner/analysis/signature.hpp"

#include "../support/snapshot_debugger.hpp"

#include <doctest/doctest.h>

using namespace coroner;
using coroner::test::frame;
using coroner::test::in;

TEST_CASE("parameter lists are stripped, operators and anonymous namespaces kept") {
    CHECK(strip_parameters("get_total") == "get_total");
    CHECK(strip_parameters("config::load(std::string const&)") == "config::load");
    CHECK(strip_parameters("ns::Foo::bar(int) const") == "ns::Foo::bar");
    CHECK(strip_parameters("Foo::operator()(int)") == "Foo::operator()");
    CHECK(strip_parameters("Foo::operator()") == "Foo::operator()");
    CHECK(strip_parameters("(anonymous namespace)::helper(void*)") == "(anonymous namespace)::helper");
    CHECK(strip_parameters("std::vector<int, std::allocator<int> >::at(unsigned long)") ==
          "std::vector<int, std::allocator<int> >::at");
}

TEST_CASE("function names and source paths are normalized the same for every debugger") {
    CHECK(normalize_function("__assert_fail_base.cold") == "__assert_fail_base");
    CHECK(normalize_function("foo.isra.0") == "foo");
    CHECK(normalize_function("bar.constprop.0.cold") == "bar");
    CHECK(normalize_function("__clone3") == "clone3");
    CHECK(normalize_function("ns::f(int)") == "ns::f");
    CHECK(normalize_source_path("./nptl/./nptl/pthread_kill.c") == "nptl/pthread_kill.c");
    CHECK(normalize_source_path("nptl/pthread_kill.c") == "nptl/pthread_kill.c");
    CHECK(normalize_source_path("./signal/../sysdeps/posix/raise.c") == "sysdeps/posix/raise.c");
    CHECK(normalize_source_path("/src/app/../lib/x.c") == "/src/lib/x.c");
    CHECK(normalize_source_path("/work/a/./b.c") == "/work/a/b.c");
}

TEST_CASE("Rust and Go frames get one name whether GDB (debug info) or LLDB (symbol) named them") {
    // LLDB: the legacy symbol, demangled, with its hash and leftover escapes. GDB: the DWARF name.
    CHECK(normalize_function("rust_panic_abort::check_quota::hf444dd61a0b41312") == "rust_panic_abort::check_quota");
    CHECK(normalize_function("std::panicking::begin_panic_handler::_$u7b$$u7b$closure$u7d$$u7d$::h7ff3a0ebbf1ba422") ==
          "std::panicking::begin_panic_handler::{{closure}}");
    CHECK(normalize_function("std::panicking::begin_panic_handler::{closure#0}", true) ==
          "std::panicking::begin_panic_handler::{{closure}}");
    CHECK(normalize_function("std::sys_common::backtrace::__rust_end_short_backtrace<std::panicking::"
                             "begin_panic_handler::{closure_env#0}, !>",
                             true) == "std::sys_common::backtrace::__rust_end_short_backtrace");
    CHECK(normalize_function("std::sys_common::backtrace::__rust_end_short_backtrace::hc8542ca3b5dac53a") ==
          "std::sys_common::backtrace::__rust_end_short_backtrace");
    CHECK(normalize_function("_$LT$alloc..string..String$u20$as$u20$core..fmt..Display$GT$::fmt::h0123456789abcdef") ==
          "<alloc::string::String as core::fmt::Display>::fmt");
    // A "$u…$" escape that is not hex (a crafted symbol in a crashed binary) stays as written: it used to
    // throw std::invalid_argument out of the debugger's command (found by fuzz/function_names.cpp).
    CHECK(normalize_function("crafted::_$uuuu$::f::h0123456789abcdef") == "crafted::$uuuu$::f");
    CHECK(normalize_function("crafted::$u$::h0123456789abcdef") == "crafted::$u$");
    // #[no_mangle] entry points: LLDB says the symbol, GDB the path.
    CHECK(normalize_function("rust_begin_unwind") == "std::panicking::begin_panic_handler");
    CHECK(normalize_function("__rust_start_panic") == "panic_abort::__rust_start_panic");
    // Go's assembly functions: LLDB reads the ELF symbol with its ABI suffix.
    CHECK(normalize_function("runtime.raise.abi0") == "runtime.raise");
    CHECK(normalize_function("main.(*Server).handle.func1") == "main.(*Server).handle.func1");
    // C++ keeps its templates: both debuggers agree on them.
    CHECK(normalize_function("std::vector<int, std::allocator<int> >::at(unsigned long)") ==
          "std::vector<int, std::allocator<int> >::at");
}

TEST_CASE("blame skips signal, abort and assert frames and prefers the program's own code") {
    std::vector<Frame> frames{in(frame(0, 1, "__pthread_kill_implementation"), "/lib/libc.so.6"),
                              in(frame(1, 2, "raise"), "/lib/libc.so.6"),
                              in(frame(2, 3, "abort"), "/lib/libc.so.6"),
                              in(frame(3, 4, "__assert_fail"), "/lib/libc.so.6"),
                              in(frame(4, 5, "check_balance"), "/opt/prog"),
                              in(frame(5, 6, "main"), "/opt/prog")};
    Blame b = blame(frames, std::string("/opt/prog"), builtin_skip_rules());
    REQUIRE(b.frame);
    CHECK(*b.frame == 4);
    REQUIRE(b.skipped.size() == 4);
    CHECK(b.skipped[0].rule == "signal-delivery");
    CHECK(b.skipped[2].rule == "abort");
    CHECK(b.skipped[3].rule == "assert");
}

TEST_CASE("in a statically linked program, library code (no source line) is passed over to the program's own") {
    std::vector<Frame> frames{in(frame(0, 1, "pause"), "/opt/prog"),
                              in(frame(1, 2, "wait_for_work", "/src/prog.c", 9), "/opt/prog"),
                              in(frame(2, 3, "main", "/src/prog.c", 14), "/opt/prog")};
    Blame b = blame(frames, std::string("/opt/prog"), builtin_skip_rules());
    REQUIRE(b.frame);
    CHECK(*b.frame == 1);
    CHECK(b.reason == "first frame in the program's own code");
    REQUIRE(b.skipped.size() == 1);
    CHECK(b.skipped[0].rule == "linked-in-library");
    // Without a line anywhere (no debug info at all) nothing tells library from program: the first is blamed.
    frames[1].file = frames[2].file = std::nullopt;
    CHECK(*blame(frames, std::string("/opt/prog"), builtin_skip_rules()).frame == 0);
}

TEST_CASE("a frame without symbols in the program is still blamed, and nothing at all gives a reason") {
    std::vector<Frame> stripped{in(frame(0, 0x1135, std::nullopt), "/opt/prog")};
    Blame b = blame(stripped, std::string("/opt/prog"), builtin_skip_rules());
    REQUIRE(b.frame);
    CHECK(b.reason.find("no symbols") != std::string::npos);
    Blame none = blame({frame(0, 0, std::nullopt)}, std::string("/opt/prog"), builtin_skip_rules());
    CHECK_FALSE(none.frame);
    CHECK_FALSE(none.reason.empty());
}

TEST_CASE("signatures collapse template arguments but leave operators alone") {
    std::vector<Mapping> none;
    CHECK(signature_frame(frame(0, 1, "std::vector<int, std::allocator<int> >::at(unsigned long)"), none) ==
          "std::vector<>::at");
    CHECK(signature_frame(frame(0, 1, "Ledger<Money>::post<Entry>"), none) == "Ledger<>::post<>");
    CHECK(signature_frame(frame(0, 1, "operator<<(std::ostream&, Money const&)"), none) == "operator<<");
}

TEST_CASE("signatures use normalized names or module+offset, and buckets follow them") {
    std::vector<Mapping> maps(1);
    maps[0].start = 0x555500000000;
    maps[0].end = 0x555500002000;
    maps[0].path = "/opt/prog";
    std::vector<Frame> frames{in(frame(0, 0x555500001135, std::nullopt), "/opt/prog"),
                              in(frame(1, 0x555500001180, "sum(long*, int)"), "/opt/prog"),
                              in(frame(2, 0x7f0000001000, "__libc_start_call_main"), "/lib/libc.so.6")};
    Signature s = make_signature("SIGSEGV", "null-deref", frames, 0, maps, builtin_skip_rules());
    CHECK(s.text == "SIGSEGV null-deref prog+0x1135 | sum");
    CHECK(s.bucket.size() == 16);
    // ASLR moves everything: the signature does not change.
    for (auto& m : maps) m.start += 0x1000000, m.end += 0x1000000;
    for (auto& f : frames) f.pc += 0x1000000;
    CHECK(make_signature("SIGSEGV", "null-deref", frames, 0, maps, builtin_skip_rules()).bucket == s.bucket);
    CHECK(bucket_of("SIGSEGV null-deref a | b") != bucket_of("SIGSEGV null-deref a | c"));
    CHECK(bucket_of("x") == bucket_of("x"));
}

TEST_CASE("frames found by scanning the stack are blamed last and never enter the signature") {
    Frame scanned_own = in(frame(1, 0x1100, "parse_request"), "/srv/prog");
    scanned_own.found_by = FoundBy::scan;
    Frame by_fp = in(frame(1, 0x1100, "parse_request"), "/srv/prog");
    by_fp.found_by = FoundBy::frame_pointer;
    std::vector<Frame> guessed = {in(frame(0, 0x7f00, "strlen"), "/lib/libc.so.6"), scanned_own};
    Blame b = blame(guessed, std::string("/srv/prog"), builtin_skip_rules());
    REQUIRE(b.frame);
    CHECK(*b.frame == 1);
    CHECK(b.reason.find("a guess") == 0);
    // A library frame the debugger found beats a scanned frame of the program.
    std::vector<Frame> with_library = {in(frame(0, 0x7f00, "inflate"), "/lib/libz.so.1"), scanned_own};
    CHECK(blame(with_library, std::string("/srv/prog"), builtin_skip_rules()).frame == 0);
    // Frame-pointer frames count like the debugger's.
    std::vector<Frame> chained = {in(frame(0, 0x7f00, "strlen"), "/lib/libc.so.6"), by_fp};
    CHECK(blame(chained, std::string("/srv/prog"), builtin_skip_rules()).reason ==
          "first frame in the program's own code");
    std::vector<Frame> mappings_frames = {in(frame(0, 0x1000, "read_field"), "/srv/prog"), scanned_own};
    std::vector<Mapping> none;
    auto sig = make_signature("SIGSEGV", "null-deref", mappings_frames, 0, none, builtin_skip_rules());
    CHECK(sig.text == "SIGSEGV null-deref read_field");
    mappings_frames[1] = by_fp;
    CHECK(make_signature("SIGSEGV", "null-deref", mappings_frames, 0, none, builtin_skip_rules()).text ==
          "SIGSEGV null-deref read_field | parse_request");
}
