// Small helpers that keep SPEC's JSON conventions: addresses as hex strings, absent facts as null.
#pragma once

#include "coroner/base/model.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace coroner {

inline std::string hex_address(std::uint64_t a) { return fmt::format("{:#x}", a); }

template <typename T>
nlohmann::ordered_json or_null(const std::optional<T>& v) {
    return v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json(nullptr);
}

inline nlohmann::ordered_json address_or_null(const std::optional<std::uint64_t>& a) {
    return a ? nlohmann::ordered_json(hex_address(*a)) : nlohmann::ordered_json(nullptr);
}

// A frame as SPEC's JSON has it; the function without its parameter list.
nlohmann::ordered_json frame_json(const Frame& frame);

}  // namespace coroner
