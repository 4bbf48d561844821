// The process's address space as the core (or /proc) lists it: lookup by address and by module.
#pragma once

#include "coroner/base/model.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace coroner {

// The mapping containing `address`, if any (mappings sorted by start).
const Mapping* find_mapping(const std::vector<Mapping>& mappings, std::uint64_t address);

// Where a module's file starts in memory: the lowest mapping of that path (its ELF header).
std::optional<std::uint64_t> module_base(const std::vector<Mapping>& mappings, const std::string& path);

}  // namespace coroner
