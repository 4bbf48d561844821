#include "coroner/analysis/runtimes/cpython.hpp"

#include "coroner/base/rules.hpp"
#include "coroner/base/text.hpp"
#include "coroner/core/module_file.hpp"

#include <fmt/format.h>

#include <map>
#include <set>
#include <stdexcept>

namespace coroner {
namespace {

// Bounds that keep a corrupt core from looping or allocating without end.
constexpr std::size_t most_interpreters = 64, most_threads = 4096, deepest_python_stack = 4096;
constexpr std::size_t longest_name = 4096, longest_line_table = 1u << 20;

// The offsets of one CPython minor version (rules/cpython_X_Y.json, made by scripts/cpython_layout.py).
struct Layout {
    std::map<std::string, std::uint64_t> at;
    std::uint64_t operator[](const char* name) const { return at.at(name); }
};

std::optional<Layout> layout_for(const std::string& major_minor) {
    std::string name = "cpython_" + major_minor;
    for (char& c : name)
        if (c == '.') c = '_';
    const nlohmann::json* doc = nullptr;
    try {
        doc = &builtin_rules(name);
    } catch (const std::out_of_range&) {
        return std::nullopt;
    }
    std::size_t index = 0;
    for (const RuleFields& r : rule_list(*doc, "cpython-layout", "rules/" + name + ".json")) {
        if (r.text("version") == major_minor) {
            Layout layout;
            for (const auto& [key, value] : doc->at("rules").at(index).items())
                if (value.is_number_unsigned()) layout.at[key] = value.get<std::uint64_t>();
            return layout;
        }
        index++;
    }
    return std::nullopt;
}

std::string version_text(std::uint64_t hex) {
    std::string text = fmt::format("{}.{}.{}", hex >> 24, (hex >> 16) & 0xff, (hex >> 8) & 0xff);
    unsigned level = (hex >> 4) & 0xf, serial = hex & 0xf;
    if (level == 0xa || level == 0xb || level == 0xc) text += fmt::format("{}{}", "abc"[level - 0xa], serial);
    return text;
}

void append_utf8(std::string& out, std::uint32_t c) {
    if (c < 0x80) {
        out += static_cast<char>(c);
    } else if (c < 0x800) {
        out += static_cast<char>(0xc0 | (c >> 6));
        out += static_cast<char>(0x80 | (c & 0x3f));
    } else if (c < 0x10000) {
        out += static_cast<char>(0xe0 | (c >> 12));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3f));
        out += static_cast<char>(0x80 | (c & 0x3f));
    } else {
        out += static_cast<char>(0xf0 | (c >> 18));
        out += static_cast<char>(0x80 | ((c >> 12) & 0x3f));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3f));
        out += static_cast<char>(0x80 | (c & 0x3f));
    }
}

class Reader {
public:
    Reader(MemoryReader& memory, const Layout& layout) : memory_(memory), l_(layout) {}

    std::vector<PythonThread> threads(std::uint64_t runtime) {
        std::vector<PythonThread> out;
        std::set<std::uint64_t> seen;
        auto interp = read_u64(memory_, runtime + l_["runtime_interpreters_head"]);
        for (std::size_t i = 0; interp && *interp && i < most_interpreters && seen.insert(*interp).second; i++) {
            auto thread = read_u64(memory_, *interp + l_["interpreter_threads_head"]);
            for (std::size_t t = 0; thread && *thread && t < most_threads && seen.insert(*thread).second; t++) {
                PythonThread pt = python_thread(*thread);
                if (!pt.frames.empty()) out.push_back(std::move(pt));
                thread = read_u64(memory_, *thread + l_["thread_next"]);
            }
            interp = read_u64(memory_, *interp + l_["interpreter_next"]);
        }
        return out;
    }

private:
    struct Code {
        std::string file, function;
        int first_line = 0, first_traceable = 0;
        std::vector<std::uint8_t> line_table;
    };

    PythonThread python_thread(std::uint64_t tstate) {
        PythonThread pt;
        auto tid = read_u64(memory_, tstate + l_["thread_native_thread_id"]);
        auto cframe = read_u64(memory_, tstate + l_["thread_cframe"]);
        if (!tid || !cframe || !*cframe) return pt;
        pt.native_tid = static_cast<std::int64_t>(*tid);
        auto frame = read_u64(memory_, *cframe + l_["cframe_current_frame"]);
        std::set<std::uint64_t> seen;
        while (frame && *frame && pt.frames.size() < deepest_python_stack && seen.insert(*frame).second) {
            auto f = python_frame(*frame);
            if (!f) break;
            pt.frames.push_back(std::move(*f));
            frame = read_u64(memory_, *frame + l_["frame_previous"]);
        }
        return pt;
    }

    std::optional<PythonFrame> python_frame(std::uint64_t frame) {
        auto code_address = read_u64(memory_, frame + l_["frame_code"]);
        auto prev_instr = read_u64(memory_, frame + l_["frame_prev_instr"]);
        auto flags = memory_.read(frame + l_["frame_is_entry"], 2);  // is_entry, then owner
        if (!code_address || !prev_instr || !flags || l_["frame_owner"] != l_["frame_is_entry"] + 1)
            return std::nullopt;
        const Code* code = code_at(*code_address);
        if (!code) return std::nullopt;
        PythonFrame f;
        f.file = code->file;
        f.function = code->function;
        f.entry = (*flags)[0] != 0;
        std::uint64_t start = *code_address + l_["code_code_adaptive"];
        std::int64_t units = (static_cast<std::int64_t>(*prev_instr) - static_cast<std::int64_t>(start)) /
                             static_cast<std::int64_t>(l_["code_unit_size"]);
        f.incomplete = (*flags)[1] != l_["frame_owned_by_generator"] && units < code->first_traceable;
        // As PyCode_Addr2Line: before the first instruction is the function's first line.
        f.line = units < 0 ? std::optional<int>(code->first_line)
                           : python_line(code->line_table, code->first_line,
                                         units * static_cast<std::int64_t>(l_["code_unit_size"]));
        return f;
    }

    const Code* code_at(std::uint64_t address) {
        auto it = codes_.find(address);
        if (it != codes_.end()) return it->second ? &*it->second : nullptr;
        std::optional<Code> code = read_code(address);
        return (codes_[address] = std::move(code)) ? &*codes_[address] : nullptr;
    }

    std::optional<Code> read_code(std::uint64_t address) {
        auto filename = read_u64(memory_, address + l_["code_filename"]);
        auto qualname = read_u64(memory_, address + l_["code_qualname"]);
        auto first_line = read_u32(memory_, address + l_["code_firstlineno"]);
        auto first_traceable = read_u32(memory_, address + l_["code_first_traceable"]);
        auto table = read_u64(memory_, address + l_["code_linetable"]);
        if (!filename || !qualname || !first_line || !first_traceable || !table) return std::nullopt;
        Code code;
        auto file = unicode(*filename);
        auto function = unicode(*qualname);
        if (!file || !function) return std::nullopt;
        code.file = *file;
        code.function = *function;
        code.first_line = static_cast<std::int32_t>(*first_line);
        code.first_traceable = static_cast<std::int32_t>(*first_traceable);
        code.line_table = bytes(*table).value_or(std::vector<std::uint8_t>{});
        return code;
    }

    std::optional<std::vector<std::uint8_t>> bytes(std::uint64_t object) {
        auto size = read_u64(memory_, object + l_["bytes_size"]);
        if (!size || *size > longest_line_table) return std::nullopt;
        if (*size == 0) return std::vector<std::uint8_t>{};
        return memory_.read(object + l_["bytes_data"], static_cast<std::size_t>(*size));
    }

    // A compact str (every str a code object holds is one), as UTF-8.
    std::optional<std::string> unicode(std::uint64_t object) {
        auto length = read_u64(memory_, object + l_["unicode_length"]);
        auto state = read_u32(memory_, object + l_["unicode_state"]);
        if (!length || !state || *length > longest_name || !((*state >> l_["unicode_compact_bit"]) & 1))
            return std::nullopt;
        if ((*state >> l_["unicode_ascii_bit"]) & 1)
            return read_text(memory_, object + l_["unicode_ascii_data"], *length);
        unsigned kind = (*state >> l_["unicode_kind_shift"]) & 7;
        if (kind != 1 && kind != 2 && kind != 4) return std::nullopt;
        auto data = memory_.read(object + l_["unicode_compact_data"], static_cast<std::size_t>(*length * kind));
        if (!data) return std::nullopt;
        std::string out;
        for (std::size_t i = 0; i < *length; i++) {
            std::uint32_t c = 0;
            for (unsigned b = 0; b < kind; b++) c |= std::uint32_t((*data)[i * kind + b]) << (8 * b);
            if (c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff) || c < 0x20) c = 0xfffd;  // printable, valid UTF-8
            append_utf8(out, c);
        }
        return out;
    }

    MemoryReader& memory_;
    const Layout& l_;
    std::map<std::uint64_t, std::optional<Code>> codes_;
};

// A varint of the location table: 6-bit chunks, least significant first, bit 6 set on all but the last.
std::uint32_t table_varint(const std::vector<std::uint8_t>& table, std::size_t& at) {
    std::uint32_t value = 0;
    for (unsigned shift = 0; at < table.size() && shift < 32; shift += 6) {
        std::uint8_t b = table[at++];
        value |= std::uint32_t(b & 63) << shift;
        if (!(b & 64)) break;
    }
    return value;
}

std::int32_t table_signed_varint(const std::vector<std::uint8_t>& table, std::size_t& at) {
    std::uint32_t value = table_varint(table, at);
    return (value & 1) ? -static_cast<std::int32_t>(value >> 1) : static_cast<std::int32_t>(value >> 1);
}

}  // namespace

std::optional<int> python_line(const std::vector<std::uint8_t>& table, int first_line, std::int64_t offset) {
    // Each entry: a byte 1CCCCLLL (code C, covering L+1 code units), then the code's operands. Codes 0-9: same
    // line, with columns; 10-12: line + (C - 10); 13: no columns, signed line delta; 14: signed line delta and
    // more; 15: no line at all.
    constexpr std::int64_t unit = 2;
    std::int64_t line = first_line, end = 0;
    for (std::size_t at = 0; at < table.size();) {
        std::uint8_t head = table[at];
        if (!(head & 0x80)) return std::nullopt;  // not at an entry: a corrupt table
        unsigned code = (head >> 3) & 15;
        std::size_t operands = at + 1;
        if (code == 13 || code == 14) line += table_signed_varint(table, operands);
        if (code >= 10 && code <= 12) line += code - 10;
        std::int64_t start = end;
        end += ((head & 7) + 1) * unit;
        if (offset >= start && offset < end)
            return code == 15 ? std::nullopt : std::optional<int>(static_cast<int>(line));
        for (at++; at < table.size() && !(table[at] & 0x80); at++) {}
    }
    return std::nullopt;
}

const PythonThread* PythonStacks::thread(std::int64_t tid) const {
    for (const auto& t : threads)
        if (t.native_tid == tid) return &t;
    return nullptr;
}

std::optional<PythonStacks> python_stacks(MemoryReader& memory, ProcessMap mappings,
                                          const std::vector<std::string>& modules) {
    for (const std::string& module : modules) {
        auto runtime = loaded_symbol_address(mappings, module, "_PyRuntime");
        if (!runtime) continue;
        PythonStacks stacks;
        stacks.eval_function = "_PyEval_EvalFrameDefault";
        auto version_address = loaded_symbol_address(mappings, module, "Py_Version");  // 3.11 and later
        auto hex = version_address ? read_u32(memory, *version_address) : std::nullopt;
        if (!hex) {
            stacks.note = fmt::format(
                "{} is a CPython older than 3.11 (it has no Py_Version): coroner reads no "
                "Python frames of it, native frames only",
                base_name(module));
            return stacks;
        }
        stacks.version = version_text(*hex);
        std::string major_minor = fmt::format("{}.{}", *hex >> 24, (*hex >> 16) & 0xff);
        std::optional<Layout> layout = layout_for(major_minor);
        if (!layout) {
            stacks.note = fmt::format(
                "CPython {} has no layout in coroner (rules/cpython_{}_{}.json): native "
                "frames only",
                stacks.version, *hex >> 24, (*hex >> 16) & 0xff);
            return stacks;
        }
        try {
            stacks.threads = Reader(memory, *layout).threads(*runtime);
        } catch (const std::out_of_range&) {
            stacks.note = "rules/cpython_" + major_minor + ".json lacks an offset: native frames only";
        }
        return stacks;
    }
    return std::nullopt;
}

std::vector<Frame> with_python_frames(const std::vector<Frame>& native, const std::string& eval_function,
                                      const PythonThread& thread) {
    std::vector<Frame> out;
    std::size_t next = 0;
    for (const Frame& f : native) {
        bool eval = f.function && (*f.function == eval_function || f.function->rfind(eval_function + ".", 0) == 0);
        while (eval && next < thread.frames.size()) {
            const PythonFrame& p = thread.frames[next++];
            if (!p.incomplete) {
                Frame python;
                python.python = true;
                python.function = p.function;
                python.file = p.file;
                python.line = p.line;
                out.push_back(std::move(python));
            }
            if (p.entry) break;
        }
        out.push_back(f);
    }
    for (std::size_t i = 0; i < out.size(); i++) out[i].index = static_cast<int>(i);
    return out;
}

}  // namespace coroner
