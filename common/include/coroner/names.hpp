// Normalizing what debuggers call things, so GDB and LLDB (and two builds) produce the same text.
#pragma once

#include "coroner/model.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace coroner {

// "ns::Foo::bar(int) const" -> "ns::Foo::bar"; "main" -> "main". Keeps "operator()" intact.
std::string strip_parameters(const std::string& function);

std::string base_name(const std::string& path);

// The mapping containing `address`, if any (mappings sorted by start).
const Mapping* find_mapping(const std::vector<Mapping>& mappings, std::uint64_t address);

// Where a module's file starts in memory: the lowest mapping of that path (its ELF header).
std::optional<std::uint64_t> module_base(const std::vector<Mapping>& mappings, const std::string& path);

}  // namespace coroner
