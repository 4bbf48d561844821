// The process's address space as the core (or /proc) lists it: lookup by address and by module.
#pragma once

#include "coroner/base/model.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace coroner {

// A view of a process's mappings, sorted by start (as ProcessFacts keeps them, and owns them): cheap to pass
// by value. It cannot be made from a temporary, which would be gone before the lookups.
class ProcessMap {
public:
    ProcessMap() = default;
    ProcessMap(const std::vector<Mapping>& sorted) : mappings_(&sorted) {}  // NOLINT: a view of them
    ProcessMap(std::vector<Mapping>&&) = delete;

    // The mapping containing `address`, if any.
    const Mapping* at(std::uint64_t address) const;
    // The mapping right below `m` (one of this map's), if any.
    const Mapping* below(const Mapping& m) const;
    // Where a module's file starts in memory: the lowest mapping of that path (its ELF header).
    std::optional<std::uint64_t> module_base(const std::string& path) const;
    // The end of a module's highest mapping (0 if it has none).
    std::uint64_t module_end(const std::string& path) const;

    std::vector<Mapping>::const_iterator begin() const { return mappings().begin(); }
    std::vector<Mapping>::const_iterator end() const { return mappings().end(); }
    std::size_t size() const { return mappings().size(); }
    bool empty() const { return mappings().empty(); }

private:
    const std::vector<Mapping>& mappings() const;
    const std::vector<Mapping>* mappings_ = nullptr;
};

}  // namespace coroner
