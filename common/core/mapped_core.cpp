#include "coroner/core/mapped_core.hpp"

#include "coroner/base/error.hpp"
#include "coroner/core/elf_core.hpp"

#include <elf.h>
#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <vector>

namespace coroner {
namespace {

bool looks_like_core(const std::string& path) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) return false;
    std::ifstream in(path, std::ios::binary);
    Elf64_Ehdr eh{};
    if (!in.read(reinterpret_cast<char*>(&eh), sizeof eh)) return false;
    return std::memcmp(eh.e_ident, ELFMAG, SELFMAG) == 0 && eh.e_type == ET_CORE;
}

// Files this process maps or holds open: LLDB maps a core file, or reads a small one (then it may
// still hold it open).
std::vector<std::string> open_files() {
    std::vector<std::string> paths;
    std::set<std::string> seen;
    std::ifstream maps("/proc/self/maps");
    std::string line;
    while (std::getline(maps, line)) {
        auto slash = line.find('/');
        if (slash == std::string::npos) continue;
        // The kernel writes a newline in a mapped file's path as \012 (the line would end there otherwise).
        std::string path = line.substr(slash);
        for (std::size_t at; (at = path.find("\\012")) != std::string::npos;) path.replace(at, 4, "\n");
        if (seen.insert(path).second) paths.push_back(path);
    }
    std::error_code ec;
    for (const auto& fd : std::filesystem::directory_iterator("/proc/self/fd", ec)) {
        std::error_code link_ec;
        std::string target = std::filesystem::read_symlink(fd.path(), link_ec).string();
        if (!link_ec && !target.empty() && target[0] == '/' && seen.insert(target).second) paths.push_back(target);
    }
    return paths;
}

struct Difference {
    std::uint64_t address = 0;
    std::uint8_t in_a = 0, in_b = 0;
};

// The first address whose dumped byte differs between two cores, if their memory differs anywhere.
std::optional<Difference> first_difference(const ElfCore& a, const ElfCore& b) {
    for (const auto& sa : a.segments()) {
        for (const auto& sb : b.segments()) {
            std::uint64_t start = std::max(sa.vaddr, sb.vaddr);
            std::uint64_t end = std::min(sa.vaddr + sa.filesz, sb.vaddr + sb.filesz);
            if (start >= end) continue;
            const std::uint8_t* pa = a.segment_bytes(sa) + (start - sa.vaddr);
            const std::uint8_t* pb = b.segment_bytes(sb) + (start - sb.vaddr);
            std::size_t n = static_cast<std::size_t>(end - start);
            auto mismatch = std::mismatch(pa, pa + n, pb);
            if (mismatch.first != pa + n)
                return Difference{start + static_cast<std::uint64_t>(mismatch.first - pa), *mismatch.first,
                                  *mismatch.second};
        }
    }
    return std::nullopt;
}

bool same_bytes(const std::string& a, const std::string& b) {
    std::ifstream fa(a, std::ios::binary), fb(b, std::ios::binary);
    std::vector<char> ba(1 << 16), bb(1 << 16);
    while (fa && fb) {
        fa.read(ba.data(), static_cast<std::streamsize>(ba.size()));
        fb.read(bb.data(), static_cast<std::streamsize>(bb.size()));
        if (fa.gcount() != fb.gcount() || std::memcmp(ba.data(), bb.data(), static_cast<std::size_t>(fa.gcount())) != 0)
            return false;
    }
    return !fa && !fb;
}

// Among cores of the same process, the ones whose bytes agree with what the debugger reads where two differ.
std::vector<std::size_t> agreeing_with_debugger(const std::vector<std::unique_ptr<ElfCore>>& cores,
                                                MemoryReader& loaded) {
    std::vector<bool> agrees(cores.size(), true);
    for (std::size_t i = 0; i < cores.size(); i++)
        for (std::size_t j = i + 1; j < cores.size(); j++) {
            auto difference = first_difference(*cores[i], *cores[j]);
            if (!difference) continue;
            auto seen = loaded.read(difference->address, 1);
            if (!seen) continue;
            if ((*seen)[0] != difference->in_a) agrees[i] = false;
            if ((*seen)[0] != difference->in_b) agrees[j] = false;
        }
    std::vector<std::size_t> out;
    for (std::size_t i = 0; i < cores.size(); i++)
        if (agrees[i]) out.push_back(i);
    return out;
}

}  // namespace

MappedCore find_mapped_core_file(std::int64_t pid, MemoryReader& loaded) {
    std::vector<std::unique_ptr<ElfCore>> cores;  // cores of that process
    std::vector<std::string> damaged;
    int other_cores = 0;
    for (const auto& path : open_files()) {
        if (!looks_like_core(path)) continue;
        try {
            auto core = ElfCore::open(path);
            if (core->facts().pid == pid)
                cores.push_back(std::move(core));
            else
                other_cores++;
        } catch (const UserError&) {
            damaged.push_back(path);
        }
    }
    if (cores.size() == 1) return {cores.front()->path(), ""};
    if (cores.empty()) {
        // A damaged core is still the one loaded if it is the only one: the caller reports the damage.
        if (damaged.size() == 1 && other_cores == 0) return {damaged.front(), ""};
        return {std::nullopt, fmt::format("LLDB before 16 does not name it, and no core file of process {} is "
                                          "mapped or open in this process (LLDB reads a core under 16 KiB instead "
                                          "of mapping it)",
                                          pid)};
    }
    auto agreeing = agreeing_with_debugger(cores, loaded);
    if (agreeing.size() == 1) return {cores[agreeing.front()]->path(), ""};
    // Cores that differ nowhere in their bytes are the same core: either path is right.
    if (!agreeing.empty() && std::all_of(agreeing.begin(), agreeing.end(), [&](std::size_t i) {
            return same_bytes(cores[i]->path(), cores[agreeing.front()]->path());
        }))
        return {cores[agreeing.front()]->path(), ""};
    return {std::nullopt, fmt::format("LLDB before 16 does not name it, and the {} loaded core files of process {} "
                                      "do not differ in memory where LLDB could tell them apart",
                                      cores.size(), pid)};
}

}  // namespace coroner
