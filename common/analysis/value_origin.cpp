#include "coroner/analysis/value_origin.hpp"

#include "coroner/base/regular_file.hpp"

#include <fmt/format.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>

#include <unistd.h>

namespace coroner {
namespace {

constexpr std::size_t deepest_trace = 32;

// The pointer variables of a frame that hold the value: arguments first, then locals.
std::vector<Variable> holding(const std::vector<Variable>& variables, std::uint64_t value) {
    std::vector<Variable> out;
    for (bool want_argument : {true, false})
        for (const auto& v : variables)
            if (v.pointer() && v.value == value && v.argument == want_argument) out.push_back(v);
    return out;
}

bool is_identifier_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// The variables whose name the source line uses as a whole word.
std::vector<Variable> named_in(const std::vector<Variable>& variables, const std::string& line) {
    std::vector<Variable> out;
    for (const auto& v : variables)
        for (auto at = line.find(v.name); at != std::string::npos; at = line.find(v.name, at + 1)) {
            bool starts = at == 0 || !is_identifier_char(line[at - 1]);
            bool ends = at + v.name.size() == line.size() || !is_identifier_char(line[at + v.name.size()]);
            if (starts && ends) {
                out.push_back(v);
                break;
            }
        }
    return out;
}

OriginStep step_at(const Frame& f) {
    OriginStep s;
    s.frame = f.index;
    s.function = f.function;
    s.file = f.file;
    s.line = f.line;
    return s;
}

}  // namespace

std::optional<std::string> source_line(const std::string& file, int line) {
    if (line <= 0) return std::nullopt;
    int fd = open_regular_file(file);  // the debug info names it; a FIFO there must not block
    std::FILE* in = fd < 0 ? nullptr : ::fdopen(fd, "r");
    if (!in) {
        if (fd >= 0) ::close(fd);
        return std::nullopt;
    }
    std::optional<std::string> found;
    char* buffer = nullptr;
    std::size_t capacity = 0;
    for (int n = 1; ::getline(&buffer, &capacity, in) >= 0; n++)
        if (n == line) {
            std::string text = buffer;
            auto first = text.find_first_not_of(" \t");
            auto last = text.find_last_not_of(" \t\r\n");
            if (first != std::string::npos) found = text.substr(first, last - first + 1);
            break;
        }
    std::free(buffer);
    std::fclose(in);
    return found;
}

std::optional<ValueOrigin> trace_value_origin(Debugger& debugger, std::int64_t tid, const std::vector<Frame>& frames,
                                              std::uint64_t bad, bool passed_down) {
    ValueOrigin origin;
    origin.value = bad;
    bool following = passed_down;  // the frame below got the value from this one
    for (std::size_t i = 0; i < frames.size() && i < deepest_trace; i++) {
        const Frame& f = frames[i];
        if (!f.debugger_index) break;
        auto found = holding(debugger.variables(tid, *f.debugger_index), bad);
        // NULL is in many variables at once; the one the frame's own line uses is the one that matters.
        auto text = f.file && f.line ? source_line(*f.file, *f.line) : std::nullopt;
        if (text) found = named_in(found, *text);
        if (found.empty()) {
            if (!following) continue;  // not yet seen (a libc frame below the program, say)
            // The caller passed it without holding it in a variable: it computed it right there.
            OriginStep s = step_at(f);
            s.how = text ? fmt::format("computed here (a field, an array element or a return value): `{}`", *text)
                         : "computed here (a field, an array element or a return value)";
            origin.steps.push_back(std::move(s));
            return origin;
        }
        const Variable& v = found.front();
        if (!origin.what) origin.what = v.name;
        OriginStep s = step_at(f);
        s.how = fmt::format("{} `{}`", v.argument ? "argument" : "local variable", v.name);
        origin.steps.push_back(std::move(s));
        if (!v.argument) return origin;  // first appears here
        following = true;
    }
    if (origin.steps.empty()) return std::nullopt;
    return origin;
}

}  // namespace coroner
