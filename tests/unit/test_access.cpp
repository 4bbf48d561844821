#include "coroner/analysis/access.hpp"
#include "coroner/analysis/classify.hpp"

#include <doctest/doctest.h>

#include <map>

using namespace coroner;

namespace {

const Arch& x86 = x86_64_arch();

// Memory holding one instruction at a fixed pc.
class Code final : public MemoryReader {
public:
    Code(std::uint64_t pc, std::vector<std::uint8_t> bytes) : pc_(pc), bytes_(std::move(bytes)) {
        bytes_.resize(16, 0x90);
    }
    std::optional<std::vector<std::uint8_t>> read(std::uint64_t address, std::size_t size) override {
        if (address < pc_ || address + size > pc_ + bytes_.size()) return std::nullopt;
        auto start = bytes_.begin() + static_cast<std::ptrdiff_t>(address - pc_);
        return std::vector<std::uint8_t>(start, start + static_cast<std::ptrdiff_t>(size));
    }

private:
    std::uint64_t pc_;
    std::vector<std::uint8_t> bytes_;
};

}  // namespace

TEST_CASE("a load through a register is a read, and names the register and its value") {
    Code code(0x401000, {0x48, 0x8b, 0x40, 0x18});  // mov rax, qword ptr [rax + 0x18]
    auto a = decode_faulting_access(x86, code, 0x401000, {{"rax", 0}}, 0x18);
    REQUIRE(a);
    CHECK(a->instruction == "mov rax, qword ptr [rax + 0x18]");
    CHECK(a->access == Access::read);
    CHECK(a->base_register == "rax");
    CHECK(a->base_value == 0);
}

TEST_CASE("a store is a write, and push is a write to the stack") {
    Code store(0x401000, {0x89, 0x10});  // mov dword ptr [rax], edx
    auto a = decode_faulting_access(x86, store, 0x401000, {{"rax", 0x1337beef000}}, 0x1337beef000);
    REQUIRE(a);
    CHECK(a->access == Access::write);
    Code push(0x401000, {0x55});  // push rbp
    auto p = decode_faulting_access(x86, push, 0x401000, {{"rsp", 0x7ff000000000}}, 0x7fefffffff8);
    REQUIRE(p);
    CHECK(p->access == Access::write);
    CHECK(p->base_register == "rsp");
}

TEST_CASE("with two memory operands the one at the fault address decides") {
    Code movs(0x401000, {0xa4});  // movsb byte ptr [rdi], byte ptr [rsi]
    auto from_source = decode_faulting_access(x86, movs, 0x401000, {{"rsi", 0xdead000}, {"rdi", 0x1000}}, 0xdead000);
    REQUIRE(from_source);
    CHECK(from_source->access == Access::read);
    auto to_destination = decode_faulting_access(x86, movs, 0x401000, {{"rsi", 0x1000}, {"rdi", 0xdead000}}, 0xdead000);
    REQUIRE(to_destination);
    CHECK(to_destination->access == Access::write);
}

TEST_CASE("ret, call and jmp say where they were sending the program counter") {
    // Memory with a ret at 0x401000 and a stack at 0x7ff000000000 whose top is 0x4141414141414141.
    class RetAndStack final : public MemoryReader {
    public:
        std::optional<std::vector<std::uint8_t>> read(std::uint64_t address, std::size_t size) override {
            if (address == 0x401000) return std::vector<std::uint8_t>(size, 0xc3);  // ret
            if (address == 0x7ff000000000 && size == 8) return std::vector<std::uint8_t>(8, 0x41);
            return std::nullopt;
        }
    } memory;
    auto ret = decode_faulting_access(x86, memory, 0x401000, {{"rsp", 0x7ff000000000}}, std::nullopt);
    REQUIRE(ret);
    CHECK(ret->transfer == "ret");
    CHECK(ret->target == 0x4141414141414141ULL);
    Code call(0x401000, {0xff, 0xd0});  // call rax
    auto c = decode_faulting_access(x86, call, 0x401000, {{"rax", 0xdead0000beef0000ULL}}, std::nullopt);
    REQUIRE(c);
    CHECK(c->transfer == "call");
    CHECK(c->target == 0xdead0000beef0000ULL);
}

TEST_CASE("unreadable code gives no access, and the classifier says so plainly") {
    Code code(0x401000, {0x90});
    CHECK_FALSE(decode_faulting_access(x86, code, 0x500000, {}, 0x18));
}

TEST_CASE("the classifier puts the access and the instruction in the summary") {
    ProcessFacts f;
    f.crash_pc = 0x401000;
    Mapping text;
    text.start = 0x401000;
    text.end = 0x402000;
    text.readable = text.executable = true;
    f.mappings = {text};
    SignalInfo s;
    s.number = 11;
    s.code = 1;
    s.fault_address = 0x18;
    f.signal = s;
    FaultingAccess a{"mov rax, qword ptr [rax + 0x18]", Access::read, "rax", 0};
    Cause c = classify(x86, f, {}, a);
    CHECK(c.access == Access::read);
    CHECK(c.summary ==
          "NULL pointer dereference: read of the field at offset 0x18 "
          "(mov rax, qword ptr [rax + 0x18]; rax = 0x0)");
}
