#include "coroner/core/elf_notes.hpp"

#include <cstring>

namespace coroner {
namespace {

constexpr std::size_t note_header_size = 12;  // Elf64_Nhdr, the same as Elf32_Nhdr

std::uint32_t word_at(const std::uint8_t* p) {
    std::uint32_t value;
    std::memcpy(&value, p, sizeof value);
    return value;
}

}  // namespace

std::optional<ElfNote> ElfNotes::next() {
    if (malformed_at_ || offset_ >= size_) return std::nullopt;
    auto stop = [this]() -> std::optional<ElfNote> {
        malformed_at_ = offset_;
        return std::nullopt;
    };
    if (size_ - offset_ < note_header_size) return stop();
    const std::uint8_t* header = data_ + offset_;
    std::uint32_t namesz = word_at(header), descsz = word_at(header + 4);
    std::size_t name_offset = offset_ + note_header_size;
    if (namesz > size_ || name_offset > size_ - namesz) return stop();
    std::size_t desc_offset = (name_offset + namesz + 3) & ~std::size_t{3};
    // The padded size as a 32-bit word, as the ELF headers count it: a size near 4 GiB wraps to 0.
    std::uint32_t padded = (descsz + 3u) & ~3u;
    if (desc_offset > size_ || size_ - desc_offset < padded || (padded == 0 && descsz != 0)) return stop();
    ElfNote note;
    note.type = word_at(header + 8);
    note.name = std::string_view(reinterpret_cast<const char*>(data_ + name_offset), namesz);
    note.desc = data_ + desc_offset;
    note.desc_size = descsz;
    note.desc_offset = desc_offset;
    offset_ = desc_offset + padded;
    return note;
}

}  // namespace coroner
