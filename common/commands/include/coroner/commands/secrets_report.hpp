// pm-secrets-scan: the credentials a core holds and where they are, and its text and JSON.
#pragma once

#include "coroner/commands/session.hpp"
#include "coroner/secrets/secret_scan.hpp"

#include <nlohmann/json.hpp>

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace coroner {

enum class RegionKind { heap, stack, data, bss, anon, file };

template <>
struct EnumNames<RegionKind> {
    static constexpr std::pair<RegionKind, const char*> names[] = {
        {RegionKind::heap, "heap"}, {RegionKind::stack, "stack"}, {RegionKind::data, "data"},
        {RegionKind::bss, "bss"},   {RegionKind::anon, "anon"},   {RegionKind::file, "file"},
    };
};
CORONER_ENUM_JSON(RegionKind)

struct MemoryRegion {
    RegionKind kind;
    std::string name;                    // "[heap]", "thread 4242 stack", "prog .data", a file's path
    std::optional<std::int64_t> thread;  // for a stack
};

// What a target address is, by the mappings and the threads' stack pointers.
MemoryRegion region_of(const Session& session, std::uint64_t address);

struct SecretFinding {
    SecretHit hit;
    MemoryRegion region;
    std::optional<std::string> symbol;  // the global variable that covers the address, if one does
};

struct SecretsOptions {
    bool reveal = false;
    std::optional<std::string> rules_file;
    std::optional<std::string> regions;         // comma-separated kinds to scan; all when empty
    std::optional<std::string> min_confidence;  // list only findings this confident or more (high, medium, low)
};

struct SecretsReport {
    std::uint64_t scanned_bytes = 0;
    std::size_t regions_scanned = 0;
    double seconds = 0;
    std::vector<SecretFinding> findings;  // sorted by confidence, then rule, then address
    std::shared_ptr<const SecretRules> rules;
    bool reveal = false;
};

SecretsReport scan_secrets(const Session& session, const SecretsOptions& options);

// The line a command prints for the report (SPEC's coroner.secrets/1) with the keys of `extra` added after its
// own, every string redacted unless `reveal` (as every JSON line is), written straight from the report: the
// thousands of findings of a big core are never a tree of objects, whose allocations cost more than the
// scan's rest.
std::string secrets_json_line(const SecretsReport& report, bool reveal,
                              const nlohmann::ordered_json& extra = nlohmann::ordered_json::object());
// The same line in pieces of about 64 KiB, each handed to `write` as soon as it is made (the last ends the
// line): a reader of the output takes in the first while the rest is made.
void write_secrets_json_line(const SecretsReport& report, bool reveal, const nlohmann::ordered_json& extra,
                             const std::function<void(const std::string&)>& write);
std::string secrets_text(const SecretsReport& report);

}  // namespace coroner
