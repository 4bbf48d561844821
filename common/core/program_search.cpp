#include "coroner/core/program_search.hpp"
#include "coroner/base/folder.hpp"
#include "coroner/base/text.hpp"

#include "coroner/base/error.hpp"
#include "coroner/core/module_file.hpp"

#include <fmt/format.h>

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <cstring>

namespace coroner {
namespace {

bool is_regular(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

// The build-id check: the program's must be the core's (when the core kept its program's first page).
void check_build(const std::string& path, const CoreMetadata& metadata) {
    if (!is_regular(path))
        throw UserError(fmt::format("the program {} is missing", path),
                        "give the program with --exe, or a folder of builds with --exe-dir");
    const ModuleFile& file = read_module_file(path);
    if (!file.readable)
        throw UserError(fmt::format("the program {} is not a readable ELF file", path),
                        "give the program with --exe, or a folder of builds with --exe-dir");
    if (metadata.build_id && file.build_id && *metadata.build_id != *file.build_id)
        throw UserError(fmt::format("the program {} is another build (build-id {}, the core's is {})", path,
                                    *file.build_id, *metadata.build_id),
                        "give the matching build with --exe or --exe-dir");
}

}  // namespace

ProgramFolder::ProgramFolder(const std::string& folder) {
    struct stat st {};
    if (::stat(folder.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
        throw UserError(fmt::format("{} is not a folder", folder), "give --exe-dir a folder of programs");
    walk(folder, 0);
}

void ProgramFolder::walk(const std::string& folder, int depth) {
    if (depth > 32) return;
    for (const auto& name : sorted_entries(folder)) {
        std::string path = folder + "/" + name;
        struct stat st {};
        if (::lstat(path.c_str(), &st) != 0) continue;
        if (S_ISDIR(st.st_mode)) {
            walk(path, depth + 1);
            continue;
        }
        if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
        const ModuleFile& file = read_module_file(path);
        if (!file.readable) continue;
        // Builds that share a build-id (a program and its stripped copy) are one build; the copy that has
        // its debug info is the one a debugger makes the most of.
        if (file.build_id) {
            auto [it, added] = by_build_id_.emplace(*file.build_id, path);
            if (!added && file.has_debug_info && !read_module_file(it->second).has_debug_info) it->second = path;
        }
        by_name_.emplace(name, path);
    }
}

std::optional<std::string> ProgramFolder::by_build_id(const std::string& build_id) const {
    auto it = by_build_id_.find(build_id);
    return it == by_build_id_.end() ? std::nullopt : std::optional<std::string>(it->second);
}

std::optional<std::string> ProgramFolder::by_name(const std::string& name) const {
    auto it = by_name_.find(name);
    return it == by_name_.end() ? std::nullopt : std::optional<std::string>(it->second);
}

ProgramChoice choose_program(const CoreMetadata& metadata, const std::optional<std::string>& exe,
                             const ProgramFolder* folder) {
    if (exe) {
        check_build(*exe, metadata);
        return {*exe, "--exe"};
    }
    if (folder) {
        if (metadata.build_id)
            if (auto path = folder->by_build_id(*metadata.build_id)) return {*path, "--exe-dir (build-id)"};
        for (const auto& name :
             {metadata.program ? std::optional<std::string>(base_name(*metadata.program)) : std::nullopt,
              metadata.comm})
            if (name)
                if (auto path = folder->by_name(*name)) {
                    check_build(*path, metadata);
                    return {*path, "--exe-dir (name)"};
                }
    }
    if (!metadata.program)
        throw UserError("neither the core nor its metadata names its program",
                        "give the program with --exe, or a folder of builds with --exe-dir");
    check_build(*metadata.program, metadata);
    return {*metadata.program, "metadata"};
}

}  // namespace coroner
