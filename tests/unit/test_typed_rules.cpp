// Rules are typed inside the program: every enum has one table of names, used both ways; the built-in
// rule files refer to each other instead of repeating lists, and hold no pattern that aliasing made dead.
#include "coroner/analysis/blame.hpp"
#include "coroner/analysis/classify.hpp"
#include "coroner/analysis/names.hpp"
#include "coroner/analysis/security.hpp"
#include "coroner/arch/arch.hpp"
#include "coroner/base/error.hpp"
#include "coroner/base/rules.hpp"
#include "coroner/commands/secrets_report.hpp"
#include "coroner/secrets/secret_scan.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

using namespace coroner;

namespace {

// Every name of E read back to its enumerator, and nothing else read.
template <class E>
void check_round_trip() {
    for (const auto& [value, name] : EnumNames<E>::names) {
        CAPTURE(name);
        CHECK(to_string(value) == name);
        CHECK(from_string<E>(name) == value);
        CHECK(nlohmann::json(value) == name);  // JSON writes the name, not a number
    }
    CHECK_FALSE(from_string<E>("no-such-name").has_value());
    CHECK_FALSE(from_string<E>("").has_value());
}

Frame named(const std::string& function) {
    Frame f;
    f.function = function;
    return f;
}

std::string builtin_rule_for(const std::string& function) {
    const SkipRule* rule = matching_rule(builtin_skip_rules(), named(normalize_function(function)));
    return rule ? rule->id : "";
}

}  // namespace

TEST_CASE("each enum has one table of names, read both ways") {
    check_round_trip<CauseClass>();
    check_round_trip<CauseShape>();
    check_round_trip<Access>();
    check_round_trip<Rating>();
    check_round_trip<BlameRole>();
    check_round_trip<Confidence>();
    check_round_trip<RegionKind>();
    CHECK(to_string(Access::execute) == "exec");
    CHECK(to_string(CauseClass::non_canonical_address) == "non-canonical-address");
    CHECK(enum_choices<BlameRole>() == "skip, entry or keep");
    CHECK(enum_choices<Confidence>() == "high, medium or low");
    CHECK(Confidence::high < Confidence::medium);  // the order findings are listed in
    CHECK(Confidence::medium < Confidence::low);
}

TEST_CASE("the built-in abort and security rules load typed") {
    REQUIRE(abort_rules().size() == 8);
    CHECK(abort_rules().front().id == "ABRT-ASSERT");
    CHECK(abort_rules().front().cls == CauseClass::assert_failed);
    Cause panic;
    panic.cls = CauseClass::go_panic;
    CHECK(rate(panic).rule == "SEC-PANIC");
    panic.cls = CauseClass::rust_panic;
    CHECK(rate(panic).rule == "SEC-PANIC");
    CHECK(rate(panic).rating == Rating::probably_not_exploitable);
    Cause unknown;
    CHECK(rate(unknown).rule == "SEC-UNKNOWN");
    CHECK(rate(unknown).rating == Rating::unknown);
    Cause wild;
    wild.cls = CauseClass::wild_pointer;
    wild.access = Access::write;
    CHECK(rate(wild).rule == "SEC-WILD-WRITE");
    wild.access = Access::read;
    CHECK(rate(wild).rule == "SEC-WILD-READ");
}

TEST_CASE("the blame rules reach the abort rules' function lists, kept once") {
    CHECK(builtin_rule_for("__assert_fail") == "assert");
    CHECK(builtin_rule_for("__assert_perror_fail") == "assert");
    CHECK(builtin_rule_for("__assert") == "assert");
    CHECK(builtin_rule_for("__fortify_fail") == "abort");
    CHECK(builtin_rule_for("__GI___chk_fail") == "abort");
    CHECK(builtin_rule_for("__stack_chk_fail_local") == "abort");
    CHECK(builtin_rule_for("__memcpy_chk") == "abort");
    CHECK(builtin_rule_for("abort") == "abort");
    CHECK(builtin_rule_for("__cxa_pure_virtual") == "cxx-terminate");
    CHECK(builtin_rule_for("__gnu_cxx::__verbose_terminate_handler") == "cxx-terminate");
    CHECK(builtin_rule_for("_Unwind_Resume") == "cxx-terminate");
    CHECK(builtin_rule_for("runtime.gopanic") == "go-runtime-panic");
    CHECK(builtin_rule_for("runtime.fatalpanic.func1") == "go-runtime-panic");
    CHECK(builtin_rule_for("runtime.sigpanic") == "go-runtime-panic");
    CHECK(builtin_rule_for("__assert_failure") == "");
}

TEST_CASE("names that aliasing renames reach the rules by their alias") {
    // The removed patterns (__clone, __clone3, __GI___clone3, rust_panic, rust_begin_unwind) named what
    // normalize_function rewrites before any rule sees it.
    for (const char* name : {"__clone", "__clone3", "__GI___clone3", "__GI___clone", "clone", "clone3", "start_thread"})
        CHECK(builtin_rule_for(name) == "thread-entry");
    CHECK(builtin_rule_for("rust_begin_unwind") == "rust-panic");
    CHECK(builtin_rule_for("rust_panic") == "rust-panic");
    CHECK(builtin_rule_for("__rust_start_panic") == "rust-panic");
    ProcessFacts facts;
    facts.signal = SignalInfo{};
    facts.signal->number = 6;
    for (const char* name : {"rust_begin_unwind", "rust_panic", "__rust_start_panic"}) {
        Frame f = named(normalize_function(name));
        CHECK(classify(x86_64_arch(), facts, {f}).cls == CauseClass::rust_panic);
    }
}

TEST_CASE("a user's blame rule may name abort rules, and an unknown one is the file's error") {
    auto dir = std::filesystem::temp_directory_path() / "coroner-typed-rules-test";
    std::filesystem::create_directories(dir);
    auto write = [&](const std::string& rules) {
        std::string path = (dir / "blame.json").string();
        std::ofstream(path) << R"({"schema": "coroner.blame-rules/1", "rules": )" + rules + "}";
        return path;
    };
    std::string path =
        write(R"([{"id": "MINE", "role": "keep", "function": "nothing", "abort_rules": ["ABRT-ASSERT"]}])");
    auto rules = effective_skip_rules(path);
    const SkipRule* mine = matching_rule(rules, named("__assert_fail_base"));
    REQUIRE(mine != nullptr);
    CHECK(mine->id == "MINE");
    CHECK(mine->role == BlameRole::keep);
    path = write(R"([{"id": "MINE", "function": "f", "abort_rules": ["ABRT-NOPE"]}])");
    std::string error;
    try {
        effective_skip_rules(path);
    } catch (const UserError& e) {
        error = e.what();
    }
    CHECK(error.find("blame rule 'MINE' in " + path) != std::string::npos);
    CHECK(error.find("\"abort_rules\" holds 'ABRT-NOPE'") != std::string::npos);
    std::filesystem::remove_all(dir);
}

TEST_CASE("a rule with calls matches a frame only where the frame inside it called that function") {
    // AArch64 glibc: thread_start calls start_thread; a program's own thread_start calls something else.
    std::vector<Frame> glibc = {named("crunch"), named("start_thread"), named("thread_start")};
    std::vector<Frame> own = {named("crunch"), named("thread_start"), named("main")};
    const SkipRule* entry = matching_rule(builtin_skip_rules(), glibc, 2);
    REQUIRE(entry != nullptr);
    CHECK(entry->id == "thread-entry-aarch64");
    CHECK(entry->role == BlameRole::entry);
    CHECK(matching_rule(builtin_skip_rules(), own, 1) == nullptr);
    CHECK(matching_rule(builtin_skip_rules(), named("thread_start")) == nullptr);  // nothing known of its callee
}
