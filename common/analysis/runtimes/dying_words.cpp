#include "coroner/analysis/runtimes/dying_words.hpp"

#include "coroner/base/text.hpp"
#include "coroner/core/module_file.hpp"

#include <cxxabi.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>

namespace coroner {
namespace {

constexpr std::size_t longest_message = 4096;

std::string demangle_type(const std::string& mangled) {
    int status = 0;
    std::unique_ptr<char, void (*)(void*)> out(abi::__cxa_demangle(mangled.c_str(), nullptr, nullptr, &status),
                                               std::free);
    return status == 0 && out ? std::string(out.get()) : mangled;
}

bool is_libc(const std::string& path) {
    std::string name = base_name(path);
    return name.rfind("libc.so", 0) == 0 || name.rfind("libc-", 0) == 0;
}

}  // namespace

std::optional<std::string> glibc_abort_message(const ProcessFacts& facts, MemoryReader& memory) {
    for (const auto& m : facts.mappings) {
        if (m.path.empty() || !is_libc(m.path)) continue;
        auto symbol = loaded_symbol_address(facts.mappings, m.path, "__abort_msg");
        if (!symbol) return std::nullopt;
        // struct abort_msg_s { unsigned int size; char msg[]; } *__abort_msg;
        auto message = read_u64(memory, *symbol);
        if (!message || *message == 0) return std::nullopt;
        std::string text = read_c_string(memory, *message + 4, longest_message).value_or("");
        while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
        if (text.empty()) return std::nullopt;
        return text;
    }
    return std::nullopt;
}

std::optional<CxxException> uncaught_cxx_exception(const ElfCore& core, MemoryReader& memory) {
    // __cxa_exception on LP64: exceptionType at 0 ... handlerCount at 40 ... unwindHeader at 80, whose
    // first 8 bytes are the exception class; the thrown object follows the 32-byte unwind header.
    constexpr std::uint64_t gnu_cxx_class = 0x474e5543432b2b00ULL;  // "GNUCC++\0"
    constexpr std::uint64_t unwind_header_offset = 80, handler_count_offset = 40, unwind_header_size = 32;
    // Only what the file stores (a hole holds no exception), a window at a time, each let go once read:
    // a core that claims a terabyte of heap costs what it holds.
    constexpr std::uint64_t window = 64ull << 20;
    std::optional<CxxException> found;
    for (const auto& seg : core.segments()) {
        if (!seg.writable || seg.filesz < 128) continue;
        const std::uint8_t* bytes = core.segment_bytes(seg);
        for (auto [part, length] : core.stored_parts(seg))
            for (std::uint64_t from = part; from < part + length; from += window) {
                std::uint64_t to = std::min(part + length, from + window);
                for (std::uint64_t off = std::max<std::uint64_t>(unwind_header_offset, (from + 7) & ~7ull);
                     off + 8 <= to; off += 8) {
                    std::uint64_t word;
                    std::memcpy(&word, bytes + off, 8);
                    if (word != gnu_cxx_class) continue;
                    std::uint64_t header = seg.vaddr + off - unwind_header_offset;
                    std::int32_t handlers;
                    std::memcpy(&handlers, bytes + off - unwind_header_offset + handler_count_offset, 4);
                    if (handlers == 0) continue;  // thrown but never caught by __cxa_begin_catch: not the one
                    auto type_info = read_u64(memory, header);
                    auto name_ptr = type_info ? read_u64(memory, *type_info + 8) : std::nullopt;
                    auto mangled = name_ptr ? read_c_string(memory, *name_ptr, 512) : std::nullopt;
                    if (!mangled || mangled->empty()) continue;
                    CxxException e;
                    e.type = demangle_type(mangled->front() == '*' ? mangled->substr(1) : *mangled);
                    // Walk single-inheritance bases (__si_class_type_info keeps its base at +16) up to the
                    // standard classes whose message sits right after the vtable pointer.
                    std::uint64_t ti = *type_info;
                    for (int depth = 0; depth < 16; depth++) {
                        auto np = read_u64(memory, ti + 8);
                        auto n = np ? read_c_string(memory, *np, 512) : std::nullopt;
                        if (!n) break;
                        if (*n == "St13runtime_error" || *n == "St11logic_error") {
                            std::uint64_t object = seg.vaddr + off + unwind_header_size;
                            if (auto text = read_u64(memory, object + 8))
                                e.what = read_c_string(memory, *text, longest_message);
                            break;
                        }
                        auto base = read_u64(memory, ti + 16);
                        if (!base || *base == 0) break;
                        ti = *base;
                    }
                    found = e;  // the last one in memory order: the most recently allocated is likeliest
                }
                core.release(bytes + from, static_cast<std::size_t>(to - from));
            }
    }
    return found;
}

}  // namespace coroner
