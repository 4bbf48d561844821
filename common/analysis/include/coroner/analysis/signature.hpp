// A crash signature built from normalized frames, and the bucket (its hash) that deduplicates crashes.
// Versioned: a change to how signatures are built bumps signature_version so buckets re-key on purpose.
#pragma once

#include "coroner/analysis/blame.hpp"
#include "coroner/base/model.hpp"
#include "coroner/core/process_map.hpp"

#include <optional>
#include <string>
#include <vector>

namespace coroner {

// 2: C++ template arguments collapsed ("std::vector<>::at").
inline constexpr const char* signature_version = "coroner.signature/2";
inline constexpr int signature_frames = 5;

// How one frame appears in a signature: its function without parameters or template arguments, or
// module+offset when it has no symbols (never an absolute address, which ASLR changes); a Python frame as
// "script.py:qualname".
std::string signature_frame(const Frame& frame, ProcessMap mappings);

struct Signature {
    std::string text;    // "SIGSEGV null-deref get_total | sum_invoices | main"
    std::string bucket;  // 16 hex digits
};

Signature make_signature(const std::string& signal, const std::string& cause_class, const std::vector<Frame>& frames,
                         std::optional<int> blamed, ProcessMap mappings, const std::vector<SkipRule>& rules);

std::string bucket_of(const std::string& signature_text);

}  // namespace coroner
