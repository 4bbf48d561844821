#include "coroner/base/sha256.hpp"

#include "coroner/base/interrupt.hpp"
#include "coroner/base/regular_file.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <unistd.h>
#include <cerrno>
#include <memory>
#include <vector>

namespace coroner {
namespace {

struct ContextFree {
    void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};
using Context = std::unique_ptr<EVP_MD_CTX, ContextFree>;

Context started() {
    Context context(EVP_MD_CTX_new());
    if (!context || EVP_DigestInit_ex(context.get(), EVP_sha256(), nullptr) != 1)
        throw std::runtime_error("libcrypto cannot start a SHA-256");
    return context;
}

std::string finished(EVP_MD_CTX* context) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    EVP_DigestFinal_ex(context, digest, &size);
    std::string out;
    for (unsigned int i = 0; i < size; ++i) out += fmt::format("{:02x}", digest[i]);
    return out;
}

}  // namespace

std::string sha256_hex(std::string_view data) {
    Context context = started();
    EVP_DigestUpdate(context.get(), data.data(), data.size());
    return finished(context.get());
}

std::optional<std::string> sha256_of_file(const std::string& path, const std::atomic<bool>* stop) {
    int fd = open_regular_file(path);
    if (fd < 0) return std::nullopt;
    Context context = started();
    std::vector<unsigned char> chunk(4 << 20);
    for (;;) {
        ssize_t got = ::read(fd, chunk.data(), chunk.size());
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) {
            ::close(fd);
            if (got < 0) return std::nullopt;
            break;
        }
        EVP_DigestUpdate(context.get(), chunk.data(), static_cast<std::size_t>(got));
        if (stop && stop->load()) {
            ::close(fd);
            return std::nullopt;
        }
        if (!stop && interrupted()) {
            ::close(fd);
            throw_interrupted();
        }
    }
    return finished(context.get());
}

}  // namespace coroner
