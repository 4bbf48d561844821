// A user's blame-rule file, as pm-blame-frame --rules and $XDG_CONFIG_HOME/coroner/blame_rules.json load it:
// read from disk, checked against its schema, its patterns compiled, then matched against a crashing stack
// (the first match wins, ahead of the built-in rules) and a signature built from the blamed frame.
#include "coroner/analysis/blame.hpp"
#include "coroner/analysis/signature.hpp"
#include "coroner/base/error.hpp"

#include "fuzz_support.hpp"

#include <cstdint>
#include <cstdlib>

using namespace coroner;

namespace {

std::vector<Frame> crashing_stack() {
    const char* names[] = {"__pthread_kill_implementation",
                           "raise",
                           "abort",
                           "__assert_fail",
                           "std::vector<int, std::allocator<int> >::at(unsigned long) const",
                           "parse_config(char const*)",
                           "main",
                           "__libc_start_call_main"};
    const char* modules[] = {"/lib/libc.so.6",          "/lib/libc.so.6", "/lib/libc.so.6", "/lib/libc.so.6",
                             "/usr/lib/libstdc++.so.6", "/app/prog",      "/app/prog",      "/lib/libc.so.6"};
    std::vector<Frame> frames;
    for (int i = 0; i < 8; i++) {
        Frame f;
        f.index = i;
        f.pc = 0x401000 + 0x10 * static_cast<std::uint64_t>(i);
        f.function = names[i];
        f.module = modules[i];
        frames.push_back(f);
    }
    frames.push_back(Frame{});  // a frame without symbols
    return frames;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    // Only the rules file under test: no user's own rules from the environment.
    static const bool no_user_rules = setenv("XDG_CONFIG_HOME", "/nonexistent/coroner-fuzz", 1) == 0;
    (void)no_user_rules;
    static const std::vector<Frame> frames = crashing_stack();
    const std::string& path = fuzz::scratch_path("blame_rules.json");
    if (!fuzz::write_file(path, data, size)) return 0;
    try {
        std::vector<SkipRule> rules = effective_skip_rules(path);
        Blame b = blame(frames, std::string("/app/prog"), rules);
        Signature s = make_signature("SIGABRT", "assert-failed", frames, b.frame, {}, rules);
        volatile std::size_t sink = s.text.size() + b.reason.size() + b.skipped.size();
        (void)sink;
    } catch (const UserError&) {
    } catch (const std::exception&) {
        // A wrong type in the file escapes as nlohmann's type_error, which the command table prints as an
        // internal error: an unclear message, not a crash.
    }
    return 0;
}
