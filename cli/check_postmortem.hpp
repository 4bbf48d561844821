// `coroner check-postmortem FILE.md`: an edited post-mortem write-up checked before it is published.
#pragma once

#include <string>

namespace coroner::cli {

// Prints the findings (text or coroner.postmortem-check/1 JSON); returns 0 when there are none, 1 when
// there are. A file that cannot be read is a UsageError.
int run_check_postmortem(const std::string& path, bool json);

}  // namespace coroner::cli
