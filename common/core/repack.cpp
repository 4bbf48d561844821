// Compressing a plain core again, as a stream (a core of gigabytes is never held whole): file -> encoder ->
// the output file, or apport's base64 lines. The counterpart of intake_stream.cpp.
#include "coroner/core/repack.hpp"

#include "coroner/base/error.hpp"
#include "coroner/base/regular_file.hpp"

#include <fmt/format.h>
#include <lz4frame.h>
#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

#include <fcntl.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <new>
#include <vector>

namespace coroner {
namespace {

constexpr std::size_t repack_block = 1 << 20;
// What systemd-coredump and apport use by default, or near it where the default is much slower.
constexpr int zstd_level = 3, gzip_level = 6;
constexpr std::uint32_t xz_preset = 2;

using Sink = std::function<void(const std::uint8_t*, std::size_t)>;

[[noreturn]] void cannot_compress(const char* what, const std::string& detail) {
    throw UserError(fmt::format("cannot compress the copy as {}: {}", what, detail), "check the free memory");
}

class CoreEncoder {
public:
    virtual ~CoreEncoder() = default;
    virtual void feed(const std::uint8_t* bytes, std::size_t size, const Sink& out) = 0;
    virtual void finish(const Sink& out) = 0;
};

class ZstdEncoder final : public CoreEncoder {
public:
    ZstdEncoder() : context_(ZSTD_createCCtx()), buffer_(ZSTD_CStreamOutSize()) {
        if (!context_) throw std::bad_alloc();
        ZSTD_CCtx_setParameter(context_, ZSTD_c_compressionLevel, zstd_level);
        ZSTD_CCtx_setParameter(context_, ZSTD_c_checksumFlag, 1);
    }
    ~ZstdEncoder() override { ZSTD_freeCCtx(context_); }
    void feed(const std::uint8_t* bytes, std::size_t size, const Sink& out) override {
        ZSTD_inBuffer in{bytes, size, 0};
        while (in.pos < in.size) run(in, ZSTD_e_continue, out);
    }
    void finish(const Sink& out) override {
        ZSTD_inBuffer in{nullptr, 0, 0};
        while (run(in, ZSTD_e_end, out) != 0) {}
    }

private:
    std::size_t run(ZSTD_inBuffer& in, ZSTD_EndDirective mode, const Sink& out) {
        ZSTD_outBuffer output{buffer_.data(), buffer_.size(), 0};
        std::size_t left = ZSTD_compressStream2(context_, &output, &in, mode);
        if (ZSTD_isError(left)) cannot_compress("zstd", ZSTD_getErrorName(left));
        out(buffer_.data(), output.pos);
        return left;
    }
    ZSTD_CCtx* context_;
    std::vector<std::uint8_t> buffer_;
};

class Lz4Encoder final : public CoreEncoder {
public:
    Lz4Encoder() : buffer_(LZ4F_compressBound(repack_block, nullptr) + LZ4F_HEADER_SIZE_MAX) {
        if (LZ4F_isError(LZ4F_createCompressionContext(&context_, LZ4F_VERSION))) throw std::bad_alloc();
    }
    ~Lz4Encoder() override { LZ4F_freeCompressionContext(context_); }
    void feed(const std::uint8_t* bytes, std::size_t size, const Sink& out) override {
        if (!begun_) {
            emit(LZ4F_compressBegin(context_, buffer_.data(), buffer_.size(), nullptr), out);
            begun_ = true;
        }
        for (std::size_t done = 0; done < size;) {
            std::size_t part = std::min(size - done, repack_block);
            emit(LZ4F_compressUpdate(context_, buffer_.data(), buffer_.size(), bytes + done, part, nullptr), out);
            done += part;
        }
    }
    void finish(const Sink& out) override {
        if (!begun_) feed(nullptr, 0, out);
        emit(LZ4F_compressEnd(context_, buffer_.data(), buffer_.size(), nullptr), out);
    }

private:
    void emit(std::size_t written, const Sink& out) {
        if (LZ4F_isError(written)) cannot_compress("lz4", LZ4F_getErrorName(written));
        out(buffer_.data(), written);
    }
    LZ4F_cctx* context_ = nullptr;
    std::vector<std::uint8_t> buffer_;
    bool begun_ = false;
};

class XzEncoder final : public CoreEncoder {
public:
    XzEncoder() : buffer_(repack_block) {
        if (lzma_easy_encoder(&stream_, xz_preset, LZMA_CHECK_CRC64) != LZMA_OK) throw std::bad_alloc();
    }
    ~XzEncoder() override { lzma_end(&stream_); }
    void feed(const std::uint8_t* bytes, std::size_t size, const Sink& out) override {
        stream_.next_in = bytes;
        stream_.avail_in = size;
        while (stream_.avail_in > 0) run(LZMA_RUN, out);
    }
    void finish(const Sink& out) override {
        while (run(LZMA_FINISH, out) != LZMA_STREAM_END) {}
    }

private:
    lzma_ret run(lzma_action action, const Sink& out) {
        stream_.next_out = buffer_.data();
        stream_.avail_out = buffer_.size();
        lzma_ret status = lzma_code(&stream_, action);
        if (status != LZMA_OK && status != LZMA_STREAM_END)
            cannot_compress("xz", fmt::format("liblzma error {}", static_cast<int>(status)));
        out(buffer_.data(), buffer_.size() - stream_.avail_out);
        return status;
    }
    lzma_stream stream_ = LZMA_STREAM_INIT;
    std::vector<std::uint8_t> buffer_;
};

// gzip, with the header zlib writes (no name, no time): what `gunzip` and apport's reader take.
class GzipEncoder final : public CoreEncoder {
public:
    GzipEncoder() : buffer_(repack_block) {
        if (deflateInit2(&stream_, gzip_level, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
            throw std::bad_alloc();
    }
    ~GzipEncoder() override { deflateEnd(&stream_); }
    void feed(const std::uint8_t* bytes, std::size_t size, const Sink& out) override {
        stream_.next_in = const_cast<Bytef*>(bytes);
        stream_.avail_in = static_cast<uInt>(size);
        while (stream_.avail_in > 0) run(Z_NO_FLUSH, out);
    }
    void finish(const Sink& out) override {
        while (run(Z_FINISH, out) != Z_STREAM_END) {}
    }

private:
    int run(int flush, const Sink& out) {
        stream_.next_out = buffer_.data();
        stream_.avail_out = static_cast<uInt>(buffer_.size());
        int status = deflate(&stream_, flush);
        if (status == Z_STREAM_ERROR) cannot_compress("gzip", "deflate failed");
        out(buffer_.data(), buffer_.size() - stream_.avail_out);
        return status;
    }
    z_stream stream_{};
    std::vector<std::uint8_t> buffer_;
};

std::unique_ptr<CoreEncoder> encoder_for(StoredFormat format) {
    switch (format) {
    case StoredFormat::zstd: return std::make_unique<ZstdEncoder>();
    case StoredFormat::lz4: return std::make_unique<Lz4Encoder>();
    case StoredFormat::xz: return std::make_unique<XzEncoder>();
    case StoredFormat::gzip: return std::make_unique<GzipEncoder>();
    default: throw std::logic_error("no encoder for a plain core");
    }
}

void write_out(int fd, const void* bytes, std::size_t size) {
    const auto* at = static_cast<const std::uint8_t*>(bytes);
    for (std::size_t done = 0; done < size;) {
        ssize_t wrote = ::write(fd, at + done, size - done);
        if (wrote < 0 && errno == EINTR) continue;
        if (wrote <= 0)
            throw UserError(fmt::format("cannot write the copy: {}", std::strerror(errno)),
                            "check the free space and the folder");
        done += static_cast<std::size_t>(wrote);
    }
}

// The plain core through `encoder` into `out`, a block at a time (holes read as zeros, which cost the
// encoders next to nothing).
void encode_file(const std::string& plain_core, CoreEncoder& encoder, const Sink& out, const StepCheck& check) {
    int fd = open_regular_file(plain_core);
    if (fd < 0)
        throw UserError(fmt::format("cannot read {}: {}", plain_core, std::strerror(errno)), "check the folder");
    std::vector<std::uint8_t> block(repack_block);
    try {
        while (true) {
            ssize_t got = ::read(fd, block.data(), block.size());
            if (got < 0 && errno == EINTR) continue;
            if (got < 0)
                throw UserError(fmt::format("cannot read {}: {}", plain_core, std::strerror(errno)), "check the disk");
            if (got == 0) break;
            encoder.feed(block.data(), static_cast<std::size_t>(got), out);
            if (check) check();
        }
        encoder.finish(out);
    } catch (...) {
        ::close(fd);
        throw;
    }
    ::close(fd);
}

std::string base64_line(const std::uint8_t* bytes, std::size_t size) {
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string line = " ";
    line.reserve(2 + (size + 2) / 3 * 4);
    for (std::size_t i = 0; i < size; i += 3) {
        std::uint32_t bits = static_cast<std::uint32_t>(bytes[i]) << 16;
        if (i + 1 < size) bits |= static_cast<std::uint32_t>(bytes[i + 1]) << 8;
        if (i + 2 < size) bits |= bytes[i + 2];
        line += alphabet[(bits >> 18) & 63];
        line += alphabet[(bits >> 12) & 63];
        line += i + 1 < size ? alphabet[(bits >> 6) & 63] : '=';
        line += i + 2 < size ? alphabet[bits & 63] : '=';
    }
    return line + "\n";
}

// The report's lines, each with its newline; a read error is the user's to hear of.
class ReportLines {
public:
    explicit ReportLines(const std::string& path) : path_(path), file_(std::fopen(path.c_str(), "rb")) {
        if (!file_) throw UserError(fmt::format("cannot read {}: {}", path, std::strerror(errno)), "check the file");
    }
    ~ReportLines() {
        std::free(line_);
        std::fclose(file_);
    }
    ReportLines(const ReportLines&) = delete;
    ReportLines& operator=(const ReportLines&) = delete;
    bool next(std::string& line) {
        ssize_t got = ::getline(&line_, &capacity_, file_);
        if (got < 0) {
            if (std::ferror(file_))
                throw UserError(fmt::format("cannot read {}: {}", path_, std::strerror(errno)), "check the disk");
            return false;
        }
        line.assign(line_, static_cast<std::size_t>(got));
        return true;
    }

private:
    std::string path_;
    FILE* file_;
    char* line_ = nullptr;
    std::size_t capacity_ = 0;
};

}  // namespace

void pack_core(const std::string& plain_core, StoredFormat format, int out_fd, const StepCheck& check) {
    auto encoder = encoder_for(format);
    encode_file(
        plain_core, *encoder, [out_fd](const std::uint8_t* bytes, std::size_t size) { write_out(out_fd, bytes, size); },
        check);
}

void repack_apport_report(const std::string& report, const std::string& plain_core, StoredFormat compression,
                          int out_fd, const EditLine& edit_line, const StepCheck& check) {
    ReportLines lines(report);
    auto continues = [](const std::string& line) { return !line.empty() && line[0] == ' '; };
    std::string line;
    bool more = lines.next(line);
    while (more) {  // a field: its first line, then the lines that start with a space
        if (line.rfind("CoreDump:", 0) == 0) {
            write_out(out_fd, "CoreDump: base64\n", 17);
            auto encoder = encoder_for(compression);
            // A line per block the encoder gives, as apport writes them; its reader decodes line by line.
            encode_file(
                plain_core, *encoder,
                [out_fd](const std::uint8_t* bytes, std::size_t size) {
                    if (size == 0) return;
                    std::string text = base64_line(bytes, size);
                    write_out(out_fd, text.data(), text.size());
                },
                check);
            while ((more = lines.next(line)) && continues(line)) {  // the old core's lines
            }
            continue;
        }
        std::string::size_type colon = line.find(':');
        bool base64 = colon != std::string::npos && line.compare(colon, 8, ": base64") == 0;
        do {
            std::string kept = base64 ? line : edit_line(line);
            write_out(out_fd, kept.data(), kept.size());
        } while ((more = lines.next(line)) && continues(line));
    }
}

void copy_coredump_xattrs(const std::string& from, int to_fd, const EditLine& edit_line) {
    std::vector<char> names(64 << 10);
    ssize_t size = ::listxattr(from.c_str(), names.data(), names.size());
    for (ssize_t at = 0; size > 0 && at < size; at += static_cast<ssize_t>(std::strlen(names.data() + at)) + 1) {
        const char* name = names.data() + at;
        if (std::strncmp(name, "user.coredump.", 14) != 0) continue;
        std::vector<char> value(64 << 10);
        ssize_t length = ::getxattr(from.c_str(), name, value.data(), value.size());
        if (length < 0) continue;
        std::string kept = edit_line(std::string(value.data(), static_cast<std::size_t>(length)));
        ::fsetxattr(to_fd, name, kept.data(), kept.size(), 0);
    }
}

}  // namespace coroner
