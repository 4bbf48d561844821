// The built-in secret rules, with their Vectorscan databases compiled at build time
// (tools/serialize_secret_rules.cpp), or a user's --rules file, compiled when asked for.
#include "coroner/base/rules.hpp"
#include "coroner/secrets/secret_rules.hpp"

#include <sys/stat.h>
#include <mutex>
#include <string>

namespace coroner {

// Generated at build time (see common/CMakeLists.txt).
std::string_view serialized_builtin_secret_databases();

namespace {

// A user's rules file as last compiled, and the file as it was then: compiling takes a few tenths of a
// second, and one command asks for the rules once per core (a folder of cores, a scan then a redaction).
struct CompiledFile {
    std::string path;
    struct timespec modified {};
    off_t size = 0;
    std::shared_ptr<const SecretRules> rules;
};

bool unchanged(const CompiledFile& last, const std::string& path, const struct stat& st) {
    return last.rules && last.path == path && last.size == st.st_size && last.modified.tv_sec == st.st_mtim.tv_sec &&
           last.modified.tv_nsec == st.st_mtim.tv_nsec;
}

std::shared_ptr<const SecretRules> rules_of_file(const std::string& path) {
    static std::mutex guard;
    static CompiledFile last;
    struct stat st {};
    bool known = ::stat(path.c_str(), &st) == 0;
    {
        std::lock_guard<std::mutex> lock(guard);
        if (known && unchanged(last, path, st)) return last.rules;
    }
    auto rules = SecretRules::compile(load_rules_file(path, "coroner.secret-rules/1"), path);
    std::lock_guard<std::mutex> lock(guard);
    if (known) last = {path, st.st_mtim, st.st_size, rules};
    return rules;
}

}  // namespace

std::shared_ptr<const SecretRules> secret_rules(const std::optional<std::string>& rules_file) {
    if (rules_file) return rules_of_file(*rules_file);
    static std::shared_ptr<const SecretRules> builtin;
    static std::once_flag once;
    std::call_once(
        once, [] { builtin = SecretRules::load(builtin_rules("secrets"), serialized_builtin_secret_databases()); });
    return builtin;
}

}  // namespace coroner
