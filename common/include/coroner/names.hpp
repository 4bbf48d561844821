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

// What a frame's function is called in coroner's output, whichever debugger named it: no parameters,
// no compiler clone suffix (".cold", ".isra.0", ".part.1", ".constprop.0", Go's ".abi0"), aliases
// resolved by rules/function_aliases.json. Rust names (`rust`, or a legacy symbol's "::h<hash>") lose the
// hash, the mangling escapes and generic arguments, and closures read "{{closure}}".
std::string normalize_function(const std::string& function, bool rust = false);

// A legacy-mangled Rust symbol, demangled: "krate::f::h0123456789abcdef".
bool is_rust_name(const std::string& function);

// "./nptl/./nptl/pthread_kill.c" and "nptl/nptl/pthread_kill.c" are the same file: "." components and
// "dir/.." pairs are removed lexically (GDB keeps them, LLDB does not).
std::string normalize_source_path(const std::string& path);

std::string base_name(const std::string& path);

bool ends_with(const std::string& text, const std::string& tail);

// The mapping containing `address`, if any (mappings sorted by start).
const Mapping* find_mapping(const std::vector<Mapping>& mappings, std::uint64_t address);

// Where a module's file starts in memory: the lowest mapping of that path (its ELF header).
std::optional<std::uint64_t> module_base(const std::vector<Mapping>& mappings, const std::string& path);

}  // namespace coroner
