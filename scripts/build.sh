#!/usr/bin/env bash
# Configures and builds everything (libcoroner, the GDB module, the LLDB plugins, the crash lab and its
# cores, the tests)
# into BUILD_DIR (default: build/ in the checkout).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BUILD_DIR:-$root/build}
# The plugin is built for Debian's LLDB 14 and for an unpacked LLDB 19 (see fetch-lldb19.sh).
lldb19=$(bash "$root/scripts/fetch-lldb19.sh")
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCORONER_EXTRA_LLDB_ROOTS="$lldb19" >/dev/null
cmake --build "$build" -j"$(nproc)"
