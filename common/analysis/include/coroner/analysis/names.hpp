// Normalizing what debuggers call things, so GDB and LLDB (and two builds) produce the same text.
#pragma once

#include <string>

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

}  // namespace coroner
