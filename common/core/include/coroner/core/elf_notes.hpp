// ELF notes as Linux and the linkers write them: a header {n_namesz, n_descsz, n_type}, then the name and
// the description, each padded to 4 bytes. One walk for a core's notes and for a module's build-id note.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace coroner {

struct ElfNote {
    std::uint32_t type = 0;
    std::string_view name;               // n_namesz bytes, its NUL included: {"CORE", 5}, {"GNU", 4}
    const std::uint8_t* desc = nullptr;  // n_descsz bytes
    std::size_t desc_size = 0;
    std::size_t desc_offset = 0;  // where the description starts, from the start of the walked bytes
};

// Walks the notes in [data, data + size): `while (auto note = notes.next())`. It stops at the end or at
// the first note whose header, name or padded description does not fit (the rules of libelf's
// gelf_getnote), and then says where that note starts.
class ElfNotes {
public:
    ElfNotes(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
    std::optional<ElfNote> next();
    // The offset of the note that did not fit, once next() has stopped at one.
    std::optional<std::size_t> malformed_at() const { return malformed_at_; }

private:
    const std::uint8_t* data_;
    std::size_t size_;
    std::size_t offset_ = 0;
    std::optional<std::size_t> malformed_at_;
};

}  // namespace coroner
