// Cause of death: signal x where the fault landed x what the stack shows -> a cause class.
#pragma once

#include "coroner/analysis/access.hpp"
#include "coroner/base/model.hpp"
#include "coroner/base/pattern.hpp"

#include <optional>
#include <string>
#include <vector>

namespace coroner {

// SPEC's cause classes.
enum class CauseClass {
    unknown,
    null_deref,
    wild_pointer,
    readonly_write,
    non_canonical_address,
    stack_overflow,
    bad_jump,
    bus_error,
    divide_by_zero,
    fp_exception,
    illegal_instruction,
    breakpoint,
    external_signal,
    abort,
    assert_failed,
    stack_smashing,
    fortify_fail,
    pure_virtual_call,
    uncaught_exception,
    heap_corruption,
    rust_panic,
    go_panic
};

template <>
struct EnumNames<CauseClass> {
    static constexpr std::pair<CauseClass, const char*> names[] = {
        {CauseClass::unknown, "unknown"},
        {CauseClass::null_deref, "null-deref"},
        {CauseClass::wild_pointer, "wild-pointer"},
        {CauseClass::readonly_write, "readonly-write"},
        {CauseClass::non_canonical_address, "non-canonical-address"},
        {CauseClass::stack_overflow, "stack-overflow"},
        {CauseClass::bad_jump, "bad-jump"},
        {CauseClass::bus_error, "bus-error"},
        {CauseClass::divide_by_zero, "divide-by-zero"},
        {CauseClass::fp_exception, "fp-exception"},
        {CauseClass::illegal_instruction, "illegal-instruction"},
        {CauseClass::breakpoint, "breakpoint"},
        {CauseClass::external_signal, "external-signal"},
        {CauseClass::abort, "abort"},
        {CauseClass::assert_failed, "assert-failed"},
        {CauseClass::stack_smashing, "stack-smashing"},
        {CauseClass::fortify_fail, "fortify-fail"},
        {CauseClass::pure_virtual_call, "pure-virtual-call"},
        {CauseClass::uncaught_exception, "uncaught-exception"},
        {CauseClass::heap_corruption, "heap-corruption"},
        {CauseClass::rust_panic, "rust-panic"},
        {CauseClass::go_panic, "go-panic"},
    };
};
CORONER_ENUM_JSON(CauseClass)

// A finer kind within a class, for the security rules.
enum class CauseShape {
    near_null,       // a bad jump below 64 KiB
    smashed_return,  // a return to a non-canonical address
};

template <>
struct EnumNames<CauseShape> {
    static constexpr std::pair<CauseShape, const char*> names[] = {
        {CauseShape::near_null, "near-null"},
        {CauseShape::smashed_return, "smashed-return"},
    };
};
CORONER_ENUM_JSON(CauseShape)

struct Cause {
    CauseClass cls = CauseClass::unknown;
    std::string summary;  // plain English, one line
    std::optional<Access> access;
    std::optional<std::string> message;
    std::optional<std::string> exception_type;
    std::optional<std::string> rule;  // id of the abort rule that decided, if one did
    std::optional<CauseShape> shape;
};

// One rule of rules/abort_causes.json: the frame that tells which kind of abort it was.
struct AbortRule {
    std::string id;
    CauseClass cls;
    std::string summary;
    Pattern function;  // matched against the whole function name, parameters stripped
};

// rules/abort_causes.json, read and compiled once (the blame rules reuse their function lists).
const std::vector<AbortRule>& abort_rules();

// `arch` is the CPU the process ran on; `frames` are the crashing thread's, innermost first; `access` is the
// decoded faulting instruction, when there is one.
Cause classify(const Arch& arch, const ProcessFacts& facts, const std::vector<Frame>& frames,
               const std::optional<FaultingAccess>& access = std::nullopt);

}  // namespace coroner
