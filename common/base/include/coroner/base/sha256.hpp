// SHA-256 of a file, for pm-report's supporting information (which core and which program the analysis
// was made from, as `sha256sum` prints it). OpenSSL's libcrypto does the hashing: with the CPU's SHA
// instructions a core of gigabytes hashes in about a second.
#pragma once

#include <atomic>
#include <optional>
#include <string>
#include <string_view>

namespace coroner {

// Lowercase hex, 64 characters.
std::string sha256_hex(std::string_view data);

// The hash of a regular file's contents, or nothing when it cannot be read (or when `stop` became true).
// Without `stop` it asks interrupted() as it goes, which only the thread running the command may do; with
// it, it may run on any thread.
std::optional<std::string> sha256_of_file(const std::string& path, const std::atomic<bool>* stop = nullptr);

}  // namespace coroner
