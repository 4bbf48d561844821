// Where a bad value came from: the crash site is often the victim, the bug a few frames up. Follows a
// bad pointer (NULL or wild) from the frame that used it up the stack through arguments, to the frame
// where it first appears as a local variable, or is computed (a field, an array element, a return value).
#pragma once

#include "coroner/base/model.hpp"
#include "coroner/core/debugger.hpp"

#include <optional>
#include <string>
#include <vector>

namespace coroner {

struct OriginStep {
    int frame = 0;  // coroner's frame number
    std::optional<std::string> function;
    std::optional<std::string> file;
    std::optional<int> line;
    std::string how;  // "argument `inv`", "local variable `p`", "computed here: `...`"
};

struct ValueOrigin {
    std::uint64_t value = 0;
    std::optional<std::string> what;  // the variable that held it where it was used
    std::vector<OriginStep> steps;    // innermost first; the last one is where it came from
};

// `frames` are the thread's (with the debugger's frame numbers); `bad` the value to follow. With
// `passed_down`, the first frame is known to have produced the value (it called through it).
std::optional<ValueOrigin> trace_value_origin(Debugger& debugger, std::int64_t tid, const std::vector<Frame>& frames,
                                              std::uint64_t bad, bool passed_down = false);

// The text of a source line, trimmed, if the file is here.
std::optional<std::string> source_line(const std::string& file, int line);

}  // namespace coroner
