#!/usr/bin/env bash
# Installs every Debian package coroner needs to build and test. Idempotent: when all are present it
# changes nothing; otherwise it runs `apt-get update` first, then installs what is missing.
set -euo pipefail

packages=(
  build-essential cmake pkg-config      # the build
  ninja-build                           # scripts/demo.sh's quick build
  gdb python3-dev pybind11-dev          # the GDB frontend (built for the Python GDB embeds)
  lldb lldb-14 liblldb-14-dev           # the LLDB plugin, for Debian's default LLDB (lldb = lldb-14)
  libcurl4 libipt2 libpython3.11 libedit2 libncurses6 libxml2 libz3-4 libzstd1 libffi8
                                        # what the unpacked LLDB 19 (fetch-lldb19.sh) links against
  libelf-dev elfutils                   # ELF cores; eu-readelf is the tests' independent oracle
  libcapstone-dev                       # decoding the faulting instruction
  libvectorscan-dev                     # the secret scanner's multi-pattern pass
  libre2-dev                            # every rule pattern (linear time: no rule can wedge the debugger)
  libfmt-dev nlohmann-json3-dev libcli11-dev
  libsimdjson-dev                       # coroner buckets reads triage rows (JSONL) at GB/s
  chromium                              # the bucket page's test opens it headless and checks its DOM
  doctest-dev                           # unit tests
  clang-14 libclang-rt-14-dev           # bench/fuzz.sh: libFuzzer, ASan and UBSan with clang
  libzstd-dev liblz4-dev liblzma-dev zlib1g-dev
  libssl-dev                            # pm-report's SHA-256 of the core and the program (libcrypto)
                                        # stored cores: systemd-coredump's zstd / lz4 / xz, apport's gzip
  zstd lz4 xz-utils attr                # the intake tests compress cores and tag them (setfattr)
  clang-format-14                       # the format check (tests/format/)
  slurm-wlm munge                       # the Slurm job array test starts its own single-node cluster
  dpkg-dev lintian                      # the Debian package: dpkg-shlibdeps computes Depends; lintian checks it
  libc6-dbg                             # libc's internal frame names (malloc_printerr...) in backtraces
  rustc golang-go                       # the crash lab's Rust and Go programs
  python3.11 python3.11-dev             # the Python crash lab (Debian's /usr/bin/python3, its C extension built
                                        # against 3.11's headers) and scripts/cpython_layout.py's --check
  gcc-aarch64-linux-gnu g++-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user gdb-multiarch
                                        # the crash lab cross-built for AArch64 and run under qemu at test time
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages are installed"
  exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "install-deps: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
