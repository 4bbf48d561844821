// libelf's descriptor of one ELF image, ended (and the file it opened closed) when it goes: the one owner
// of every elf_begin and elf_memory in core/. Private to the core layer.
#pragma once

#include "coroner/base/regular_file.hpp"

#include <libelf.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace coroner {

class ElfDescriptor {
public:
    // A file on disk, if it is a regular file and libelf opens it; else an empty descriptor.
    static ElfDescriptor open_file(const std::string& path) {
        int fd = open_regular_file(path);
        if (fd < 0) return ElfDescriptor(nullptr, -1);
        elf_version(EV_CURRENT);
        return ElfDescriptor(elf_begin(fd, ELF_C_READ_MMAP, nullptr), fd);
    }
    // An image in memory, read where it is: libelf only reads it (see ElfCore::open).
    static ElfDescriptor over_memory(const std::uint8_t* image, std::size_t size) {
        elf_version(EV_CURRENT);
        return ElfDescriptor(elf_memory(reinterpret_cast<char*>(const_cast<std::uint8_t*>(image)), size), -1);
    }
    ElfDescriptor(ElfDescriptor&& other) noexcept : elf_(other.elf_), fd_(other.fd_) {
        other.elf_ = nullptr;
        other.fd_ = -1;
    }
    ElfDescriptor(const ElfDescriptor&) = delete;
    ElfDescriptor& operator=(const ElfDescriptor&) = delete;
    ElfDescriptor& operator=(ElfDescriptor&&) = delete;
    ~ElfDescriptor() {
        if (elf_) elf_end(elf_);
        if (fd_ >= 0) ::close(fd_);
    }

    Elf* get() const { return elf_; }
    explicit operator bool() const { return elf_ != nullptr; }

private:
    ElfDescriptor(Elf* elf, int fd) : elf_(elf), fd_(fd) {}
    Elf* elf_;
    int fd_;
};

}  // namespace coroner
