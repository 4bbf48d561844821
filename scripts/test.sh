#!/usr/bin/env bash
# The whole test suite from nothing: packages, build, every unit and integration test. Ends with the
# pass count. CI (.ci/run) runs exactly this.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BUILD_DIR:-$root/build}
bash "$root/scripts/install-deps.sh"
BUILD_DIR=$build bash "$root/scripts/build.sh"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
(cd "$build" && ctest --output-on-failure -j"$(nproc)") | tee "$log" || status=$?
summary=$(grep -Eo '[0-9]+ tests failed out of [0-9]+' "$log" | tail -1)
if [ -z "$summary" ]; then
  echo "test.sh: ctest printed no summary" >&2
  exit 1
fi
failed=$(echo "$summary" | awk '{print $1}')
total=$(echo "$summary" | awk '{print $NF}')
echo "$((total - failed)) passed, $failed failed"
exit $status
