#include "coroner/analysis/classify.hpp"
#include "coroner/analysis/security.hpp"

#include "../support/snapshot_debugger.hpp"

#include <doctest/doctest.h>

using namespace coroner;
using coroner::test::frame;

namespace {

// The processes below ran on x86-64, as the crash lab's do.
Cause classify(const ProcessFacts& facts, const std::vector<Frame>& frames,
               const std::optional<FaultingAccess>& access = std::nullopt) {
    return coroner::classify(x86_64_arch(), facts, frames, access);
}

Mapping mapping(std::uint64_t start, std::uint64_t end, const char* perms, std::string path = "") {
    Mapping m;
    m.start = start;
    m.end = end;
    m.readable = perms[0] == 'r';
    m.writable = perms[1] == 'w';
    m.executable = perms[2] == 'x';
    m.path = std::move(path);
    return m;
}

// A small process: program text, its read-only data, a heap, a thread stack with its guard below.
ProcessFacts process(int signo, int code, std::optional<std::uint64_t> fault) {
    ProcessFacts f;
    f.pid = 500;
    f.crash_pc = 0x401100;
    f.crash_sp = 0x7ff000008000;
    f.mappings = {mapping(0x400000, 0x401000, "r--", "/p"),       mapping(0x401000, 0x402000, "r-x", "/p"),
                  mapping(0x402000, 0x403000, "r--", "/p"),       mapping(0x1000000, 0x1100000, "rw-"),
                  mapping(0x7ff000000000, 0x7ff000001000, "---"), mapping(0x7ff000001000, 0x7ff000010000, "rw-")};
    SignalInfo s;
    s.number = signo;
    s.code = code;
    s.fault_address = fault;
    f.signal = s;
    return f;
}

}  // namespace

TEST_CASE("memory faults are told apart by where the address lands") {
    CHECK(classify(process(11, 1, 0x18), {}).cls == CauseClass::null_deref);
    CHECK(classify(process(11, 1, 0x0), {}).summary.find("0x0") != std::string::npos);
    CHECK(classify(process(11, 1, 0x18), {}).summary.find("offset 0x18") != std::string::npos);
    CHECK(classify(process(11, 1, 0x1337beef000), {}).cls == CauseClass::wild_pointer);
    CHECK(classify(process(7, 2, 0x1337beef000), {}).cls == CauseClass::wild_pointer);
    auto ro = classify(process(11, 2, 0x402010), {});
    CHECK(ro.cls == CauseClass::readonly_write);
    CHECK(ro.access == Access::write);
    CHECK(classify(process(11, 128, std::nullopt), {}).cls == CauseClass::non_canonical_address);
    CHECK(classify(process(11, 1, 0x8000deadbeef0000), {}).cls == CauseClass::non_canonical_address);
    CHECK(classify(process(7, 2, 0x1000010), {}).cls == CauseClass::bus_error);
}

TEST_CASE("a fault in the guard below the stack is a stack overflow") {
    auto f = process(11, 2, 0x7ff000000ff8);  // the PROT_NONE guard page
    f.crash_sp = 0x7ff000001000;
    CHECK(classify(f, {}).cls == CauseClass::stack_overflow);
    auto gap = process(11, 1, 0x7ff000000ff8);
    gap.mappings.erase(gap.mappings.begin() + 4);  // a main-thread stack: an unmapped gap below it
    gap.crash_sp = 0x7ff000001008;
    CHECK(classify(gap, {}).cls == CauseClass::stack_overflow);
    auto lost = process(11, 1, 0x7fe000000000);
    lost.crash_sp = 0x7fe000000008;  // the stack pointer left every mapping
    CHECK(classify(lost, {}).cls == CauseClass::stack_overflow);
}

TEST_CASE("a program counter outside executable memory is a bad jump") {
    auto f = process(11, 1, 0x0);
    f.crash_pc = 0;
    auto c = classify(f, {});
    CHECK(c.cls == CauseClass::bad_jump);
    CHECK(c.access == Access::execute);
    auto data = process(11, 2, 0x1000040);
    data.crash_pc = 0x1000040;  // executing the heap
    CHECK(classify(data, {}).cls == CauseClass::bad_jump);
    // A NULL function pointer rates lower than a jump into data (CERT exploitable does the same).
    CHECK(rate(c).rating == Rating::probably_exploitable);
    CHECK(rate(c).rule == "SEC-BAD-JUMP-NULL");
    CHECK(rate(classify(data, {})).rating == Rating::exploitable);
}

TEST_CASE("a ret to a non-canonical return address is a bad jump, though the pc never got there") {
    auto f = process(11, 0x80, std::nullopt);  // SI_KERNEL: a general protection fault
    FaultingAccess ret;
    ret.instruction = "ret";
    ret.transfer = "ret";
    ret.target = 0x4141414141414141ULL;
    auto c = classify(f, {}, ret);
    CHECK(c.cls == CauseClass::bad_jump);
    CHECK(c.access == Access::execute);
    CHECK(c.summary.find("0x4141414141414141") != std::string::npos);
    CHECK(rate(c).rating == Rating::exploitable);
    ret.target = 0x401000;  // a good return address: the fault is something else
    CHECK(classify(f, {}, ret).cls == CauseClass::non_canonical_address);
}

TEST_CASE("arithmetic, illegal instruction and trap signals") {
    CHECK(classify(process(8, 1, 0x401100), {}).cls == CauseClass::divide_by_zero);
    CHECK(classify(process(8, 3, 0x401100), {}).cls == CauseClass::fp_exception);
    CHECK(classify(process(4, 2, 0x401100), {}).cls == CauseClass::illegal_instruction);
    CHECK(classify(process(5, 128, std::nullopt), {}).cls == CauseClass::breakpoint);
}

TEST_CASE("a signal from another process is external, from the process itself it is not") {
    auto f = process(3, 0, std::nullopt);
    f.signal->sender_pid = 901;
    f.signal->sender_uid = 1000;
    auto c = classify(f, {});
    CHECK(c.cls == CauseClass::external_signal);
    CHECK(c.summary.find("pid 901") != std::string::npos);
    auto self = process(3, -6, std::nullopt);
    self.signal->sender_pid = 500;
    CHECK(classify(self, {}).cls == CauseClass::unknown);
}

TEST_CASE("aborts are classified by the frames on the stack, by rules kept as data") {
    auto f = process(6, -6, std::nullopt);
    f.signal->sender_pid = 500;
    std::vector<Frame> plain{frame(0, 1, "__pthread_kill_implementation"), frame(1, 2, "raise"), frame(2, 3, "abort"),
                             frame(3, 4, "give_up")};
    CHECK(classify(f, plain).cls == CauseClass::abort);
    std::vector<Frame> assertion{frame(0, 1, "raise"), frame(1, 2, "abort"), frame(2, 3, "__assert_fail_base"),
                                 frame(3, 4, "__assert_fail"), frame(4, 5, "check")};
    CHECK(classify(f, assertion).cls == CauseClass::assert_failed);
    std::vector<Frame> terminate{frame(0, 1, "raise"), frame(1, 2, "abort"),
                                 frame(2, 3, "__gnu_cxx::__verbose_terminate_handler()"),
                                 frame(3, 4, "std::terminate()"), frame(4, 5, "__cxa_throw")};
    CHECK(classify(f, terminate).cls == CauseClass::uncaught_exception);
    std::vector<Frame> heap{frame(0, 1, "raise"), frame(1, 2, "abort"), frame(2, 3, "__libc_message"),
                            frame(3, 4, "malloc_printerr"), frame(4, 5, "_int_free")};
    CHECK(classify(f, heap).cls == CauseClass::heap_corruption);
    std::vector<Frame> canary{frame(0, 1, "raise"), frame(1, 2, "abort"), frame(2, 3, "__libc_message"),
                              frame(3, 4, "__fortify_fail"), frame(4, 5, "__stack_chk_fail")};
    CHECK(classify(f, canary).cls == CauseClass::stack_smashing);
}

TEST_CASE("no signal at all is unknown, with a reason") {
    ProcessFacts f;
    auto c = classify(f, {});
    CHECK(c.cls == CauseClass::unknown);
    CHECK_FALSE(c.summary.empty());
}
