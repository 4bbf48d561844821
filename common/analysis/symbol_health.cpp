#include "coroner/analysis/symbol_health.hpp"

#include "coroner/base/regular_file.hpp"
#include "coroner/core/process_map.hpp"

#include <fmt/format.h>

#include <dirent.h>

#include <unistd.h>
#include <algorithm>
#include <fstream>
#include <map>
#include <mutex>
#include <set>

namespace coroner {
namespace {

// A program or library: an ELF file on disk, or, where the file is gone, a mapping whose first page the
// core holds with an ELF header (the kernel dumps that page of every ELF mapping). A mapped data file
// is neither.
bool is_elf_module(const Mapping& m, MemoryReader& memory) {
    if (m.path.empty() || m.path[0] != '/' || m.path.rfind("/dev/", 0) == 0) return false;
    if (read_module_file(m.path).readable) return true;
    if (m.file_offset != 0) return false;
    auto magic = memory.read(m.start, 4);
    return magic && (*magic)[0] == 0x7f && (*magic)[1] == 'E' && (*magic)[2] == 'L' && (*magic)[3] == 'F';
}

// dpkg's lists name files as packaged; Debian 12 merges /lib into /usr/lib, so either spelling is looked up.
const std::map<std::string, std::string>& dpkg_owners() {
    static std::map<std::string, std::string> owners;
    static std::once_flag once;
    std::call_once(once, [] {
        const std::string dir = "/var/lib/dpkg/info/";
        DIR* d = ::opendir(dir.c_str());
        if (!d) return;
        while (dirent* e = ::readdir(d)) {
            std::string name = e->d_name;
            if (name.size() < 6 || name.compare(name.size() - 5, 5, ".list") != 0) continue;
            std::string package = name.substr(0, name.size() - 5);
            if (auto colon = package.find(':'); colon != std::string::npos) package.resize(colon);
            std::ifstream list(dir + name);
            for (std::string line; std::getline(list, line);)
                if (line.find(".so") != std::string::npos || line.rfind("/usr/bin/", 0) == 0 ||
                    line.rfind("/bin/", 0) == 0 || line.rfind("/usr/sbin/", 0) == 0)
                    owners.emplace(line, package);
        }
        ::closedir(d);
    });
    return owners;
}

}  // namespace

std::optional<std::string> debian_package_of(const std::string& path) {
    const auto& owners = dpkg_owners();
    for (const std::string& candidate : {path, path.rfind("/usr/", 0) == 0 ? path.substr(4) : "/usr" + path}) {
        auto it = owners.find(candidate);
        if (it != owners.end()) return it->second;
    }
    return std::nullopt;
}

std::vector<ModuleHealth> module_health(ProcessMap mappings, MemoryReader& memory,
                                        const std::optional<std::string>& program) {
    std::vector<ModuleHealth> modules;
    std::set<std::string> seen;
    for (const auto& m : mappings) {
        if (!is_elf_module(m, memory) || !seen.insert(m.path).second) continue;
        ModuleHealth h;
        h.path = m.path;
        h.is_program = program && m.path == *program;
        h.on_disk = ::access(m.path.c_str(), R_OK) == 0;
        const ModuleFile& file = read_module_file(m.path);
        h.build_id = file.build_id;
        if (auto base = mappings.module_base(m.path)) h.build_id_in_core = build_id_in_memory(memory, *base);
        if (h.on_disk) {
            DebugInfo info = find_debug_info(m.path);
            h.debug_info = info.kind;
            h.debug_file = info.debug_file;
        }
        if (h.build_id && h.build_id_in_core) h.matches_core = *h.build_id == *h.build_id_in_core;
        h.hint = symbol_hint(h);
        modules.push_back(std::move(h));
    }
    std::stable_partition(modules.begin(), modules.end(), [](const ModuleHealth& h) { return h.is_program; });
    return modules;
}

std::optional<std::string> symbol_hint(const ModuleHealth& m) {
    std::string id = m.build_id_in_core.value_or(m.build_id.value_or("unknown"));
    if (!m.on_disk)
        return fmt::format("the file is not on this machine: copy it (build-id {}) from where the process ran", id);
    if (m.matches_core == false)
        return fmt::format("this file is not the build that crashed (the core has build-id {}): load that build", id);
    if (m.debug_info != DebugInfoKind::none) return std::nullopt;
    // A program is looked up by its real path: /usr/bin/python3 is a link that python3-minimal installs, to the
    // python3.11 that python3.11-minimal installs.
    std::optional<std::string> package = debian_package_of(m.is_program ? real_path(m.path) : m.path);
    if (m.is_program && !package)
        return "rebuild with -g and keep the unstripped binary (or keep its debug info beside it: objcopy "
               "--only-keep-debug, then --add-gnu-debuglink)";
    if (package) {
        if (*package == "libc6") return std::string("apt-get install libc6-dbg");
        return fmt::format(
            "apt-get install {}-dbgsym (from the debian-debug archive), or set "
            "DEBUGINFOD_URLS=https://debuginfod.debian.net",
            *package);
    }
    return fmt::format("set DEBUGINFOD_URLS to a debuginfod server that has build-id {}, or find its debug file", id);
}

const char* debug_info_name(DebugInfoKind kind) {
    switch (kind) {
    case DebugInfoKind::embedded: return "embedded";
    case DebugInfoKind::separate: return "separate";
    case DebugInfoKind::none: break;
    }
    return "none";
}

}  // namespace coroner
