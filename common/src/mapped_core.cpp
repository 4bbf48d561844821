#include "coroner/mapped_core.hpp"

#include "coroner/elf_core.hpp"
#include "coroner/error.hpp"

#include <elf.h>

#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

namespace coroner {
namespace {

bool looks_like_core(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    Elf64_Ehdr eh{};
    if (!in.read(reinterpret_cast<char*>(&eh), sizeof eh)) return false;
    return std::memcmp(eh.e_ident, ELFMAG, SELFMAG) == 0 && eh.e_type == ET_CORE;
}

}  // namespace

std::optional<std::string> find_mapped_core_file(std::int64_t pid) {
    std::ifstream maps("/proc/self/maps");
    std::string line;
    std::set<std::string> seen;
    std::optional<std::string> only_core;
    int cores = 0;
    while (std::getline(maps, line)) {
        auto slash = line.find('/');
        if (slash == std::string::npos) continue;
        std::string path = line.substr(slash);
        if (!seen.insert(path).second || !looks_like_core(path)) continue;
        cores++;
        only_core = path;
        try {
            auto core = ElfCore::open(path);
            if (core->facts().pid == pid) return path;
        } catch (const UserError&) {
            // A damaged core is still the one loaded if it is the only one: the caller reports it.
        }
    }
    if (cores == 1) return only_core;
    return std::nullopt;
}

}  // namespace coroner
