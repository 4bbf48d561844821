// SHA-256 of a file, for pm-report's supporting information (which core and which program the analysis
// was made from, as `sha256sum` prints it). OpenSSL's libcrypto does the hashing: with the CPU's SHA
// instructions a core of gigabytes hashes in about a second.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace coroner {

// Lowercase hex, 64 characters.
std::string sha256_hex(std::string_view data);

// The hash of a regular file's contents, or nothing when it cannot be read. Asks interrupted() as it goes.
std::optional<std::string> sha256_of_file(const std::string& path);

}  // namespace coroner
