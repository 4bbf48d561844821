#!/usr/bin/env bash
# Unpacks Debian's LLDB 19 (SDK and debugger) into a private folder, beside Debian's default LLDB 14.
# The two cannot be installed together (python3-lldb-19 replaces python3-lldb-14, which lldb-14 needs),
# so LLDB 19 is fetched with `apt-get download` and unpacked with `dpkg -x`; nothing is installed.
# Prints the LLVM root to build against (…/usr/lib/llvm-19). Idempotent.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dest=${CORONER_LLDB19_DIR:-$root/.deps/lldb-19}
llvm=$dest/usr/lib/llvm-19
if [ ! -x "$llvm/bin/lldb-with-libs" ]; then
  packages=(lldb-19 liblldb-19 liblldb-19-dev libllvm19 libclang-cpp19)
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  if ! (cd "$work" && apt-get download "${packages[@]}" >/dev/null 2>&1); then
    apt-get update -qq >/dev/null
    (cd "$work" && apt-get download "${packages[@]}" >/dev/null)
  fi
  rm -rf "$dest"
  mkdir -p "$dest"
  for deb in "$work"/*.deb; do dpkg -x "$deb" "$dest"; done
  # The unpacked binary finds liblldb through its RUNPATH but not libLLVM: a wrapper points the loader
  # at the private library folder.
  cat > "$llvm/bin/lldb-with-libs" <<WRAPPER
#!/bin/sh
LD_LIBRARY_PATH="$dest/usr/lib/x86_64-linux-gnu\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}" exec "$llvm/bin/lldb" "\$@"
WRAPPER
  chmod +x "$llvm/bin/lldb-with-libs"
fi
missing=$(LD_LIBRARY_PATH="$dest/usr/lib/x86_64-linux-gnu" ldd "$llvm/bin/lldb" | grep "not found" || true)
if [ -n "$missing" ]; then
  echo "fetch-lldb19: the unpacked LLDB 19 lacks libraries:" >&2
  echo "$missing" >&2
  exit 1
fi
echo "$llvm"
