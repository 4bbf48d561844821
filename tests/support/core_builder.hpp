// Builds small x86-64 (or AArch64) ELF core files in memory, note by note and segment by segment, so the ELF
// reader and the analyses can be tested without a debugger or a crashing process.
#pragma once

#include <elf.h>

#include <cstdint>
#include <cstring>
#include <map>
#include <string>
#include <vector>

namespace coroner::test {

class CoreBuilder {
public:
    struct Thread {
        std::int32_t tid;
        std::uint64_t pc;
        std::uint64_t sp;
        std::int16_t cursig = 11;
        std::map<std::size_t, std::uint64_t> registers;  // more of pr_reg, by index
    };
    struct Segment {
        std::uint64_t vaddr;
        std::vector<std::uint8_t> bytes;
        std::uint64_t memsz;  // >= bytes.size(); larger means the tail was not dumped
        std::uint32_t flags;  // PF_R | PF_W | PF_X
    };
    struct File {
        std::uint64_t start, end, offset_pages;
        std::string path;
    };

    // The CPU of the process (e_machine, and its NT_PRSTATUS register layout): EM_X86_64 or EM_AARCH64.
    CoreBuilder& machine(std::uint16_t elf_machine) {
        machine_ = elf_machine;
        return *this;
    }
    CoreBuilder& thread(std::int32_t tid, std::uint64_t pc, std::uint64_t sp, std::int16_t cursig = 11) {
        threads_.push_back({tid, pc, sp, cursig, {}});
        return *this;
    }
    // A register of the last thread, by its index in pr_reg (x86-64: rax 10, rbp 4; AArch64: xN is N).
    CoreBuilder& reg(std::size_t index, std::uint64_t value) {
        threads_.back().registers[index] = value;
        return *this;
    }
    CoreBuilder& process(std::int32_t pid, std::string fname, std::string args) {
        pid_ = pid;
        fname_ = std::move(fname);
        args_ = std::move(args);
        return *this;
    }
    // si_addr for faults; for sent signals pass the sender's pid/uid instead.
    CoreBuilder& siginfo(std::int32_t signo, std::int32_t code, std::uint64_t addr) {
        has_siginfo_ = true;
        signo_ = signo;
        code_ = code;
        sigaddr_ = addr;
        return *this;
    }
    CoreBuilder& sent_by(std::int32_t signo, std::int32_t code, std::int32_t pid, std::uint32_t uid) {
        return siginfo(signo, code, (std::uint64_t{uid} << 32) | static_cast<std::uint32_t>(pid));
    }
    CoreBuilder& segment(std::uint64_t vaddr, std::vector<std::uint8_t> bytes, std::uint32_t flags,
                         std::uint64_t memsz = 0) {
        std::uint64_t size = bytes.size();
        segments_.push_back({vaddr, std::move(bytes), memsz ? memsz : size, flags});
        return *this;
    }
    CoreBuilder& file(std::uint64_t start, std::uint64_t end, std::uint64_t offset_pages, std::string path) {
        files_.push_back({start, end, offset_pages, std::move(path)});
        return *this;
    }
    CoreBuilder& auxv(std::uint64_t key, std::uint64_t value) {
        auxv_.push_back(key);
        auxv_.push_back(value);
        return *this;
    }

    std::vector<std::uint8_t> build() const {
        std::vector<std::uint8_t> notes;
        // struct elf_prstatus: pr_reg at 112; x86-64's user_regs_struct has 27 registers (rip 16, rsp 19),
        // AArch64's user_pt_regs 34 (x0-x30, sp 31, pc 32, pstate).
        bool arm = machine_ == EM_AARCH64;
        for (const auto& t : threads_) {
            std::vector<std::uint8_t> d(arm ? 392 : 336, 0);
            put(d, 12, t.cursig);
            put(d, 32, t.tid);
            put(d, 112 + (arm ? 32 : 16) * 8, t.pc);
            put(d, 112 + (arm ? 31 : 19) * 8, t.sp);
            for (const auto& [index, value] : t.registers) put(d, 112 + index * 8, value);
            note(notes, 1, d);
        }
        if (pid_) {
            std::vector<std::uint8_t> d(136, 0);
            put(d, 24, pid_);
            std::memcpy(d.data() + 40, fname_.data(), std::min<std::size_t>(fname_.size(), 15));
            std::memcpy(d.data() + 56, args_.data(), std::min<std::size_t>(args_.size(), 79));
            note(notes, 3, d);
        }
        if (has_siginfo_) {
            std::vector<std::uint8_t> d(128, 0);
            put(d, 0, signo_);
            put(d, 8, code_);
            put(d, 16, sigaddr_);
            note(notes, 0x53494749, d);
        }
        if (!auxv_.empty()) {
            std::vector<std::uint8_t> d((auxv_.size() + 2) * 8, 0);
            for (std::size_t i = 0; i < auxv_.size(); i++) put(d, i * 8, auxv_[i]);
            note(notes, 6, d);
        }
        if (!files_.empty()) {
            std::vector<std::uint8_t> d(16 + files_.size() * 24, 0);
            put(d, 0, std::uint64_t{files_.size()});
            put(d, 8, std::uint64_t{4096});
            for (std::size_t i = 0; i < files_.size(); i++) {
                put(d, 16 + i * 24, files_[i].start);
                put(d, 24 + i * 24, files_[i].end);
                put(d, 32 + i * 24, files_[i].offset_pages);
            }
            for (const auto& f : files_) {
                d.insert(d.end(), f.path.begin(), f.path.end());
                d.push_back(0);
            }
            note(notes, 0x46494c45, d);
        }

        std::size_t phnum = 1 + segments_.size();
        std::size_t offset = sizeof(Elf64_Ehdr) + phnum * sizeof(Elf64_Phdr);
        std::vector<Elf64_Phdr> phdrs;
        Elf64_Phdr note_ph{};
        note_ph.p_type = PT_NOTE;
        note_ph.p_offset = offset;
        note_ph.p_filesz = notes.size();
        phdrs.push_back(note_ph);
        offset += notes.size();
        for (const auto& s : segments_) {
            Elf64_Phdr ph{};
            ph.p_type = PT_LOAD;
            ph.p_offset = offset;
            ph.p_vaddr = s.vaddr;
            ph.p_filesz = s.bytes.size();
            ph.p_memsz = s.memsz;
            ph.p_flags = s.flags;
            ph.p_align = 4096;
            phdrs.push_back(ph);
            offset += s.bytes.size();
        }
        Elf64_Ehdr eh{};
        std::memcpy(eh.e_ident, ELFMAG, SELFMAG);
        eh.e_ident[EI_CLASS] = ELFCLASS64;
        eh.e_ident[EI_DATA] = ELFDATA2LSB;
        eh.e_ident[EI_VERSION] = EV_CURRENT;
        eh.e_type = ET_CORE;
        eh.e_machine = machine_;
        eh.e_version = EV_CURRENT;
        eh.e_phoff = sizeof(Elf64_Ehdr);
        eh.e_ehsize = sizeof(Elf64_Ehdr);
        eh.e_phentsize = sizeof(Elf64_Phdr);
        eh.e_phnum = static_cast<std::uint16_t>(phnum);

        std::vector<std::uint8_t> out(sizeof eh);
        std::memcpy(out.data(), &eh, sizeof eh);
        for (const auto& ph : phdrs) append(out, &ph, sizeof ph);
        out.insert(out.end(), notes.begin(), notes.end());
        for (const auto& s : segments_) out.insert(out.end(), s.bytes.begin(), s.bytes.end());
        return out;
    }

private:
    template <typename T>
    static void put(std::vector<std::uint8_t>& d, std::size_t at, T value) {
        std::memcpy(d.data() + at, &value, sizeof value);
    }
    static void append(std::vector<std::uint8_t>& out, const void* p, std::size_t n) {
        auto b = static_cast<const std::uint8_t*>(p);
        out.insert(out.end(), b, b + n);
    }
    static void note(std::vector<std::uint8_t>& out, std::uint32_t type, const std::vector<std::uint8_t>& desc) {
        std::uint32_t header[3] = {5, static_cast<std::uint32_t>(desc.size()), type};
        append(out, header, sizeof header);
        const char name[8] = "CORE";
        append(out, name, 8);  // "CORE\0" padded to 4 bytes
        out.insert(out.end(), desc.begin(), desc.end());
        while (out.size() % 4) out.push_back(0);
    }

    std::uint16_t machine_ = EM_X86_64;
    std::vector<Thread> threads_;
    std::int32_t pid_ = 0;
    std::string fname_, args_;
    bool has_siginfo_ = false;
    std::int32_t signo_ = 0, code_ = 0;
    std::uint64_t sigaddr_ = 0;
    std::vector<Segment> segments_;
    std::vector<File> files_;
    std::vector<std::uint64_t> auxv_;
};

}  // namespace coroner::test
