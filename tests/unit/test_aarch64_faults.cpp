// AArch64 cores built here (registers, siginfo, NT_FILE, memory holding real AArch64 instruction bytes at
// the faulting pc), through pm-triage: every memory-fault class, with the access decoded from the
// instruction that faulted. qemu-aarch64's own cores carry no siginfo; these cover what the kernel writes.
#include "coroner/commands/commands.hpp"

#include "../support/core_builder.hpp"
#include "../support/snapshot_debugger.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <unistd.h>
#include <cstdio>
#include <cstdlib>

using namespace coroner;
using coroner::test::CoreBuilder;
using coroner::test::frame;
using coroner::test::SnapshotDebugger;

namespace {

constexpr std::uint64_t text = 0x400000, rodata = 0x410000, heap = 0x420000;
constexpr std::uint64_t stack = 0xfffff7ff0000, stack_size = 0x10000;
constexpr std::uint64_t pc = text + 0x40;
constexpr int sigsegv = 11, segv_maperr = 1, segv_accerr = 2, sigtrap = 5, trap_brkpt = 1;

// The program's text: zeros (udf) with one instruction at pc, and any others at their addresses.
std::vector<std::uint8_t> text_with(std::uint32_t instruction, std::map<std::uint64_t, std::uint32_t> more = {}) {
    std::vector<std::uint8_t> bytes(4096, 0);
    more[pc] = instruction;
    for (const auto& [at, word] : more)
        for (int i = 0; i < 4; i++) bytes[at - text + i] = static_cast<std::uint8_t>(word >> (8 * i));
    return bytes;
}

// bl from `from` to `to`.
std::uint32_t bl(std::uint64_t from, std::uint64_t to) {
    return 0x94000000u | (static_cast<std::uint32_t>((to - from) / 4) & 0x03ffffffu);
}

struct Fault {
    std::uint32_t instruction;
    std::map<std::size_t, std::uint64_t> registers;  // x0-x30 by number
    int code;
    std::uint64_t address;
    std::uint64_t crash_pc = pc;
    std::uint64_t sp = stack + stack_size - 0x100;
    bool siginfo = true;  // qemu-user writes none: the signal number is then NT_PRSTATUS's alone
    int signal = sigsegv;
    std::map<std::uint64_t, std::uint32_t> more_code;  // more instructions in the text, by address
    std::vector<Frame> given;                          // the debugger's frames, when not the usual three
    std::map<std::uint64_t, Frame> symbols;            // what the debugger names an address
    std::string options = "--json";
};

std::vector<std::uint8_t> aarch64_core(const Fault& fault) {
    CoreBuilder b;
    b.machine(EM_AARCH64).thread(4242, fault.crash_pc, fault.sp, static_cast<std::int16_t>(fault.signal));
    for (const auto& [index, value] : fault.registers) b.reg(index, value);
    if (fault.siginfo) b.siginfo(fault.signal, fault.code, fault.address);
    b.process(4242, "server", "./server")
        .segment(text, text_with(fault.instruction, fault.more_code), PF_R | PF_X)
        .segment(rodata, std::vector<std::uint8_t>(4096, 7), PF_R)
        .segment(heap, std::vector<std::uint8_t>(4096, 0), PF_R | PF_W)
        .segment(stack, std::vector<std::uint8_t>(stack_size, 0), PF_R | PF_W)
        .file(text, text + 0x1000, 0, "/srv/server")
        .file(rodata, rodata + 0x1000, 16, "/srv/server");
    return b.build();
}

nlohmann::json triage(const Fault& fault) {
    char name[] = "/tmp/coroner-aarch64-XXXXXX";
    int fd = mkstemp(name);
    REQUIRE(fd >= 0);
    auto bytes = aarch64_core(fault);
    REQUIRE(::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()));
    ::close(fd);
    SnapshotDebugger d;
    d.state.kind = TargetKind::core;
    d.state.executable = "/srv/server";
    d.state.core_file = name;
    d.thread_list = {ThreadInfo{1, 4242, std::nullopt}};
    d.stacks[4242] = {frame(0, fault.crash_pc, "handle_request", "/src/server.c", 42),
                      frame(1, text + 0x100, "serve", "/src/server.c", 80), frame(2, text + 0x200, "main")};
    if (!fault.given.empty()) d.stacks[4242] = fault.given;
    d.symbols = fault.symbols;
    CommandOutcome out = run_command("pm-triage", fault.options, d);
    std::remove(name);
    INFO(out.error);
    REQUIRE(out.ok);
    return nlohmann::json::parse(out.output);
}

}  // namespace

TEST_CASE("AArch64: a load through a NULL struct pointer is a null-deref, read through x1") {
    auto j = triage({0xf9400c20, {{1, 0}}, segv_maperr, 0x18});  // ldr x0, [x1, #24]
    CHECK(j["cause"]["class"] == "null-deref");
    CHECK(j["cause"]["access"] == "read");
    std::string summary = j["cause"]["summary"];
    CHECK(summary.find("ldr x0, [x1, #0x18]") != std::string::npos);
    CHECK(summary.find("x1 = 0x0") != std::string::npos);
    CHECK(j["signature"] == "SIGSEGV null-deref handle_request | serve | main");
}

TEST_CASE("AArch64: a store through an unmapped pointer is a wild write") {
    auto j = triage({0xb9000062, {{3, 0x7fdead000000}}, segv_maperr, 0x7fdead000000});  // str w2, [x3]
    CHECK(j["cause"]["class"] == "wild-pointer");
    CHECK(j["cause"]["access"] == "write");
    CHECK(j["cause"]["summary"].get<std::string>().find("str w2, [x3]") != std::string::npos);
}

TEST_CASE("AArch64: a post-indexed load from an unmapped address is a wild read at the base register") {
    auto j = triage({0xf8408420, {{1, 0x7fbeef000010}}, segv_maperr, 0x7fbeef000010});  // ldr x0, [x1], #8
    CHECK(j["cause"]["class"] == "wild-pointer");
    CHECK(j["cause"]["access"] == "read");
    CHECK(j["cause"]["summary"].get<std::string>().find("x1 = 0x7fbeef000010") != std::string::npos);
}

TEST_CASE("AArch64: an atomic add into read-only data is a write to read-only memory") {
    auto j = triage({0xb8210062, {{3, rodata + 8}}, segv_accerr, rodata + 8});  // ldadd w1, w2, [x3]
    CHECK(j["cause"]["class"] == "readonly-write");
    CHECK(j["cause"]["summary"].get<std::string>().find("in server") != std::string::npos);
}

TEST_CASE("AArch64: a frame record pushed below the stack is a stack overflow") {
    Fault push{0xa9ff7bfd, {}, segv_maperr, stack - 16};  // ldp x29, x30, [sp, #-16]! as the pushing store
    push.instruction = 0xa9bf7bfd;                        // stp x29, x30, [sp, #-16]!
    push.sp = stack;
    auto j = triage(push);
    CHECK(j["cause"]["class"] == "stack-overflow");
    CHECK(j["cause"]["access"] == "write");
    CHECK(j["cause"]["summary"].get<std::string>().find("stp x29, x30, [sp, #-0x10]!") != std::string::npos);
}

TEST_CASE("AArch64: a call through a NULL function pointer is a bad jump") {
    Fault jump{0, {{30, pc + 4}}, segv_maperr, 0};
    jump.crash_pc = 0;
    auto j = triage(jump);
    CHECK(j["cause"]["class"] == "bad-jump");
    CHECK(j["cause"]["summary"].get<std::string>().find("NULL function pointer") != std::string::npos);
}

TEST_CASE("AArch64: a pc in read-only data is a bad jump into non-executable memory") {
    Fault jump{0, {}, segv_accerr, rodata + 0x20};
    jump.crash_pc = rodata + 0x20;
    auto j = triage(jump);
    CHECK(j["cause"]["class"] == "bad-jump");
    CHECK(j["cause"]["summary"].get<std::string>().find("non-executable") != std::string::npos);
}

TEST_CASE("AArch64 without siginfo: the fault address is the one the load or store computes, and said so") {
    Fault store{0xb9000062, {{3, 0x10}}, 0, 0};  // str w2, [x3] with x3 = 0x10
    store.siginfo = false;
    auto j = triage(store);
    CHECK(j["signal"]["code"].is_null());
    CHECK(j["signal"]["fault_address"].is_null());  // the core did not record one
    CHECK(j["cause"]["class"] == "null-deref");
    std::string summary = j["cause"]["summary"];
    CHECK(summary.find("str w2, [x3]") != std::string::npos);
    CHECK(summary.find("the address the instruction computes (the core has no siginfo)") != std::string::npos);

    Fault readonly{0xb9000062, {{3, rodata + 8}}, 0, 0};  // a store into read-only data: no SEGV_ACCERR needed
    readonly.siginfo = false;
    CHECK(triage(readonly)["cause"]["class"] == "readonly-write");
}

TEST_CASE("AArch64 without siginfo, at an instruction that touches no memory: no class is guessed") {
    Fault trap{0xd4207d00, {}, 0, 0};  // brk #0x3e8, yet the signal is SIGSEGV
    trap.siginfo = false;
    auto j = triage(trap);
    CHECK(j["cause"]["class"] == "unknown");
    CHECK(j["cause"]["summary"] == "SIGSEGV with no fault address recorded (the core has no siginfo)");
}

TEST_CASE("AArch64: __builtin_trap's brk is the program's own trap, another brk a breakpoint") {
    Fault gcc_trap{0xd4207d00, {}, trap_brkpt, pc};  // brk #0x3e8
    gcc_trap.signal = sigtrap;
    auto j = triage(gcc_trap);
    CHECK(j["cause"]["class"] == "illegal-instruction");  // as x86-64's ud2
    CHECK(j["cause"]["summary"].get<std::string>().find("__builtin_trap (`brk #0x3e8`") == 0);
    CHECK(j["signature"] == "SIGTRAP illegal-instruction handle_request | serve | main");

    Fault clang_trap{0xd4200020, {}, trap_brkpt, pc};  // brk #0x1
    clang_trap.signal = sigtrap;
    clang_trap.siginfo = false;
    CHECK(triage(clang_trap)["cause"]["class"] == "illegal-instruction");

    Fault breakpoint{0xd4200000, {}, trap_brkpt, pc};  // brk #0: a debugger's breakpoint left behind
    breakpoint.signal = sigtrap;
    CHECK(triage(breakpoint)["cause"]["class"] == "breakpoint");
}

TEST_CASE("AArch64: a frame the unwinder takes for its own caller is cut, direct recursion is not") {
    // decode_record (text+0x100) calls read_field at +0x110; load_table (text+0x200) calls decode_record at
    // +0x210; recurse (text+0x300) calls itself at +0x310.
    Fault f{0xf9400c20, {{1, 0}}, segv_maperr, 0x18};  // ldr x0, [x1, #24]
    f.more_code = {{text + 0x110, bl(text + 0x110, pc)},
                   {text + 0x210, bl(text + 0x210, text + 0x100)},
                   {text + 0x310, bl(text + 0x310, text + 0x300)}};
    f.symbols = {{text + 0x100, frame(0, text + 0x100, "decode_record")},
                 {text + 0x300, frame(0, text + 0x300, "recurse")}};
    f.options = "--json --no-recover";
    // As gdb-multiarch gives code without unwind tables or frame pointers: load_table again and again.
    f.given = {frame(0, pc, "read_field"), frame(1, text + 0x114, "decode_record"),
               frame(2, text + 0x214, "load_table"), frame(3, text + 0x214, "load_table"),
               frame(4, text + 0x214, "load_table")};
    auto frames = triage(f)["thread"]["frames"];
    REQUIRE(frames.size() == 3);
    CHECK(frames[2]["function"] == "load_table");

    f.given = {frame(0, pc, "read_field"), frame(1, text + 0x314, "recurse"), frame(2, text + 0x314, "recurse"),
               frame(3, text + 0x314, "recurse")};
    CHECK(triage(f)["thread"]["frames"].size() == 4);
}
