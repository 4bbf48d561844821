// Scanning a core file's dumped memory for secrets, read from the file in chunks on every CPU.
#pragma once

#include "coroner/core/elf_core.hpp"
#include "coroner/secrets/secret_scan.hpp"

#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

namespace coroner {

// How far each parallel chunk is scanned past its edges: as long as any rule's match may be (rule files
// may not set a longer max_length), so that a match across an edge is seen whole.
constexpr std::uint64_t chunk_overlap = max_secret_length;

// The hits in the segments `wanted` picks, each once; adds what it scanned to the two counts. Stops with
// the interrupted error when the user asks to.
std::vector<SecretHit> scan_core_segments(const ElfCore& core, const SecretRules& rules,
                                          const std::function<bool(const CoreSegment&)>& wanted,
                                          std::uint64_t& scanned_bytes, std::size_t& segments_scanned);

// The hits within chunk_overlap of each of `changed` ({offset, size} ranges of the file), never past the
// segment holding it: what a copy of a core with those ranges overwritten is checked with, since every byte
// further away is the input's own, already scanned. Ranges outside every segment (the notes) are skipped.
std::vector<SecretHit> scan_core_around(const ElfCore& core, const SecretRules& rules,
                                        const std::vector<std::pair<std::uint64_t, std::uint64_t>>& changed);

}  // namespace coroner
