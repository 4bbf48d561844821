#include "coroner/analysis/blame.hpp"
#include "coroner/analysis/runtimes/cpython.hpp"
#include "coroner/analysis/signature.hpp"
#include "coroner/base/error.hpp"

#include "../support/snapshot_debugger.hpp"

#include <doctest/doctest.h>

using namespace coroner;
using coroner::test::frame;
using coroner::test::in;

namespace {

Frame python(const char* function, const char* file, int line) {
    Frame f = frame(0, 0, function, file, line);
    f.python = true;
    return f;
}

PythonFrame py(const char* function, int line, bool entry = false, bool incomplete = false) {
    PythonFrame f;
    f.file = "/srv/app/job.py";
    f.function = function;
    f.line = line;
    f.entry = entry;
    f.incomplete = incomplete;
    return f;
}

std::vector<Frame> indexed(std::vector<Frame> frames) {
    for (std::size_t i = 0; i < frames.size(); i++) frames[i].index = static_cast<int>(i);
    return frames;
}

}  // namespace

TEST_CASE("a 3.11 location table gives the line of every instruction, as the interpreter's co_positions()") {
    // CPython 3.11.2's table of
    //   def sample(items):            # line 1
    //       total = 0
    //       for item in items:
    //           total += item
    //       (three blank lines)
    //           if total > 10:        # line 8
    //               break
    //       return (total +
    //               1)
    // with every code unit's line from sample.__code__.co_positions(): short, one-line and long entries, a line
    // going back (the loop's jump to line 8).
    const std::vector<std::uint8_t> table = {
        0x80, 0x00, 0xd8, 0x0c, 0x0d, 0x80, 0x45, 0xd8, 0x10, 0x15, 0xf0, 0x00, 0x06, 0x05, 0x12, 0xf0, 0x00,
        0x06, 0x05, 0x12, 0x88, 0x04, 0xd8, 0x08, 0x0d, 0x90, 0x14, 0x89, 0x0d, 0x88, 0x05, 0xf0, 0x08, 0x00,
        0x0c, 0x11, 0x90, 0x32, 0x8a, 0x3a, 0x88, 0x3a, 0xd8, 0x0c, 0x11, 0x88, 0x45, 0xf0, 0x03, 0x00, 0x0c,
        0x16, 0xe0, 0x0c, 0x11, 0xd8, 0x0c, 0x0d, 0xf1, 0x03, 0x01, 0x0d, 0x0e, 0xf0, 0x00, 0x01, 0x05, 0x0f};
    const std::vector<int> lines = {1, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 4, 8, 8, 8, 8, 8, 8, 9, 9, 8, 10, 11, 10, 10, 10};
    for (std::size_t unit = 0; unit < lines.size(); unit++) {
        CAPTURE(unit);
        CHECK(python_line(table, 1, static_cast<std::int64_t>(unit * 2)) == lines[unit]);
    }
    CHECK_FALSE(python_line(table, 1, 2 * 26));  // past the table
    // An entry of code 15 has no line; a byte that does not start an entry where one must is a corrupt table.
    CHECK_FALSE(python_line({0xf8}, 5, 0));
    CHECK_FALSE(python_line({0x00, 0x80}, 5, 0));
    CHECK_FALSE(python_line({}, 5, 0));
}

TEST_CASE("each native call of the evaluation loop takes its run of Python frames, up to its entry frame") {
    std::vector<Frame> native = indexed({frame(0, 0x10, "write_null"), frame(0, 0x20, "PyObject_Vectorcall"),
                                         frame(0, 0x30, "_PyEval_EvalFrameDefault"), frame(0, 0x40, "helper"),
                                         frame(0, 0x50, "_PyEval_EvalFrameDefault"), frame(0, 0x60, "Py_RunMain")});
    PythonThread thread;
    thread.frames = {py("inner", 10), py("pushed_not_started", 1, false, true), py("middle", 20, true),
                     py("<module>", 30, true), py("left_over", 40, true)};
    std::vector<Frame> all = with_python_frames(native, "_PyEval_EvalFrameDefault", thread);
    std::vector<std::string> names;
    for (const auto& f : all) names.push_back((f.python ? "py:" : "") + f.function.value_or("??"));
    CHECK(names == std::vector<std::string>{"write_null", "PyObject_Vectorcall", "py:inner", "py:middle",
                                            "_PyEval_EvalFrameDefault", "helper", "py:<module>",
                                            "_PyEval_EvalFrameDefault", "Py_RunMain"});
    for (std::size_t i = 0; i < all.size(); i++) CHECK(all[i].index == static_cast<int>(i));
    CHECK(all[2].pc == 0);
    CHECK_FALSE(all[2].module);
    CHECK_FALSE(all[2].debugger_index);
    CHECK(all[3].line == 20);
    // A thread without Python frames, or a stack without the loop, keeps its native frames.
    CHECK(with_python_frames(native, "_PyEval_EvalFrameDefault", PythonThread{}).size() == native.size());
}

TEST_CASE("under Python, blame names the extension's function and the Python line that called it") {
    std::vector<SkipRule> rules = builtin_skip_rules();
    const std::vector<Mapping> no_mappings;
    std::vector<Frame> frames =
        indexed({in(frame(0, 0x7f01, "write_null", "crashext.c", 9), "/srv/app/crashext.so"),
                 in(frame(0, 0x51f6, std::nullopt), "/usr/bin/python3.11"),
                 in(frame(0, 0x53ac, "PyObject_Vectorcall"), "/usr/bin/python3.11"),
                 python("Ledger.flush", "/srv/app/job.py", 10), python("main", "/srv/app/job.py", 14),
                 in(frame(0, 0x52b9, "_PyEval_EvalFrameDefault"), "/usr/bin/python3.11")});
    Blame b = blame(frames, std::string("/usr/bin/python3.11"), rules);
    REQUIRE(b.frame == 0);
    CHECK(b.python_caller == 3);
    CHECK(b.reason.find("called from Python by Ledger.flush at job.py:10") != std::string::npos);
    Signature sig = make_signature("SIGSEGV", "null-deref", frames, b.frame, ProcessMap(no_mappings), rules);
    CHECK(sig.text == "SIGSEGV null-deref write_null | job.py:Ledger.flush | job.py:main");

    // The same script elsewhere is the same bucket; another script is another.
    std::vector<Frame> moved = frames, other = frames;
    moved[3].file = moved[4].file = "/home/me/copy/job.py";
    other[3].file = other[4].file = "/srv/app/report.py";
    CHECK(make_signature("SIGSEGV", "null-deref", moved, b.frame, ProcessMap(no_mappings), rules).bucket == sig.bucket);
    CHECK(make_signature("SIGSEGV", "null-deref", other, b.frame, ProcessMap(no_mappings), rules).bucket != sig.bucket);
}

TEST_CASE("under Python, native code without symbols and the standard library are passed over to the program's line") {
    std::vector<Frame> frames =
        indexed({in(frame(0, 0x7f01, "__strlen_evex"), "/usr/lib/x86_64-linux-gnu/libc.so.6"),
                 in(frame(0, 0x7f02, std::nullopt), "/usr/lib/python3.11/lib-dynload/_ctypes.so"),
                 in(frame(0, 0x7f03, "ffi_call"), "/usr/lib/x86_64-linux-gnu/libffi.so.8.1.2"),
                 in(frame(0, 0x5179, "_PyObject_MakeTpCall"), "/usr/bin/python3.11"),
                 python("string_at", "/usr/lib/python3.11/ctypes/__init__.py", 519),
                 python("read_header", "/srv/app/job.py", 10),
                 in(frame(0, 0x52b9, "_PyEval_EvalFrameDefault"), "/usr/bin/python3.11")});
    Blame b = blame(frames, std::string("/usr/bin/python3.11"), builtin_skip_rules());
    CHECK(b.frame == 5);
    CHECK_FALSE(b.python_caller);
    std::vector<std::string> skipped;
    for (const auto& s : b.skipped) skipped.push_back(s.rule);
    CHECK(skipped == std::vector<std::string>{"mem-str-functions", "libffi", "cpython-interpreter", "python-stdlib"});
}

TEST_CASE("a blame rule may name a module or a source file instead of a function, but not none of the three") {
    auto doc = [](const char* rule) {
        return nlohmann::json::parse(std::string(R"({"schema": "coroner.blame-rules/1", "rules": [)") + rule + "]}");
    };
    std::vector<SkipRule> rules = parse_skip_rules(doc(R"({"id": "VENDORED", "file": "/vendor/"})"));
    REQUIRE(rules.size() == 1);
    CHECK_FALSE(rules[0].function);
    CHECK(matching_rule(rules, python("helper", "/srv/app/vendor/lib.py", 3)));
    CHECK_FALSE(matching_rule(rules, python("helper", "/srv/app/lib.py", 3)));
    Frame unnamed = in(frame(0, 0x10, std::nullopt), "/opt/libvendor.so");
    CHECK_FALSE(matching_rule(rules, unnamed));
    CHECK(matching_rule(parse_skip_rules(doc(R"({"id": "VENDOR-LIB", "module": "^libvendor"})")), unnamed));
    CHECK_THROWS_AS(parse_skip_rules(doc(R"({"id": "NOTHING", "role": "skip"})")), UserError);
}
