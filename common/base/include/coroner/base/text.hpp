// Small string helpers every layer uses.
#pragma once

#include <string>

namespace coroner {

// "/usr/lib/libc.so.6" -> "libc.so.6".
std::string base_name(const std::string& path);

bool ends_with(const std::string& text, const std::string& tail);

}  // namespace coroner
