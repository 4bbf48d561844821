// A copy of a file with some of its bytes replaced, written so that the replaced bytes never reach the copy:
// what a redacted core is written with. A copy that first held the secrets and was overwritten afterwards
// could keep them on disk after a power loss, whatever order the disk wrote its blocks in; this one never
// holds them, so it needs no fsync to be safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace coroner {

struct FilePatch {
    std::uint64_t offset = 0;  // in the file
    std::string bytes;         // written there instead of the file's own
};

// Copies the regular file `from` into `to` (an empty file; the same size afterwards) with every patch
// applied. Holes of the source stay holes; runs of data with no patch are copied by the kernel
// (copy_file_range: no byte passes through this process); each run of 4 KiB blocks holding patches is read,
// patched and written once. Patches may straddle blocks, touch or overlap (where two overlap, the one that
// starts later wins; at the same offset, the later in the list); bytes past the end of the file are dropped.
// Asks interrupted() between steps.
void copy_file_patched(const std::string& from, int to, std::vector<FilePatch> patches);

}  // namespace coroner
