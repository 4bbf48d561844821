// The built-in secret rules, with their Vectorscan databases compiled at build time
// (tools/serialize_secret_rules.cpp), or a user's --rules file, compiled when asked for.
#include "coroner/base/rules.hpp"
#include "coroner/secrets/secret_rules.hpp"

#include <mutex>

namespace coroner {

// Generated at build time (see common/CMakeLists.txt).
std::string_view serialized_builtin_secret_databases();

std::shared_ptr<const SecretRules> secret_rules(const std::optional<std::string>& rules_file) {
    if (rules_file) return SecretRules::compile(load_rules_file(*rules_file, "coroner.secret-rules/1"), *rules_file);
    static std::shared_ptr<const SecretRules> builtin;
    static std::once_flag once;
    std::call_once(
        once, [] { builtin = SecretRules::load(builtin_rules("secrets"), serialized_builtin_secret_databases()); });
    return builtin;
}

}  // namespace coroner
