#!/usr/bin/env bash
# The quick start: installs what is needed, builds coroner, crashes a bundled example program
# (fixtures/programs/null_field_read.c) and shows pm-triage on its core in GDB and in LLDB.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BUILD_DIR:-$root/build}
bash "$root/scripts/install-deps.sh"
BUILD_DIR=$build bash "$root/scripts/build.sh" >/dev/null

demo=$(mktemp -d /tmp/coroner-demo.XXXXXX)
prog=$build/fixtures/bin/null_field_read
echo "== crashing $prog (a NULL struct pointer, two calls below main)"
bash "$root/fixtures/collect-core.sh" "$demo/core" "$prog"
echo "== core: $demo/core"
echo
echo "== gdb -batch -x $build/coroner-gdb.py -ex pm-triage $prog $demo/core"
gdb -nx -batch -x "$build/coroner-gdb.py" -ex 'pm-triage' "$prog" "$demo/core" 2>/dev/null | sed -n '/^SIG/,$p'
echo
echo "== the same as JSON (pm-triage --json)"
gdb -nx -batch -x "$build/coroner-gdb.py" -ex 'pm-triage --json' "$prog" "$demo/core" 2>/dev/null | grep '^{'
echo
echo "== lldb -b -o 'plugin load $build/libcoroner-lldb.so' -o 'target create $prog -c $demo/core' -o pm-triage"
# (Debian's lldb-14 prints Python tracebacks of its own: its Python module is broken. They are not ours.)
lldb --no-lldbinit -b -o "plugin load $build/libcoroner-lldb.so" -o "target create $prog -c $demo/core" \
     -o 'pm-triage' 2>/dev/null | sed -n '/^(lldb) pm-triage/,$p'
echo
echo "Try it yourself: gdb -x $build/coroner-gdb.py $prog $demo/core   then type: pm-triage"
echo "             or: lldb, then: plugin load $build/libcoroner-lldb.so"
echo "                             target create $prog -c $demo/core"
echo "                             pm-triage"
