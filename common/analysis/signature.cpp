#include "coroner/analysis/signature.hpp"

#include "coroner/analysis/names.hpp"
#include "coroner/base/text.hpp"
#include "coroner/core/process_map.hpp"

#include <fmt/format.h>

namespace coroner {

namespace {

// "std::vector<int, std::allocator<int> >::at" -> "std::vector<>::at": one bucket for every instantiation.
// Names with an operator in them ("operator<<") are left alone rather than misread.
std::string collapse_templates(const std::string& name) {
    if (name.find("operator") != std::string::npos) return name;
    std::string out;
    int depth = 0;
    for (char c : name) {
        if (c == '<' && depth++ == 0)
            out += "<>";
        else if (c == '>' && depth > 0)
            depth--;
        else if (depth == 0)
            out += c;
    }
    return depth == 0 ? out : name;
}

}  // namespace

std::string signature_frame(const Frame& frame, ProcessMap mappings) {
    // A Python frame by its script's file name, not its folder: the same script run from elsewhere is one bucket.
    if (frame.python) return fmt::format("{}:{}", base_name(frame.file.value_or("?")), frame.function.value_or("?"));
    if (frame.function) return collapse_templates(strip_parameters(*frame.function));
    if (frame.module)
        if (auto base = mappings.module_base(*frame.module))
            return fmt::format("{}+{:#x}", base_name(*frame.module), frame.pc - *base);
    return "??";
}

std::string bucket_of(const std::string& signature_text) {
    // FNV-1a, 64 bits, over the version and the text: stable across platforms and runs.
    std::uint64_t h = 0xcbf29ce484222325ULL;
    auto mix = [&h](const std::string& s) {
        for (unsigned char c : s) {
            h ^= c;
            h *= 0x100000001b3ULL;
        }
    };
    mix(signature_version);
    mix("\n");
    mix(signature_text);
    return fmt::format("{:016x}", h);
}

Signature make_signature(const std::string& signal, const std::string& cause_class, const std::vector<Frame>& frames,
                         std::optional<int> blamed, ProcessMap mappings, const std::vector<SkipRule>& rules) {
    std::string text = signal + " " + cause_class;
    int taken = 0;
    for (std::size_t i = blamed ? static_cast<std::size_t>(*blamed) : 0; i < frames.size(); i++) {
        if (taken == signature_frames) break;
        // Scanned frames are guesses: a bucket made of them would split and merge crashes at random.
        if (frames[i].found_by == FoundBy::scan || matching_rule(rules, frames, i)) continue;
        text += (taken == 0 ? " " : " | ") + signature_frame(frames[i], mappings);
        taken++;
    }
    return {text, bucket_of(text)};
}

}  // namespace coroner
