// Stack recovery (issue 19) on hand-made memory: x86-64 code bytes for the calls, a stack of words.
#include "coroner/analysis/stack_recovery.hpp"

#include "../support/region_memory.hpp"

#include <doctest/doctest.h>

using namespace coroner;
using coroner::test::RegionMemory;

namespace {

constexpr std::uint64_t code = 0x401000, stack_top = 0x7ff000, stack_end = 0x800000;

// Code at `code`: measure at +0x000, header_length at +0x100 (calls measure, returns to +0x105),
// parse_request at +0x200 (calls header_length, returns to +0x205), other at +0x300 (calls +0x500, returns
// to +0x305), run at +0x400 (call *%rax, returns to +0x402), __restore_rt at +0x600.
struct Program {
    RegionMemory memory;
    std::vector<Mapping> mappings;
    CodeNames names;
};

std::vector<std::uint8_t> call_to(std::uint64_t from, std::uint64_t to) {
    auto rel = static_cast<std::uint32_t>(to - (from + 5));
    return {0xe8, static_cast<std::uint8_t>(rel), static_cast<std::uint8_t>(rel >> 8),
            static_cast<std::uint8_t>(rel >> 16), static_cast<std::uint8_t>(rel >> 24)};
}

Program program() {
    Program p;
    std::vector<std::uint8_t> text(0x1000, 0x90);  // nop
    auto put = [&](std::uint64_t at, const std::vector<std::uint8_t>& bytes) {
        std::copy(bytes.begin(), bytes.end(), text.begin() + static_cast<std::ptrdiff_t>(at - code));
    };
    put(code + 0x100, call_to(code + 0x100, code));
    put(code + 0x200, call_to(code + 0x200, code + 0x100));
    put(code + 0x300, call_to(code + 0x300, code + 0x500));
    put(code + 0x400, {0xff, 0xd0});  // call *%rax
    p.memory.put(code, text);
    p.mappings = {{code, code + 0x1000, 0, true, false, true, "/srv/prog"},
                  {stack_top, stack_end, 0, true, true, false, "[stack]"}};
    p.names.function_at = [](std::uint64_t a) -> std::optional<std::string> {
        if (a < code || a >= code + 0x700) return std::nullopt;
        static const char* names[] = {"measure", "header_length", "parse_request", "other",
                                      "run",     "helper",        "__restore_rt"};
        return names[(a - code) / 0x100];
    };
    p.names.is_entry = [](std::uint64_t) { return false; };
    return p;
}

std::vector<std::uint64_t> pcs(const std::vector<RecoveredFrame>& frames) {
    std::vector<std::uint64_t> out;
    for (const auto& f : frames) out.push_back(f.pc);
    return out;
}

}  // namespace

TEST_CASE("the frame-pointer chain gives the callers whose return addresses follow a call") {
    Program p = program();
    // measure's frame record at 0x7ff810: parse_request's record, and the return into header_length.
    p.memory.put_words(0x7ff800, {0, 0, 0x7ff830, code + 0x105, 0, 0, 0, code + 0x205});
    RecoveryStart start{code + 0x10, 0x7ff800, 0x7ff810, std::string("measure")};
    auto frames = recover_stack(x86_64_arch(), p.memory, p.mappings, start, p.names);
    CHECK(pcs(frames) == std::vector<std::uint64_t>{code + 0x105, code + 0x205});
    CHECK(frames[0].found_by == FoundBy::frame_pointer);
    CHECK(frames[1].sp == 0x7ff840);
}

TEST_CASE("a chain that skips callers (a frame pointer an outer frame left) yields to a scan that finds them") {
    Program p = program();
    // measure and header_length keep no frame pointer: rbp still points at parse_request's caller's record,
    // whose return address is into parse_request, after its call to header_length, not to measure. Below it on
    // the stack, the return into header_length.
    p.memory.put_words(0x7ff800, {0, code + 0x105, 0, 0, 0, code + 0x205});
    RecoveryStart start{code + 0x10, 0x7ff800, 0x7ff820, std::string("measure")};
    auto frames = recover_stack(x86_64_arch(), p.memory, p.mappings, start, p.names);
    REQUIRE(pcs(frames) == std::vector<std::uint64_t>{code + 0x105, code + 0x205});
    CHECK(frames[0].found_by == FoundBy::scan);
    // Without the word the scan needs (a tail call from header_length to measure, say), the chain stays.
    Program tail_called = program();
    tail_called.memory.put_words(0x7ff800, {0, 0, 0, 0, 0, code + 0x205});
    frames = recover_stack(x86_64_arch(), tail_called.memory, tail_called.mappings, start, tail_called.names);
    REQUIRE(pcs(frames) == std::vector<std::uint64_t>{code + 0x205});
    CHECK(frames[0].found_by == FoundBy::frame_pointer);
}

TEST_CASE("the chain stops at a record below the one before or at a return address after no call") {
    Program p = program();
    // The second record points back down the stack: a loop the walk must not follow.
    p.memory.put_words(0x7ff800, {0, 0, 0x7ff800, code + 0x105});
    RecoveryStart start{code + 0x10, 0x7ff800, 0x7ff810, std::string("measure")};
    CHECK(pcs(recover_stack(x86_64_arch(), p.memory, p.mappings, start, p.names)) ==
          std::vector<std::uint64_t>{code + 0x105});
    // A "return address" after nops is no return address: nothing from the chain, and the scan finds nothing.
    p.memory.put_words(0x7ff800, {0, 0, 0, code + 0x150});
    CHECK(recover_stack(x86_64_arch(), p.memory, p.mappings, start, p.names).empty());
}

TEST_CASE("the scan keeps return addresses whose call goes to the function of the frame below") {
    Program p = program();
    // No frame pointer. On the stack: a code address after no call, a stale return address from a call to
    // another function, then the return addresses into header_length and parse_request.
    p.memory.put_words(0x7ff800, {code + 0x50, code + 0x305, code + 0x105, 7, code + 0x205});
    RecoveryStart start{code + 0x10, 0x7ff800, std::nullopt, std::string("measure")};
    auto frames = recover_stack(x86_64_arch(), p.memory, p.mappings, start, p.names);
    CHECK(pcs(frames) == std::vector<std::uint64_t>{code + 0x105, code + 0x205});
    CHECK(frames[0].found_by == FoundBy::scan);
    CHECK(frames[1].sp == 0x7ff828);
}

TEST_CASE("the scan invents nothing past a smashed return address: its first frame must check out") {
    Program p = program();
    // Only an indirect call's return address above the smashed frame: it cannot be checked, so it is not taken.
    p.memory.put_words(0x7ff800, {0x4141414141414141, 0x4141414141414141, code + 0x402, code + 0x205});
    RecoveryStart start{code + 0x10, 0x7ff800, 0x4141414141414141, std::string("parse_header")};
    CHECK(recover_stack(x86_64_arch(), p.memory, p.mappings, start, p.names).empty());
}

TEST_CASE("the chain crosses a signal frame into the interrupted code") {
    Program p = program();
    // The handler's record at 0x7ff810 returns to __restore_rt; the signal frame's slot is 0x7ff818, its
    // gregs 48 bytes above: rbp (10), rsp (15) and rip (16) of the interrupted parse_request.
    std::vector<std::uint64_t> words(32, 0);
    words[2] = 0x7ff900;      // the handler's saved rbp
    words[3] = code + 0x600;  // the return address: __restore_rt
    std::size_t gregs = (0x18 + 48) / 8;
    words[gregs + 10] = 0x7ff9a0;      // interrupted rbp
    words[gregs + 15] = 0x7ff980;      // interrupted rsp
    words[gregs + 16] = code + 0x210;  // interrupted rip, inside parse_request
    p.memory.put_words(0x7ff800, words);
    p.memory.put_words(0x7ff9a0, {0, code + 0x105});  // parse_request's record: returns into header_length
    RecoveryStart start{code + 0x10, 0x7ff800, 0x7ff810, std::string("on_signal")};
    auto frames = recover_stack(x86_64_arch(), p.memory, p.mappings, start, p.names);
    REQUIRE(frames.size() == 3);
    CHECK(pcs(frames) == std::vector<std::uint64_t>{code + 0x600, code + 0x210, code + 0x105});
    CHECK(frames[0].exact_pc);
    CHECK(frames[1].exact_pc);
    CHECK_FALSE(frames[2].exact_pc);
}

TEST_CASE("a call through a PLT stub is checked against where the stub jumps") {
    Program p = program();
    // A stub at +0x500: jmp *slot(%rip), the slot holding measure's address.
    std::uint64_t stub = code + 0x500, slot = 0x600000;
    auto rel = static_cast<std::uint32_t>(slot - (stub + 6));
    RegionMemory& m = p.memory;
    auto text = *m.read(code, 0x1000);
    std::vector<std::uint8_t> jmp = {0xff,
                                     0x25,
                                     static_cast<std::uint8_t>(rel),
                                     static_cast<std::uint8_t>(rel >> 8),
                                     static_cast<std::uint8_t>(rel >> 16),
                                     static_cast<std::uint8_t>(rel >> 24)};
    std::copy(jmp.begin(), jmp.end(), text.begin() + 0x500);
    m.put(code, text);
    m.put_words(slot, {code});
    auto call = call_before(x86_64_arch(), m, code + 0x305);  // other's call to +0x500
    REQUIRE(call);
    CHECK(call->address == code + 0x300);
    CHECK(call->target == code);
}

TEST_CASE("the recovery limits come from rules/stack_recovery.json") {
    CHECK(recovery_limits().scan_words == 4096);
    CHECK(recovery_limits().chain_frames == 256);
    CHECK_FALSE(recovery_limits().entries.empty());
}

TEST_CASE("on AArch64 the chain follows frame records and finds the bl before each return address") {
    RegionMemory memory;
    // caller at 0x400100: bl 0x400000 (measure), returning to 0x400104; main at 0x400200: bl 0x400100.
    auto bl = [](std::uint64_t from, std::uint64_t to) {
        auto word = 0x94000000u | (static_cast<std::uint32_t>((to - from) / 4) & 0x03ffffffu);
        return std::vector<std::uint8_t>{static_cast<std::uint8_t>(word), static_cast<std::uint8_t>(word >> 8),
                                         static_cast<std::uint8_t>(word >> 16), static_cast<std::uint8_t>(word >> 24)};
    };
    std::vector<std::uint8_t> text(0x300, 0);
    auto at_100 = bl(0x400100, 0x400000), at_200 = bl(0x400200, 0x400100);
    std::copy(at_100.begin(), at_100.end(), text.begin() + 0x100);
    std::copy(at_200.begin(), at_200.end(), text.begin() + 0x200);
    memory.put(0x400000, text);
    // Frame records 16-byte aligned: {caller's x29, x30}.
    memory.put_words(0x7ff800, {0, 0, 0x7ff840, 0x400104, 0, 0, 0, 0, 0, 0x400204});
    std::vector<Mapping> mappings = {{0x400000, 0x401000, 0, true, false, true, "/srv/prog"},
                                     {stack_top, stack_end, 0, true, true, false, "[stack]"}};
    CodeNames names;
    names.function_at = [](std::uint64_t a) -> std::optional<std::string> {
        return a < 0x400100 ? "measure" : a < 0x400200 ? "caller" : "main";
    };
    names.is_entry = [](std::uint64_t) { return false; };
    RecoveryStart start{0x400010, 0x7ff800, 0x7ff810, std::string("measure")};
    auto frames = recover_stack(aarch64_arch(), memory, mappings, start, names);
    CHECK(pcs(frames) == std::vector<std::uint64_t>{0x400104, 0x400204});
    // Code that never saved x30 (a leaf, or code jumped into): its caller is in the link register, then the
    // chain goes on from the caller's record. A link the first record already holds is not counted twice.
    RecoveryStart jumped{0x7ff000, 0x7ff800, 0x7ff840, std::nullopt, 0x400104};
    CHECK(pcs(recover_stack(aarch64_arch(), memory, mappings, jumped, names)) ==
          std::vector<std::uint64_t>{0x400104, 0x400204});
    RecoveryStart saved{0x400010, 0x7ff800, 0x7ff810, std::string("measure"), 0x400104};
    CHECK(pcs(recover_stack(aarch64_arch(), memory, mappings, saved, names)) ==
          std::vector<std::uint64_t>{0x400104, 0x400204});
    // A frame record off the 16-byte alignment is refused: the scan finds the callers instead.
    start.frame_pointer = 0x7ff818;
    auto scanned = recover_stack(aarch64_arch(), memory, mappings, start, names);
    CHECK(pcs(scanned) == std::vector<std::uint64_t>{0x400104, 0x400204});
    CHECK(scanned[0].found_by == FoundBy::scan);
}
