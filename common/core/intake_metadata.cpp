// The facts of a crash from each place that keeps them: systemd-coredump's extended attributes and file
// name, apport's report fields, and the core's own notes. A later source fills only what earlier ones left.
#include "coroner/base/text.hpp"
#include "coroner/base/utc_time.hpp"
#include "coroner/core/intake.hpp"

#include "coroner/base/error.hpp"
#include "coroner/core/elf_core.hpp"
#include "coroner/core/module_file.hpp"

#include <fmt/format.h>

#include <sys/stat.h>
#include <sys/xattr.h>
#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <map>

namespace coroner {
namespace {

std::optional<std::int64_t> parse_integer(const std::string& text) {
    if (text.empty()) return std::nullopt;
    errno = 0;
    char* end = nullptr;
    long long value = std::strtoll(text.c_str(), &end, 10);
    if (errno != 0 || *end != '\0') return std::nullopt;
    return value;
}

std::optional<std::int64_t> parse_integer(const std::optional<std::string>& text) {
    return text ? parse_integer(*text) : std::nullopt;
}

std::vector<std::string> split(const std::string& text, char separator) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    for (std::size_t at; (at = text.find(separator, start)) != std::string::npos; start = at + 1)
        parts.push_back(text.substr(start, at - start));
    parts.push_back(text.substr(start));
    return parts;
}

bool all_of_chars(const std::string& text, const char* allowed) {
    return !text.empty() && text.find_first_not_of(allowed) == std::string::npos;
}

// The value after "KEY:" at the start of a line of /proc/PID/status text.
std::optional<std::int64_t> status_number(const std::string& status, const std::string& key) {
    for (const auto& line : split(status, '\n'))
        if (line.compare(0, key.size() + 1, key + ":") == 0) {
            std::string rest = line.substr(key.size() + 1);
            rest.erase(0, rest.find_first_not_of(" \t"));
            return parse_integer(rest.substr(0, rest.find_first_of(" \t")));
        }
    return std::nullopt;
}

std::optional<std::string> read_xattr(const std::string& path, const char* name) {
    char buffer[4096];
    ssize_t size = ::getxattr(path.c_str(), name, buffer, sizeof buffer);
    if (size < 0) return std::nullopt;
    std::string value(buffer, static_cast<std::size_t>(size));
    while (!value.empty() && (value.back() == '\0' || value.back() == '\n')) value.pop_back();
    return value;
}

template <typename T>
void fill(std::optional<T>& field, std::optional<T> value) {
    if (!field && value) field = std::move(value);
}

void add_source(CoreMetadata& metadata, const std::string& source) {
    if (std::find(metadata.sources.begin(), metadata.sources.end(), source) == metadata.sources.end())
        metadata.sources.push_back(source);
}

std::optional<std::int64_t> file_mtime(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return std::nullopt;
    return static_cast<std::int64_t>(st.st_mtim.tv_sec);
}

// The timestamp apport writes (time.asctime(): "Sun Nov 29 21:34:00 2026"), as seconds if it were UTC.
std::optional<std::int64_t> parse_asctime(const std::string& text) {
    std::tm tm{};
    const char* end = ::strptime(text.c_str(), "%a %b %d %H:%M:%S %Y", &tm);
    if (!end) return std::nullopt;
    return static_cast<std::int64_t>(::timegm(&tm));
}

// The offset from UTC of a local time, if `written` (the file's modification time, a little after the
// crash) agrees with it to a whole quarter hour: apport writes the report within minutes of its Date.
std::optional<std::int64_t> zone_offset(std::int64_t local_as_utc, std::int64_t written) {
    std::int64_t difference = local_as_utc - written;  // offset minus the minutes spent writing
    std::int64_t quarters = (difference + (difference >= 0 ? 450 : -450)) / 900;
    std::int64_t offset = quarters * 900;
    std::int64_t writing = offset - difference;
    if (writing < -60 || writing > 400 || offset < -12 * 3600 || offset > 14 * 3600) return std::nullopt;
    return offset;
}

std::string zone_name(std::int64_t offset) {
    std::int64_t minutes = std::abs(offset) / 60;
    return fmt::format("UTC{}{:02}:{:02}", offset < 0 ? '-' : '+', minutes / 60, minutes % 60);
}

bool truthy(const std::string& value) { return value == "1" || value == "yes" || value == "true"; }

}  // namespace

void read_systemd_metadata(const std::string& path, CoreMetadata& metadata) {
    bool any = false;
    auto attribute = [&](const char* name) {
        auto value = read_xattr(path, name);
        any = any || value.has_value();
        return value;
    };
    fill(metadata.pid, parse_integer(attribute("user.coredump.pid")));
    fill(metadata.uid, parse_integer(attribute("user.coredump.uid")));
    if (auto signal = parse_integer(attribute("user.coredump.signal")))
        fill(metadata.signal, std::optional<int>(static_cast<int>(*signal)));
    fill(metadata.program, attribute("user.coredump.exe"));
    fill(metadata.comm, attribute("user.coredump.comm"));
    fill(metadata.host, attribute("user.coredump.hostname"));
    fill(metadata.command_line, attribute("user.coredump.cmdline"));
    if (auto usec = parse_integer(attribute("user.coredump.timestamp")); usec && !metadata.time) {
        metadata.time = iso_utc(*usec / 1000000);
        metadata.time_source = "systemd-coredump (xattr user.coredump.timestamp)";
    }
    if (auto truncated = attribute("user.coredump.truncated"); truncated && truthy(*truncated)) {
        metadata.truncated = true;
        metadata.truncation = "systemd-coredump marked it truncated (xattr user.coredump.truncated)";
    }
    if (any) add_source(metadata, "systemd xattrs");

    // core.COMM.UID.BOOTID.PID.USEC[.zst|.lz4|.xz]: COMM may itself hold dots (systemd escapes only '/'),
    // so the fields are read from the right.
    std::vector<std::string> parts = split(base_name(path), '.');
    if (!parts.empty() && (parts.back() == "zst" || parts.back() == "lz4" || parts.back() == "xz")) parts.pop_back();
    const char* digits = "0123456789";
    std::size_t n = parts.size();
    if (n < 6 || parts[0] != "core" || !all_of_chars(parts[n - 1], digits) || parts[n - 1].size() < 10 ||
        !all_of_chars(parts[n - 2], digits) || parts[n - 3].size() != 32 ||
        !all_of_chars(parts[n - 3], "0123456789abcdef") || !all_of_chars(parts[n - 4], digits))
        return;
    std::string comm = parts[1];
    for (std::size_t i = 2; i + 4 < n; ++i) comm += "." + parts[i];
    fill(metadata.comm, std::optional<std::string>(comm));
    fill(metadata.uid, parse_integer(parts[n - 4]));
    fill(metadata.pid, parse_integer(parts[n - 2]));
    if (auto usec = parse_integer(parts[n - 1]); usec && !metadata.time) {
        metadata.time = iso_utc(*usec / 1000000);
        metadata.time_source = "systemd-coredump (file name)";
    }
    add_source(metadata, "systemd file name");
}

void read_apport_metadata(const std::string& path, CoreMetadata& metadata) {
    std::ifstream in(path, std::ios::binary);
    std::string line, key, value;
    std::map<std::string, std::string> fields;
    auto keep = [&] {
        if (!key.empty()) fields[key] = value;
        key.clear();
    };
    while (std::getline(in, line)) {
        if (!line.empty() && line[0] == ' ') {
            if (!key.empty() && value != "base64") value += (value.empty() ? "" : "\n") + line.substr(1);
            continue;
        }
        keep();
        // apport writes the binary fields last, the core among them: nothing to read past it.
        if (line.rfind("CoreDump:", 0) == 0) break;
        auto colon = line.find(':');
        if (colon == std::string::npos) continue;
        key = line.substr(0, colon);
        value = line.substr(colon + 1);
        value.erase(0, value.find_first_not_of(' '));
    }
    keep();
    auto field = [&](const char* name) -> std::optional<std::string> {
        auto it = fields.find(name);
        if (it == fields.end() || it->second.empty() || it->second == "base64") return std::nullopt;
        return it->second;
    };
    fill(metadata.program, field("ExecutablePath"));
    fill(metadata.package, field("Package"));
    fill(metadata.command_line, field("ProcCmdline"));
    if (auto signal = parse_integer(field("Signal")))
        fill(metadata.signal, std::optional<int>(static_cast<int>(*signal)));
    // ProcStatus holds the kernel's /proc/PID/status: "Pid:\t1234", "Uid:\t1000\t1000...".
    if (auto status = field("ProcStatus")) {
        fill(metadata.pid, status_number(*status, "Pid"));
        fill(metadata.uid, status_number(*status, "Uid"));
    }
    if (auto date = field("Date"); date && !metadata.time) {
        auto local = parse_asctime(*date);
        auto written = file_mtime(path);
        auto offset = local && written ? zone_offset(*local, *written) : std::nullopt;
        if (offset) {
            metadata.time = iso_utc(*local - *offset);
            metadata.time_source = fmt::format(
                "apport (Date field, local time; zone {} from the report's "
                "modification time)",
                zone_name(*offset));
        }
    }
    add_source(metadata, "apport");
}

void read_core_metadata(const std::string& core_path, CoreMetadata& metadata) {
    auto core = ElfCore::open(core_path);
    ProcessFacts facts = core->facts();
    if (facts.pid != 0) fill(metadata.pid, std::optional<std::int64_t>(facts.pid));
    if (core->process()) fill(metadata.uid, std::optional<std::int64_t>(core->process()->uid));
    fill(metadata.comm, facts.program);
    if (facts.signal && facts.signal->number != 0) fill(metadata.signal, std::optional<int>(facts.signal->number));
    fill(metadata.command_line, core->command_line());
    fill(metadata.command_line, facts.args);

    // The program is the file mapped where the auxiliary vector's AT_ENTRY points.
    constexpr std::uint64_t at_entry = 9;
    std::optional<std::uint64_t> entry;
    for (auto [type, value] : core->auxv())
        if (type == at_entry) entry = value;
    std::optional<std::string> program;
    if (entry)
        for (const auto& mapping : core->file_mappings())
            if (mapping.start <= *entry && *entry < mapping.end) program = mapping.path;
    fill(metadata.program, program);
    if (program) {
        // Its ELF header is at the lowest address it is mapped at, with file offset 0.
        for (const auto& mapping : core->file_mappings())
            if (mapping.path == *program && mapping.file_offset == 0) {
                metadata.build_id = build_id_in_memory(*core, mapping.start);
                break;
            }
    }
    add_source(metadata, "core notes");
}

}  // namespace coroner
