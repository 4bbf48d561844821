#include "coroner/analysis/runtimes/rust_panic.hpp"

#include "coroner/base/text.hpp"
#include "coroner/core/process_map.hpp"

#include <algorithm>
#include <cstring>

namespace coroner {
namespace {

constexpr std::uint64_t stack_window = 64 * 1024;  // how far above sp the panic's frames can be
constexpr std::uint64_t longest_rust_message = 64 * 1024;
constexpr std::int64_t payload_reach = 48;  // PanicInfo: payload, message and location are adjacent

// core::panic::Location { file: &str, line: u32, col: u32 }.
std::optional<RustPanic> location_at(MemoryReader& memory, std::uint64_t address) {
    auto file_ptr = read_u64(memory, address);
    auto file_len = read_u64(memory, address + 8);
    auto line = read_u32(memory, address + 16);
    auto column = read_u32(memory, address + 20);
    if (!file_ptr || !file_len || !line || !column) return std::nullopt;
    if (*file_len < 4 || *file_len > 4096 || *line == 0 || *line > 10'000'000 || *column > 100'000) return std::nullopt;
    auto file = read_text(memory, *file_ptr, *file_len);
    if (!file || !ends_with(*file, ".rs")) return std::nullopt;
    RustPanic p;
    p.file = *file;
    p.line = *line;
    p.column = *column;
    return p;
}

// The payload is a `&dyn Any` (data, vtable) whose vtable gives the value's size: 24 for the String a
// formatted message was written into, 16 for a `&'static str`. Requiring that pair, and not any pointer
// to text, keeps stale strings of frames that already returned (the panic hook's) out.
std::optional<std::string> payload_text(MemoryReader& memory, std::uint64_t data, std::uint64_t vtable) {
    auto size = read_u64(memory, vtable + 8);
    auto align = read_u64(memory, vtable + 16);
    auto ptr = read_u64(memory, data);
    if (!size || !align || !ptr || *align != 8 || *ptr == 0) return std::nullopt;
    auto len = read_u64(memory, data + (*size == 24 ? 16 : 8));
    if (*size != 16 && *size != 24) return std::nullopt;
    if (!len || *len == 0 || *len > longest_rust_message) return std::nullopt;
    return read_text(memory, *ptr, *len);
}

std::optional<std::string> payload_near(MemoryReader& memory, std::uint64_t location_slot) {
    for (std::int64_t distance = 8; distance <= payload_reach; distance += 8)
        for (std::int64_t sign : {-1, 1}) {
            std::uint64_t at = location_slot + sign * distance;
            auto data = read_u64(memory, at);
            auto vtable = read_u64(memory, at + 8);
            if (!data || !vtable || at + 8 == location_slot) continue;
            if (auto text = payload_text(memory, *data, *vtable)) return text;
        }
    return std::nullopt;
}

}  // namespace

std::optional<RustPanic> rust_panic(MemoryReader& memory, ProcessMap mappings, std::uint64_t sp) {
    const Mapping* stack = mappings.at(sp);
    std::uint64_t end = stack ? std::min(stack->end, sp + stack_window) : sp + stack_window;
    auto window = memory.read(sp & ~7ull, static_cast<std::size_t>(end - (sp & ~7ull)));
    if (!window) return std::nullopt;
    std::optional<RustPanic> first_location;
    for (std::size_t off = 0; off + 8 <= window->size(); off += 8) {
        std::uint64_t word;
        std::memcpy(&word, window->data() + off, 8);
        if (word < 4096) continue;
        auto location = location_at(memory, word);
        if (!location) continue;
        std::uint64_t slot = (sp & ~7ull) + off;
        location->message = payload_near(memory, slot);
        if (location->message) return location;
        if (!first_location) first_location = location;
    }
    return first_location;
}

}  // namespace coroner
