#include "coroner/base/sha256.hpp"

#include "coroner/base/interrupt.hpp"
#include "coroner/base/regular_file.hpp"
#include "coroner/base/shared_library.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <unistd.h>
#include <cerrno>
#include <memory>
#include <optional>
#include <stdexcept>
#include <vector>

namespace coroner {
namespace {

// The functions of libcrypto used here, from the library opened on the first hash (base/shared_library.hpp);
// CORONER_LIBCRYPTO_SONAME is the soname of the libcrypto the build compiled against.
struct Crypto {
    decltype(&EVP_MD_CTX_new) context_new;
    decltype(&EVP_MD_CTX_free) context_free;
    decltype(&EVP_sha256) sha256;
    decltype(&EVP_DigestInit_ex) init;
    decltype(&EVP_DigestUpdate) update;
    decltype(&EVP_DigestFinal_ex) final;
};

const Crypto& crypto() {
    static std::string why;  // the loader's reason, where it cannot open the library
    static const std::optional<Crypto> functions = []() -> std::optional<Crypto> {
        void* library = open_shared_library(CORONER_LIBCRYPTO_SONAME, &why);
        Crypto c{};
        if (library && find_function(library, "EVP_MD_CTX_new", c.context_new) &&
            find_function(library, "EVP_MD_CTX_free", c.context_free) &&
            find_function(library, "EVP_sha256", c.sha256) && find_function(library, "EVP_DigestInit_ex", c.init) &&
            find_function(library, "EVP_DigestUpdate", c.update) &&
            find_function(library, "EVP_DigestFinal_ex", c.final))
            return c;
        return std::nullopt;
    }();
    if (!functions)
        throw std::runtime_error(fmt::format("SHA-256 needs {}, which cannot be loaded{}", CORONER_LIBCRYPTO_SONAME,
                                             why.empty() ? "" : ": " + why));
    return *functions;
}

struct ContextFree {
    void operator()(EVP_MD_CTX* context) const { crypto().context_free(context); }
};
using Context = std::unique_ptr<EVP_MD_CTX, ContextFree>;

Context started() {
    const Crypto& c = crypto();
    Context context(c.context_new());
    if (!context || c.init(context.get(), c.sha256(), nullptr) != 1)
        throw std::runtime_error("libcrypto cannot start a SHA-256");
    return context;
}

std::string finished(EVP_MD_CTX* context) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    crypto().final(context, digest, &size);
    std::string out;
    for (unsigned int i = 0; i < size; ++i) out += fmt::format("{:02x}", digest[i]);
    return out;
}

}  // namespace

std::string sha256_hex(std::string_view data) {
    Context context = started();
    crypto().update(context.get(), data.data(), data.size());
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
        crypto().update(context.get(), chunk.data(), static_cast<std::size_t>(got));
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
