#!/usr/bin/env bash
# Runs one libFuzzer target for a while: bench/fuzz.sh TARGET SECONDS [LIBFUZZER-OPTION...]
#   TARGET: a file fuzz/TARGET.cpp (elf_core, commands, dying_words, module_file, secret_rules, blame_rules,
#           function_names, secret_scan, go_panic, rust_panic)
# Configures a clang build (FUZZ_BUILD_DIR, default build-fuzz/) with CORONER_FUZZ=ON, builds the target,
# makes its seeds (fuzz/make_seeds.py, from the crash lab's cores in CORONER_CORES, default
# build/fixtures/cores, and the rule files), then fuzzes with the target's dictionary. The corpus grows in
# FUZZ_BUILD_DIR/corpus/TARGET across runs; crashes, timeouts and OOMs land in FUZZ_BUILD_DIR/crashes/TARGET/
# (copy each into tests/fuzz-regressions/TARGET/ once fixed). KEEP_GOING=1 fuzzes on past a finding
# (libFuzzer's fork mode). Safe to run again: every step reuses what is already there.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
target=${1:?usage: bench/fuzz.sh TARGET SECONDS}
seconds=${2:?usage: bench/fuzz.sh TARGET SECONDS}
shift 2
[[ -f "$root/fuzz/$target.cpp" ]] || { echo "fuzz.sh: no fuzz target $target (fuzz/$target.cpp)" >&2; exit 2; }
build=${FUZZ_BUILD_DIR:-$root/build-fuzz}
cores=${CORONER_CORES:-$root/build/fixtures/cores}
cxx=${FUZZ_CXX:-$(command -v clang++-14 || command -v clang++)}
cc=${FUZZ_CC:-$(command -v clang-14 || command -v clang)}

if [[ ! -f "$build/CMakeCache.txt" ]]; then
    cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER="$cc" -DCMAKE_CXX_COMPILER="$cxx" \
        -DCORONER_FUZZ=ON -DCORONER_BUILD_GDB=OFF -DCORONER_BUILD_LLDB=OFF -DCORONER_BUILD_FIXTURES=OFF \
        -DCORONER_BUILD_TESTS=OFF >/dev/null
fi
nice cmake --build "$build" -j"${JOBS:-2}" --target "fuzz_$target" >/dev/null

seeds=$build/seeds/$target corpus=$build/corpus/$target crashes=$build/crashes/$target logs=$build/logs
mkdir -p "$seeds" "$corpus" "$crashes" "$logs"
python3 "$root/fuzz/make_seeds.py" "$target" "$seeds" --cores "$cores" --rules "$root/common/rules"
regressions=$root/tests/fuzz-regressions/$target
dirs=("$corpus" "$seeds")
[[ -d "$regressions" ]] && dirs+=("$regressions")
case $target in
    elf_core|commands|dying_words|module_file) dict=$root/fuzz/dict/elf.dict ;;
    secret_rules|blame_rules) dict=$root/fuzz/dict/json.dict ;;
    *) dict=$root/fuzz/dict/$target.dict ;;
esac
options=(-max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -artifact_prefix="$crashes/" -print_final_stats=1)
[[ -f "$dict" ]] && options+=(-dict="$dict")
[[ "${KEEP_GOING:-0}" == 1 ]] && options+=(-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)
options+=("$@")  # the caller's own, e.g. -max_len=65536
log=$logs/$target.$(date -u +%Y%m%dT%H%M%SZ).log
echo "fuzzing $target for ${seconds}s: log $log, crashes in $crashes/"
status=0
# The new corpus entries go to the first folder: the corpus, not the seeds or the regressions.
(cd "$build" && nice "$build/fuzz/fuzz_$target" "${options[@]}" "${dirs[@]}") >"$log" 2>&1 || status=$?
# libFuzzer's last status line ("#N ... cov: C ft: F corp: K/..."), and its final stats.
grep -E '^#[0-9]+' "$log" | tail -1 || true
grep -E '^stat::(number_of_executed_units|peak_rss_mb)|^Done [0-9]+ runs' "$log" || true
echo "corpus: $(find "$corpus" -type f | wc -l) files; findings: $(find "$crashes" -type f | wc -l) in $crashes/"
exit "$status"
