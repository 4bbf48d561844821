// Reading coroner.batch/1 rows for the bucket table. A crash pile's rows run to hundreds of megabytes (a
// row holds pm-triage's whole JSON): simdjson's on-demand parser reads only the fields the table needs, at
// GB/s, from a buffer reused chunk after chunk, so memory stays the size of a chunk.
#include "coroner/base/error.hpp"
#include "coroner/base/regular_file.hpp"
#include "coroner/fleet/buckets_report.hpp"

#include <fmt/format.h>
#include <simdjson.h>
#include <nlohmann/json.hpp>

#include <unistd.h>
#include <cerrno>
#include <cstring>

namespace coroner {
namespace {

using simdjson::ondemand::object;
using simdjson::ondemand::value;

constexpr std::size_t chunk_size = 16 << 20;

template <class Field>
std::string_view key_of(Field& field) {
    return std::string_view(field.unescaped_key());
}

std::optional<std::string> text_or_null(value v) {
    if (v.is_null()) return std::nullopt;
    return std::string(std::string_view(v.get_string()));
}

std::optional<std::string> number_or_text(value v) {
    switch (v.type()) {
    case simdjson::ondemand::json_type::null: return std::nullopt;
    case simdjson::ondemand::json_type::string: return std::string(std::string_view(v.get_string()));
    default: return std::string(simdjson::to_json_string(v).value());
    }
}

// The named fields of an object (or of null: none) as text: a string as it is, a number as written. One pass
// over the object, its fields in whatever order they come; the others are skipped.
class Fields {
public:
    Fields(value object_or_null, std::initializer_list<std::string_view> wanted) {
        if (object_or_null.is_null()) return;
        for (auto field : object_or_null.get_object()) {
            std::string_view key = field.unescaped_key();
            for (std::string_view name : wanted)
                if (key == name) {
                    values_.emplace_back(name, number_or_text(field.value()));
                    break;
                }
        }
    }
    std::optional<std::string> operator[](std::string_view name) const {
        for (const auto& [key, text] : values_)
            if (key == name) return text;
        return std::nullopt;
    }

private:
    std::vector<std::pair<std::string_view, std::optional<std::string>>> values_;
};

// "#5 check_balance at assert_fail.c:6", "#0 0x7f5c058efeec in libc.so.6".
std::string frame_line(value frame) {
    Fields f(frame, {"function", "file", "line", "module", "pc", "index"});
    std::string text = "#" + f["index"].value_or("?") + " " + f["function"].value_or(f["pc"].value_or("??"));
    if (auto file = f["file"]) return text + " at " + *file + (f["line"] ? ":" + *f["line"] : "");
    if (auto module = f["module"]) return text + " in " + module->substr(module->rfind('/') + 1);
    return text;
}

// "get_total at a.c:7", or the reason nothing was blamed.
std::string blame_text(value blame) {
    Fields f(blame, {"function", "file", "line", "reason"});
    if (!f["function"]) return f["reason"].value_or("");
    std::string text = *f["function"];
    if (auto file = f["file"]) text += " at " + *file + (f["line"] ? ":" + *f["line"] : "");
    return text;
}

void read_triage(object triage, CrashRow& row, std::optional<std::string>& executable,
                 std::optional<std::string>& core_time) {
    for (auto field : triage) {
        std::string_view key = field.unescaped_key();
        if (key == "bucket") {
            row.bucket = text_or_null(field.value()).value_or("");
        } else if (key == "signature") {
            row.signature = text_or_null(field.value()).value_or("");
        } else if (key == "blame") {
            row.blame = blame_text(field.value());
        } else if (key == "cause") {
            Fields cause(field.value(), {"class", "summary"});
            row.cause_class = cause["class"].value_or("");
            row.summary = cause["summary"].value_or("");
        } else if (key == "security") {
            row.rating = Fields(field.value(), {"rating"})["rating"].value_or("");
        } else if (key == "process") {
            Fields process(field.value(), {"executable", "core_time"});
            executable = process["executable"];
            core_time = process["core_time"];
        } else if (key == "thread") {
            value thread = field.value();
            if (thread.is_null()) continue;
            for (auto part : thread.get_object())
                if (key_of(part) == "frames")
                    for (value frame : part.value().get_array()) row.stack.push_back(frame_line(frame));
        }
    }
    row.triaged = !row.bucket.empty();
}

// One line of JSON into a row; throws simdjson_error or returns a reason when it is not a batch row.
std::string parse_row(simdjson::ondemand::parser& parser, const char* line, std::size_t size, std::size_t capacity,
                      CrashRow& row) {
    simdjson::ondemand::document document = parser.iterate(line, size, capacity);
    std::optional<std::string> schema, executable, core_time, program_path, metadata_program, metadata_time;
    for (auto field : document.get_object()) {
        std::string_view key = field.unescaped_key();
        if (key == "schema") {
            schema = text_or_null(field.value());
        } else if (key == "input") {
            row.input = text_or_null(field.value()).value_or("");
        } else if (key == "status") {
            row.status = text_or_null(field.value()).value_or("");
        } else if (key == "error") {
            row.error = text_or_null(field.value()).value_or("");
        } else if (key == "metadata") {
            Fields metadata(field.value(), {"time", "program", "build_id", "package", "host"});
            metadata_time = metadata["time"];
            metadata_program = metadata["program"];
            row.build_id = metadata["build_id"];
            row.package = metadata["package"];
            row.host = metadata["host"];
        } else if (key == "program") {
            program_path = Fields(field.value(), {"path"})["path"];
        } else if (key == "triage") {
            value triage = field.value();
            if (!triage.is_null()) read_triage(triage.get_object(), row, executable, core_time);
        }
    }
    if (schema != std::string("coroner.batch/1")) return "not a coroner.batch/1 row";
    if (row.input.empty()) return "a row without its input";
    row.time = metadata_time ? metadata_time : core_time;
    row.program = executable ? executable : program_path ? program_path : metadata_program;
    return "";
}

}  // namespace

RowsRead read_batch_rows(const std::string& path, const std::function<void(CrashRow&&)>& take) {
    int fd = open_regular_file(path);  // a FIFO named as results must not wedge the command
    if (fd < 0)
        throw UserError(
            fmt::format("cannot read {}: {}", path, errno == EINVAL ? "not a regular file" : std::strerror(errno)),
            "give the JSONL files `coroner triage` wrote");
    struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
    } closer{fd};
    RowsRead read;
    simdjson::ondemand::parser parser;
    std::vector<char> buffer(chunk_size + simdjson::SIMDJSON_PADDING);
    std::size_t held = 0, line_number = 0;
    bool at_end = false;
    while (!at_end) {
        if (held == buffer.size() - simdjson::SIMDJSON_PADDING)  // a line longer than the buffer
            buffer.resize(buffer.size() * 2);
        ssize_t got = ::read(fd, buffer.data() + held, buffer.size() - simdjson::SIMDJSON_PADDING - held);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) throw UserError(fmt::format("cannot read {}: {}", path, std::strerror(errno)), "check the file");
        at_end = got == 0;
        held += static_cast<std::size_t>(got);
        std::size_t start = 0;
        while (start < held) {
            const char* newline = static_cast<const char*>(std::memchr(buffer.data() + start, '\n', held - start));
            if (!newline && !at_end) break;  // the rest of this line comes with the next read
            std::size_t end = newline ? static_cast<std::size_t>(newline - buffer.data()) : held;
            ++line_number;
            std::size_t size = end - start;
            while (size > 0 && (buffer[start + size - 1] == '\r' || buffer[start + size - 1] == ' ')) --size;
            if (size > 0) {
                CrashRow row;
                std::string why;
                try {
                    why = parse_row(parser, buffer.data() + start, size, buffer.size() - start, row);
                } catch (const simdjson::simdjson_error& error) {
                    why = fmt::format("not JSON ({})", error.what());
                }
                if (why.empty()) {
                    ++read.rows;
                    take(std::move(row));
                } else if (read.bad++ == 0) {
                    read.first_bad = fmt::format("{}:{}: {}", path, line_number, why);
                }
            }
            start = end + 1;
        }
        if (start >= held) {
            held = 0;
        } else if (start > 0) {
            std::memmove(buffer.data(), buffer.data() + start, held - start);
            held -= start;
        }
    }
    return read;
}

std::set<std::string> read_known_buckets(const std::string& path) {
    constexpr std::size_t max_report_size = 256u << 20;
    auto text = read_regular_file(path, max_report_size);
    if (!text)
        throw UserError(fmt::format("cannot read {}: {}", path, why_unreadable(max_report_size)),
                        "give --known the file an earlier `coroner buckets --json` wrote");
    nlohmann::json report = nlohmann::json::parse(*text, nullptr, false);
    if (report.is_discarded() || !report.is_object() || report.value("schema", "") != buckets_schema ||
        !report.contains("buckets") || !report["buckets"].is_array())
        throw UserError(fmt::format("{} is not a coroner.buckets/1 report", path),
                        "give --known the file an earlier `coroner buckets --json` wrote");
    std::set<std::string> known;
    for (const auto& bucket : report["buckets"])
        if (bucket.is_object() && bucket.contains("bucket") && bucket["bucket"].is_string())
            known.insert(bucket["bucket"].get<std::string>());
    return known;
}

}  // namespace coroner
