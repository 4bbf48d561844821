// Enums inside the program, strings only at the edge: each enum has one table of its names (an
// `EnumNames` specialisation next to the enum), read by rendering (to_string) and by rule loading
// (from_string; an unknown name in a rule file is that file's error, see RuleFields::choice).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace coroner {

// Specialise with `static constexpr std::pair<E, const char*> names[] = {{E::a, "a"}, ...};`.
template <class E>
struct EnumNames;

template <class E, class = std::enable_if_t<std::is_enum_v<E>>>
std::string to_string(E value) {
    for (const auto& [v, name] : EnumNames<E>::names)
        if (v == value) return name;
    return "?";  // unreachable while every enumerator has its row
}

template <class E>
std::optional<E> from_string(std::string_view text) {
    for (const auto& [v, name] : EnumNames<E>::names)
        if (text == name) return v;
    return std::nullopt;
}

// "skip, entry or keep": the names, for messages.
template <class E>
std::string enum_choices() {
    std::string out;
    const auto& names = EnumNames<E>::names;
    std::size_t count = std::size(names);
    for (std::size_t i = 0; i < count; i++)
        out += (i == 0 ? "" : i + 1 == count ? " or " : ", ") + std::string(names[i].second);
    return out;
}

// After an enum's EnumNames: nlohmann::json writes it by its name (by default it would write a number).
#define CORONER_ENUM_JSON(E)                \
    template <class Json>                   \
    void to_json(Json& json, E value) {     \
        json = ::coroner::to_string(value); \
    }

}  // namespace coroner
