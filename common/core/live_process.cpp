#include "coroner/core/live_process.hpp"

#include "coroner/base/regular_file.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <sstream>

namespace coroner {
namespace {

// /proc/PID/maps of a big process runs to a few MiB.
constexpr std::size_t max_proc_file = 256u << 20;

std::string read_text(const std::string& path) { return read_regular_file(path, max_proc_file).value_or(""); }

}  // namespace

ProcessFacts live_process_facts(std::int64_t pid) {
    ProcessFacts f;
    f.pid = pid;
    std::string proc = fmt::format("/proc/{}", pid);
    std::string comm = read_text(proc + "/comm");
    while (!comm.empty() && comm.back() == '\n') comm.pop_back();
    if (!comm.empty()) f.program = comm;
    // The kernel's pr_psargs is the command line with NULs as spaces, cut to 80 bytes: do the same.
    std::string args = read_text(proc + "/cmdline");
    std::replace(args.begin(), args.end(), '\0', ' ');
    while (!args.empty() && args.back() == ' ') args.pop_back();
    if (args.size() > 79) args.resize(79);
    f.args = args;
    std::istringstream maps(read_text(proc + "/maps"));
    std::string line;
    while (std::getline(maps, line)) {
        std::istringstream row(line);
        std::string range, perms, offset, dev, inode, path;
        row >> range >> perms >> offset >> dev >> inode;
        std::getline(row >> std::ws, path);
        auto dash = range.find('-');
        if (dash == std::string::npos || perms.size() < 3) continue;
        Mapping m;
        m.start = std::stoull(range.substr(0, dash), nullptr, 16);
        m.end = std::stoull(range.substr(dash + 1), nullptr, 16);
        m.file_offset = std::stoull(offset, nullptr, 16);
        m.readable = perms[0] == 'r';
        m.writable = perms[1] == 'w';
        m.executable = perms[2] == 'x';
        // Name only file-backed mappings, as a core's NT_FILE does.
        if (!path.empty() && path[0] == '/') m.path = path;
        f.mappings.push_back(std::move(m));
    }
    return f;
}

}  // namespace coroner
