// A folder's entries, for the walks over folders a user names (cores to triage, programs to match).
#pragma once

#include <string>
#include <vector>

namespace coroner {

// The names in `folder` but "." and "..", sorted (a stable order for output); none if it cannot be read.
std::vector<std::string> sorted_entries(const std::string& folder);

}  // namespace coroner
