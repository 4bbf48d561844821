#include "coroner/analysis/runtimes/go_panic.hpp"

#include "coroner/core/module_file.hpp"

namespace coroner {
namespace {

// The offsets into g, _panic and _type are the CPU's (Arch::go); the type flags and kinds are Go's own, the
// same on every CPU since Go 1.17.
constexpr std::size_t deepest_stack = 512;
constexpr std::uint8_t tflag_extra_star = 2;  // the name is stored as "*T" for T
constexpr std::uint8_t kind_mask = 31, kind_string = 24, kind_ptr = 22;
constexpr std::uint64_t most_goroutines = 10'000'000, longest_go_message = 64 * 1024;

std::optional<std::string> go_string(MemoryReader& memory, std::uint64_t header) {
    auto ptr = read_u64(memory, header);
    auto len = read_u64(memory, header + 8);
    if (!ptr || !len || *len > longest_go_message) return std::nullopt;
    return read_text(memory, *ptr, *len);
}

// runtime.name: a flags byte, a varint length, the bytes.
std::optional<std::string> type_name(const GoRuntimeLayout& go, MemoryReader& memory, std::uint64_t types,
                                     std::uint64_t type) {
    auto tflag = memory.read(type + go.type_tflag, 1);
    auto str = read_u32(memory, type + go.type_str);
    if (!tflag || !str) return std::nullopt;
    std::uint64_t at = types + static_cast<std::int32_t>(*str) + 1, len = 0;
    for (int shift = 0; shift < 35; shift += 7) {
        auto b = memory.read(at++, 1);
        if (!b) return std::nullopt;
        len |= std::uint64_t((*b)[0] & 0x7f) << shift;
        if (!((*b)[0] & 0x80)) break;
    }
    auto name = len <= 1024 ? read_text(memory, at, len) : std::nullopt;
    if (name && ((*tflag)[0] & tflag_extra_star) && !name->empty() && name->front() == '*') name->erase(0, 1);
    return name;
}

// The text Go prints for a panic value of type `name` and kind `kind` whose data word is `data`. Before a
// fatal panic prints, the runtime (preprintpanics) replaces an error or Stringer value by the string its
// Error() or String() returned, so by the time of the core the value is mostly a string already.
std::optional<std::string> render_value(MemoryReader& memory, const std::string& name, std::uint8_t kind,
                                        std::uint64_t data) {
    if (kind == kind_string) {
        auto text = go_string(memory, data);
        if (text && name == "runtime.errorString") return "runtime error: " + *text;
        return text;
    }
    // errors.New, fmt.Errorf and most error types are pointers to a struct that starts with its message.
    if (kind == kind_ptr) return go_string(memory, data);
    return std::nullopt;
}

// The goroutine's frames from g.sched, saved when the runtime's fatalpanic switched to the system stack:
// its bp is fatalpanic's frame pointer, which starts the chain of the callers (gopanic, then the code
// that panicked). fatalpanic is still running when it crashes the process, so the chain is intact; its
// sp is zeroed once the switch returns, and when it is not, it holds the return address into fatalpanic
// (on a CPU whose call leaves it there). The walk stays inside the goroutine's stack [lo, hi) and only
// goes up.
std::vector<std::uint64_t> goroutine_stack(const Arch& arch, MemoryReader& memory, std::uint64_t g) {
    std::vector<std::uint64_t> pcs;
    auto lo = read_u64(memory, g), hi = read_u64(memory, g + 8);
    auto sp = read_u64(memory, g + arch.go.g_sched);
    auto bp = read_u64(memory, g + arch.go.g_sched + arch.go.gobuf_bp);
    if (!lo || !hi || !sp || !bp) return pcs;
    if (arch.return_address_on_stack && *sp >= *lo && *sp < *hi)
        if (auto pc = read_u64(memory, *sp)) pcs.push_back(*pc);
    for (std::uint64_t frame = *bp; frame >= *lo && frame + 16 <= *hi && pcs.size() < deepest_stack;) {
        auto caller_bp = read_u64(memory, frame + arch.frame_record.caller_frame);
        auto ret = read_u64(memory, frame + arch.frame_record.return_address);
        if (!caller_bp || !ret || *ret == 0) break;
        pcs.push_back(*ret);
        if (*caller_bp <= frame) break;  // frames only go up the stack
        frame = *caller_bp;
    }
    return pcs;
}

}  // namespace

std::optional<GoPanic> go_panic(const Arch& arch, MemoryReader& memory, ProcessMap mappings,
                                const std::string& executable) {
    auto allgs = loaded_symbol_address(mappings, executable, "runtime.allgs");
    if (!allgs) return std::nullopt;  // not a Go program
    auto types = loaded_symbol_address(mappings, executable, "runtime.types");
    if (!types) return std::nullopt;
    auto array = read_u64(memory, *allgs);
    auto count = read_u64(memory, *allgs + 8);
    if (!array || !count || *count > most_goroutines) return std::nullopt;
    for (std::uint64_t i = 0; i < *count; i++) {
        auto g = read_u64(memory, *array + 8 * i);
        // The array is one allocation: where it stops being readable, it ends, whatever the count claims
        // (each unreadable slot would be a call into the debugger, up to ten million of them).
        if (!g) break;
        auto panic = read_u64(memory, *g + arch.go.g_panic);
        if (!panic || *panic == 0) continue;
        auto type = read_u64(memory, *panic + arch.go.panic_arg);
        auto data = read_u64(memory, *panic + arch.go.panic_arg + 8);
        if (!type || !data || *type == 0) continue;
        auto kind = memory.read(*type + arch.go.type_kind, 1);
        GoPanic p;
        p.type = type_name(arch.go, memory, *types, *type).value_or("?");
        if (kind) p.message = render_value(memory, p.type, (*kind)[0] & kind_mask, *data);
        p.stack = goroutine_stack(arch, memory, *g);
        return p;
    }
    return std::nullopt;
}

}  // namespace coroner
