// The frame a human should look at first, by skip rules kept as data (rules/blame_skip.json).
#pragma once

#include "coroner/base/enum_names.hpp"
#include "coroner/base/model.hpp"
#include "coroner/base/pattern.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace coroner {

enum class BlameRole {
    skip,   // passed over when blaming
    entry,  // thread or process start-up: never blamed, never part of a signature
    keep,   // a user's override: blame this frame if reached
};

template <>
struct EnumNames<BlameRole> {
    static constexpr std::pair<BlameRole, const char*> names[] = {
        {BlameRole::skip, "skip"},
        {BlameRole::entry, "entry"},
        {BlameRole::keep, "keep"},
    };
};
CORONER_ENUM_JSON(BlameRole)

struct SkipRule {
    std::string id;
    BlameRole role = BlameRole::skip;
    // Matched against the whole name, parameters stripped; with the functions of the abort rules named in
    // "abort_rules", if any. A rule without one (it has a module or file) takes every frame there, symbols or not.
    std::optional<Pattern> function;
    std::optional<Pattern> module;  // searched for in the module's file name
    std::optional<Pattern> file;    // searched for in the frame's source path (a Python frame's script)
    std::optional<Pattern> calls;   // the function of the frame it called (the one inside it) must match too
    std::string why;
};

// Parses a coroner.blame-rules/1 document; a malformed rule is a UserError naming it and `source`.
std::vector<SkipRule> parse_skip_rules(const nlohmann::json& doc, const std::string& source = "the built-in rules");
const std::vector<SkipRule>& builtin_skip_rules();

// The rules in force, the first match winning: those of `rules_file` (--rules), then the user's own
// ($XDG_CONFIG_HOME/coroner/blame_rules.json, or ~/.config/coroner/...), then the built-in ones. A file that
// cannot be read or parsed is a UserError naming it.
std::vector<SkipRule> effective_skip_rules(const std::optional<std::string>& rules_file = std::nullopt);

// Where the user's own rules file is, whether or not it exists.
std::string user_rules_path();

// The first rule that matches the frame, if any. A rule with `calls` never matches a frame alone.
const SkipRule* matching_rule(const std::vector<SkipRule>& rules, const Frame& frame);
// The first rule that matches frames[i], the frame inside it (frames[i-1]) checked against `calls`.
const SkipRule* matching_rule(const std::vector<SkipRule>& rules, const std::vector<Frame>& frames, std::size_t i);

struct SkippedFrame {
    int frame = 0;
    std::optional<std::string> function;
    std::string rule;
    std::string why;
};

struct Blame {
    std::optional<int> frame;  // index into the frames; empty when nothing can be blamed
    // A native frame called from Python: the Python frame (index into the frames) whose line called into it.
    std::optional<int> python_caller;
    std::string reason;
    std::vector<SkippedFrame> skipped;
};

// `executable` is the main program's path: a frame in it wins over a library frame. Under an interpreter, the
// first Python frame that no rule skips is the program's own code: the native frame with symbols that it called
// (an extension's) is blamed, the Python frame named beside it; with none, the Python frame is.
Blame blame(const std::vector<Frame>& frames, const std::optional<std::string>& executable,
            const std::vector<SkipRule>& rules);

}  // namespace coroner
