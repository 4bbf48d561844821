// The names a core's stack gives (function, module and source file of each frame, as the debugger
// symbolized them from the program's own, possibly hostile, symbol tables) through every analysis that
// matches them against the built-in rules: abort causes (classify), thread states, security ratings,
// blame skip rules, name normalization and the signature.
#include "coroner/analysis/blame.hpp"
#include "coroner/analysis/classify.hpp"
#include "coroner/analysis/names.hpp"
#include "coroner/analysis/security.hpp"
#include "coroner/analysis/signature.hpp"
#include "coroner/analysis/thread_groups.hpp"

#include <cstdint>
#include <string>

using namespace coroner;

namespace {

// The input's first byte picks the signal and code; then lines, three per frame: function, module, file.
ProcessFacts facts_from(std::uint8_t selector) {
    static const int signals[][2] = {{6, -6}, {11, 1}, {11, 2}, {4, 2}, {7, 2}, {8, 1}, {5, 1}, {31, 0}};
    ProcessFacts facts;
    facts.pid = 42;
    facts.crashing_tid = 42;
    SignalInfo s;
    s.number = signals[selector % 8][0];
    s.code = signals[selector % 8][1];
    if (s.number != 6) s.fault_address = selector < 128 ? 0x18 : 0x7ffd00001000;
    facts.signal = s;
    facts.crash_pc = 0x401000;
    facts.crash_sp = 0x7ffd00001000;
    facts.mappings.push_back(Mapping{0x400000, 0x402000, 0, true, false, true, "/app/prog"});
    facts.mappings.push_back(Mapping{0x7ffd00000000, 0x7ffd00100000, 0, true, true, false, "[stack]"});
    return facts;
}

std::vector<Frame> frames_from(const std::uint8_t* data, std::size_t size) {
    std::vector<std::string> lines(1);
    for (std::size_t i = 0; i < size && lines.size() <= 3 * 64; i++) {
        if (data[i] == '\n')
            lines.emplace_back();
        else
            lines.back().push_back(static_cast<char>(data[i]));
    }
    std::vector<Frame> frames;
    for (std::size_t i = 0; i < lines.size(); i += 3) {
        Frame f;
        f.index = static_cast<int>(frames.size());
        f.pc = 0x401000 + i;
        if (!lines[i].empty()) f.function = lines[i];
        if (i + 1 < lines.size() && !lines[i + 1].empty()) f.module = lines[i + 1];
        if (i + 2 < lines.size() && !lines[i + 2].empty()) f.file = normalize_source_path(lines[i + 2]);
        frames.push_back(std::move(f));
    }
    return frames;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    ProcessFacts facts = facts_from(data[0]);
    std::vector<Frame> frames = frames_from(data + 1, size - 1);
    std::size_t seen = 0;
    for (const auto& f : frames)
        if (f.function) {
            seen += normalize_function(*f.function, is_rust_name(*f.function)).size();
            seen += signature_frame(f, facts.mappings).size();
        }
    Cause cause = classify(x86_64_arch(), facts, frames);
    SecurityRating rating = rate(cause);
    std::string state = guess_thread_state(frames);
    Blame b = blame(frames, std::string("/app/prog"), builtin_skip_rules());
    Signature s =
        make_signature("SIGSEGV", to_string(cause.cls), frames, b.frame, facts.mappings, builtin_skip_rules());
    seen += cause.summary.size() + rating.reason.size() + state.size() + s.bucket.size();
    volatile std::size_t sink = seen;
    (void)sink;
    return 0;
}
