// Recognising a stored core by its first bytes and unpacking it as a stream: file (or apport's base64
// lines) -> decompressor -> sparse writer. Nothing here needs the uncompressed size in advance (systemd's
// zstd frames often do not carry it).
#include "coroner/core/intake.hpp"

#include "coroner/base/error.hpp"
#include "coroner/base/regular_file.hpp"
#include "sparse_writer.hpp"

#include <fmt/format.h>
#include <lz4frame.h>
#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

#include <sys/stat.h>
#include <unistd.h>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

namespace coroner {
namespace {

constexpr std::size_t chunk_size = 1 << 20;

const std::uint8_t elf_magic[] = {0x7f, 'E', 'L', 'F'};
const std::uint8_t zstd_magic[] = {0x28, 0xb5, 0x2f, 0xfd};
const std::uint8_t lz4_magic[] = {0x04, 0x22, 0x4d, 0x18};
const std::uint8_t xz_magic[] = {0xfd, '7', 'z', 'X', 'Z', 0x00};
const std::uint8_t gzip_magic[] = {0x1f, 0x8b};
const char apport_start[] = "ProblemType:";

template <std::size_t N>
bool starts_with(const std::uint8_t* bytes, std::size_t size, const std::uint8_t (&magic)[N]) {
    return size >= N && std::memcmp(bytes, magic, N) == 0;
}

class Fd {
public:
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd() {
        if (fd_ >= 0) ::close(fd_);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int get() const { return fd_; }

private:
    int fd_;
};

int open_input(const std::string& path) {
    int fd = open_regular_file(path);
    if (fd < 0) {
        if (errno == EINVAL)
            throw UserError(fmt::format("{} is not a regular file", path), "give the path of a core dump");
        throw UserError(fmt::format("cannot read {}: {}", path, std::strerror(errno)),
                        "check that the file exists and is readable");
    }
    return fd;
}

// Reads up to `size` bytes, retrying short reads; 0 at the end of the file.
std::size_t read_some(int fd, std::uint8_t* into, std::size_t size, const std::string& path) {
    std::size_t done = 0;
    while (done < size) {
        ssize_t got = ::read(fd, into + done, size - done);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0)
            throw UserError(fmt::format("cannot read {}: {}", path, std::strerror(errno)),
                            "check that the file is readable");
        if (got == 0) break;
        done += static_cast<std::size_t>(got);
    }
    return done;
}

// One decompressor, fed compressed bytes in pieces; `finish` says whether the stream ended properly.
class Decoder {
public:
    virtual ~Decoder() = default;
    virtual void feed(const std::uint8_t* bytes, std::size_t size, SparseWriter& out) = 0;
    // Throws UserError when the stream stopped before its end.
    virtual void finish(SparseWriter& out) = 0;
};

[[noreturn]] void cut_short(const std::string& what) {
    throw UserError(fmt::format("the {} stream is cut short", what),
                    "the file was not copied whole, or the disk filled while it was written; fetch it again");
}

[[noreturn]] void corrupt_stream(const std::string& what, const std::string& detail) {
    throw UserError(fmt::format("the {} stream is corrupt: {}", what, detail), "fetch the file again");
}

class ZstdDecoder final : public Decoder {
public:
    ZstdDecoder() : stream_(ZSTD_createDStream()) {
        if (!stream_) throw std::bad_alloc();
        ZSTD_initDStream(stream_);
    }
    ~ZstdDecoder() override { ZSTD_freeDStream(stream_); }

    void feed(const std::uint8_t* bytes, std::size_t size, SparseWriter& out) override {
        ZSTD_inBuffer in{bytes, size, 0};
        bool more = true;
        while (more) {
            auto space = out.space();
            ZSTD_outBuffer output{space.bytes, space.size, 0};
            std::size_t hint = ZSTD_decompressStream(stream_, &output, &in);
            if (ZSTD_isError(hint)) corrupt_stream("zstd", ZSTD_getErrorName(hint));
            out.commit(output.pos);
            pending_ = hint != 0;
            // A full output buffer may leave more inside the decoder even when all input is taken.
            more = in.pos < in.size || output.pos == output.size;
        }
    }
    void finish(SparseWriter&) override {
        if (pending_) cut_short("zstd");
    }

private:
    ZSTD_DStream* stream_;
    bool pending_ = true;
};

class Lz4Decoder final : public Decoder {
public:
    Lz4Decoder() {
        if (LZ4F_isError(LZ4F_createDecompressionContext(&context_, LZ4F_VERSION))) throw std::bad_alloc();
    }
    ~Lz4Decoder() override { LZ4F_freeDecompressionContext(context_); }

    void feed(const std::uint8_t* bytes, std::size_t size, SparseWriter& out) override {
        while (true) {
            auto space = out.space();
            std::size_t out_size = space.size, in_size = size;
            std::size_t hint = LZ4F_decompress(context_, space.bytes, &out_size, bytes, &in_size, nullptr);
            if (LZ4F_isError(hint)) corrupt_stream("lz4", LZ4F_getErrorName(hint));
            out.commit(out_size);
            bytes += in_size;
            size -= in_size;
            pending_ = hint != 0;
            if (size == 0 && out_size < space.size) break;
        }
    }
    void finish(SparseWriter&) override {
        if (pending_) cut_short("lz4");
    }

private:
    LZ4F_dctx* context_ = nullptr;
    bool pending_ = true;
};

class XzDecoder final : public Decoder {
public:
    XzDecoder() {
        if (lzma_stream_decoder(&stream_, UINT64_MAX, LZMA_CONCATENATED) != LZMA_OK) throw std::bad_alloc();
    }
    ~XzDecoder() override { lzma_end(&stream_); }

    void feed(const std::uint8_t* bytes, std::size_t size, SparseWriter& out) override {
        stream_.next_in = bytes;
        stream_.avail_in = size;
        run(LZMA_RUN, out);
    }
    void finish(SparseWriter& out) override {
        stream_.next_in = nullptr;
        stream_.avail_in = 0;
        if (run(LZMA_FINISH, out) != LZMA_STREAM_END) cut_short("xz");
    }

private:
    lzma_ret run(lzma_action action, SparseWriter& out) {
        while (true) {
            auto space = out.space();
            stream_.next_out = space.bytes;
            stream_.avail_out = space.size;
            lzma_ret status = lzma_code(&stream_, action);
            bool full = stream_.avail_out == 0;
            out.commit(space.size - stream_.avail_out);
            if (status == LZMA_STREAM_END) return status;
            if (status == LZMA_BUF_ERROR && action == LZMA_FINISH) cut_short("xz");
            if (status != LZMA_OK) corrupt_stream("xz", fmt::format("liblzma error {}", static_cast<int>(status)));
            if (stream_.avail_in == 0 && !full && action == LZMA_RUN) return status;
        }
    }

    lzma_stream stream_ = LZMA_STREAM_INIT;
};

// gzip, or a bare zlib stream (apport's older reports): zlib tells them apart by their header.
class ZlibDecoder final : public Decoder {
public:
    ZlibDecoder() {
        if (inflateInit2(&stream_, 32 + MAX_WBITS) != Z_OK) throw std::bad_alloc();
    }
    ~ZlibDecoder() override { inflateEnd(&stream_); }

    void feed(const std::uint8_t* bytes, std::size_t size, SparseWriter& out) override {
        stream_.next_in = const_cast<Bytef*>(bytes);
        stream_.avail_in = static_cast<uInt>(size);
        bool full = true;
        while (stream_.avail_in > 0 || full) {
            if (ended_) {
                if (stream_.avail_in == 0) break;
                // Another gzip member after the first (what `cat a.gz b.gz` makes).
                inflateReset(&stream_);
                ended_ = false;
            }
            auto space = out.space();
            stream_.next_out = space.bytes;
            stream_.avail_out = static_cast<uInt>(space.size);
            int status = inflate(&stream_, Z_NO_FLUSH);
            full = stream_.avail_out == 0;
            out.commit(space.size - stream_.avail_out);
            if (status == Z_STREAM_END) {
                ended_ = true;
                continue;
            }
            if (status == Z_BUF_ERROR) break;
            if (status != Z_OK) corrupt_stream("gzip", stream_.msg ? stream_.msg : "inflate failed");
        }
    }
    void finish(SparseWriter&) override {
        if (!ended_) cut_short("gzip");
    }

private:
    z_stream stream_{};
    bool ended_ = false;
};

std::unique_ptr<Decoder> decoder_for(StoredFormat format) {
    switch (format) {
    case StoredFormat::zstd: return std::make_unique<ZstdDecoder>();
    case StoredFormat::lz4: return std::make_unique<Lz4Decoder>();
    case StoredFormat::xz: return std::make_unique<XzDecoder>();
    case StoredFormat::gzip: return std::make_unique<ZlibDecoder>();
    default: return nullptr;
    }
}

// The compression of apport's first decoded block: zstd by its magic, else gzip or zlib.
StoredFormat apport_compression(const std::vector<std::uint8_t>& block) {
    if (starts_with(block.data(), block.size(), zstd_magic)) return StoredFormat::zstd;
    return StoredFormat::gzip;
}

int base64_value(std::uint8_t c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

// Decodes one base64 line (apport encodes each compressed block on its own line, padded). Returns false
// on a character that is not base64.
bool decode_base64(const char* text, std::size_t size, std::vector<std::uint8_t>& out) {
    out.clear();
    std::uint32_t bits = 0;
    int count = 0;
    for (std::size_t i = 0; i < size; ++i) {
        auto c = static_cast<std::uint8_t>(text[i]);
        if (c == '=' || c == '\n' || c == '\r' || c == ' ') continue;
        int value = base64_value(c);
        if (value < 0) return false;
        bits = (bits << 6) | static_cast<std::uint32_t>(value);
        if (++count == 4) {
            out.push_back(static_cast<std::uint8_t>(bits >> 16));
            out.push_back(static_cast<std::uint8_t>(bits >> 8));
            out.push_back(static_cast<std::uint8_t>(bits));
            bits = 0;
            count = 0;
        }
    }
    if (count == 3) {
        out.push_back(static_cast<std::uint8_t>(bits >> 10));
        out.push_back(static_cast<std::uint8_t>(bits >> 2));
    } else if (count == 2) {
        out.push_back(static_cast<std::uint8_t>(bits >> 4));
    }
    return count != 1;
}

struct LineReader {
    explicit LineReader(int fd) : file(::fdopen(fd, "rb")) {}
    ~LineReader() {
        std::free(line);
        if (file) std::fclose(file);
    }
    // The next line without its newline, or false at the end.
    bool next(std::size_t& size) {
        ssize_t got = ::getline(&line, &capacity, file);
        if (got < 0) return false;
        size = static_cast<std::size_t>(got);
        if (size > 0 && line[size - 1] == '\n') line[--size] = '\0';
        return true;
    }
    FILE* file;
    char* line = nullptr;
    std::size_t capacity = 0;
};

// Streams the `CoreDump: base64` field of an apport report through its decompressor.
std::string unpack_apport(const std::string& path, int in_fd, SparseWriter& out, const StepCheck& check) {
    int fd = ::dup(in_fd);
    LineReader reader(fd);
    if (!reader.file) {
        ::close(fd);
        throw UserError(fmt::format("cannot read {}: {}", path, std::strerror(errno)), "check the file");
    }
    bool in_core = false, seen_core = false;
    std::unique_ptr<Decoder> decoder;
    std::string compression;
    std::vector<std::uint8_t> block;
    std::size_t size = 0, lines = 0;
    while (reader.next(size)) {
        const char* line = reader.line;
        if (line[0] != ' ') {
            if (in_core) break;  // the field ended
            in_core = std::strncmp(line, "CoreDump:", 9) == 0;
            if (in_core) {
                std::string value(line + 9, size - 9);
                if (value.find("base64") == std::string::npos)
                    throw UserError(fmt::format("{}: apport's CoreDump field is not base64", path),
                                    "give the report as apport wrote it");
                seen_core = true;
            }
            continue;
        }
        if (!in_core) continue;
        if (!decode_base64(line + 1, size - 1, block))
            corrupt_stream("apport base64", fmt::format("line {} of the CoreDump field is not base64", lines + 1));
        if (!decoder) {
            StoredFormat kind = apport_compression(block);
            compression = kind == StoredFormat::zstd ? "zstd" : "gzip";
            decoder = decoder_for(kind);
        }
        decoder->feed(block.data(), block.size(), out);
        if (++lines % 16 == 0 && check) check();
    }
    if (!seen_core)
        throw UserError(fmt::format("{} is an apport report without a core dump (no CoreDump field)", path),
                        "apport leaves the core out when it is too large or the crash was not a signal; "
                        "enable cores for the program and reproduce the crash");
    if (!decoder) cut_short("apport CoreDump");
    decoder->finish(out);
    return "apport-" + compression;
}

void unpack_compressed(int in_fd, const std::string& path, Decoder& decoder, SparseWriter& out,
                       const StepCheck& check) {
    std::vector<std::uint8_t> input(chunk_size);
    while (std::size_t got = read_some(in_fd, input.data(), input.size(), path)) {
        decoder.feed(input.data(), got, out);
        if (check) check();
    }
    decoder.finish(out);
}

void copy_plain(int in_fd, const std::string& path, SparseWriter& out, const StepCheck& check) {
    std::vector<std::uint8_t> input(chunk_size);
    while (std::size_t got = read_some(in_fd, input.data(), input.size(), path)) {
        out.write(input.data(), got);
        if (check) check();
    }
}

}  // namespace

const char* stored_format_name(StoredFormat format) {
    switch (format) {
    case StoredFormat::elf: return "elf";
    case StoredFormat::zstd: return "zstd";
    case StoredFormat::lz4: return "lz4";
    case StoredFormat::xz: return "xz";
    case StoredFormat::gzip: return "gzip";
    case StoredFormat::apport: return "apport";
    }
    return "unknown";
}

StoredFormat detect_stored_format(const std::string& path) {
    Fd fd(open_input(path));
    std::array<std::uint8_t, 64> head{};
    std::size_t size = read_some(fd.get(), head.data(), head.size(), path);
    const std::uint8_t* bytes = head.data();
    if (size == 0)
        throw UserError(fmt::format("{} is empty", path),
                        "the crash left no core: check ulimit -c and the core-dump settings, see docs/field-cores.md");
    if (starts_with(bytes, size, elf_magic)) {
        // e_type (ET_CORE = 4) at byte 16, in either byte order.
        if (size >= 18 && (bytes[16] == 4 || bytes[17] == 4) && bytes[16] + bytes[17] == 4) return StoredFormat::elf;
        throw UserError(fmt::format("{} is an ELF file but not a core dump", path),
                        "give the core the crash left, not a program or library");
    }
    if (starts_with(bytes, size, zstd_magic)) return StoredFormat::zstd;
    if (starts_with(bytes, size, lz4_magic)) return StoredFormat::lz4;
    if (starts_with(bytes, size, xz_magic)) return StoredFormat::xz;
    if (starts_with(bytes, size, gzip_magic)) return StoredFormat::gzip;
    if (size >= sizeof apport_start - 1 && std::memcmp(bytes, apport_start, sizeof apport_start - 1) == 0)
        return StoredFormat::apport;
    throw UserError(fmt::format("{} is not a core dump (neither an ELF core, zstd, lz4, xz or gzip, nor an apport "
                                "report)",
                                path),
                    "give a core file, a compressed core or an apport .crash file");
}

std::string unpack_stored_core(const std::string& path, int out_fd, const StepCheck& check) {
    StoredFormat format = detect_stored_format(path);
    Fd in(open_input(path));
    SparseWriter out(out_fd);
    std::string detail = stored_format_name(format);
    try {
        if (format == StoredFormat::elf) {
            copy_plain(in.get(), path, out, check);
        } else if (format == StoredFormat::apport) {
            detail = unpack_apport(path, in.get(), out, check);
        } else {
            auto decoder = decoder_for(format);
            unpack_compressed(in.get(), path, *decoder, out, check);
        }
    } catch (const UserError& error) {
        std::string what = error.what();
        if (what.compare(0, path.size(), path) == 0) throw;
        throw UserError(fmt::format("{}: {}", path, what), error.remedy());
    }
    out.finish();
    const auto& head = out.head();
    bool elf_core = head.size() >= 18 && std::memcmp(head.data(), elf_magic, 4) == 0 && head[16] + head[17] == 4 &&
                    (head[16] == 4 || head[17] == 4);
    if (!elf_core)
        throw UserError(
            fmt::format("{} holds a {} stream, but not of an ELF core ({} bytes unpacked)", path, detail, out.size()),
            "give a compressed core dump");
    return detail;
}

}  // namespace coroner
