#!/usr/bin/env bash
# The quick start: installs what is needed, builds what it shows (the GDB module, the LLDB plugin and one
# bundled example program, fixtures/programs/null_field_read.c), crashes the program and shows pm-triage on
# its core in GDB and in LLDB. The full build with the tests is scripts/build.sh (scripts/test.sh runs it).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BUILD_DIR:-$root/build}
# Its own build tree: a full build's configuration (tests, LLDB 19) is not changed by running the demo.
demo_build=${DEMO_BUILD_DIR:-$build/demo}
started=$SECONDS
bash "$root/scripts/install-deps.sh"
packages_done=$SECONDS

# No optimisation, no debug info, one compilation per library (a unity build), and Ninja (a library compiles
# while the one it links to is still compiling): a fifth of a RelWithDebInfo build's CPU time, the same
# commands.
cmake -G Ninja -S "$root" -B "$demo_build" -DCMAKE_BUILD_TYPE=Demo -DCMAKE_C_FLAGS_DEMO=-O0 -DCMAKE_CXX_FLAGS_DEMO=-O0 \
      -DCMAKE_UNITY_BUILD=ON -DCMAKE_UNITY_BUILD_BATCH_SIZE=16 \
      -DCORONER_BUILD_TESTS=OFF -DCORONER_BUILD_CLI=OFF >/dev/null
cmake --build "$demo_build" -j"$(nproc)" --target demo >/dev/null
built=$SECONDS

demo=$(mktemp -d /tmp/coroner-demo.XXXXXX)
prog=$demo_build/fixtures/bin/null_field_read
gdb_script=$demo_build/coroner-gdb.py
plugin=$demo_build/libcoroner-lldb.so
echo "== crashing $prog (a NULL struct pointer, two calls below main)"
bash "$root/fixtures/collect-core.sh" "$demo/core" "$prog"
echo "== core: $demo/core"
echo
echo "== gdb -batch -x $gdb_script -ex pm-triage $prog $demo/core"
gdb -nx -batch -x "$gdb_script" -ex 'pm-triage' "$prog" "$demo/core" 2>/dev/null | sed -n '/^SIG/,$p'
shown=$SECONDS
echo
echo "== the same as JSON (pm-triage --json)"
gdb -nx -batch -x "$gdb_script" -ex 'pm-triage --json' "$prog" "$demo/core" 2>/dev/null | grep '^{'
echo
echo "== lldb -b -o 'plugin load $plugin' -o 'target create $prog -c $demo/core' -o pm-triage"
# (Debian's lldb-14 prints Python tracebacks of its own: its Python module is broken. They are not ours.)
lldb --no-lldbinit -b -o "plugin load $plugin" -o "target create $prog -c $demo/core" \
     -o 'pm-triage' 2>/dev/null | sed -n '/^(lldb) pm-triage/,$p'
echo
echo "Try it yourself: gdb -x $gdb_script $prog $demo/core   then type: pm-triage"
echo "             or: lldb, then: plugin load $plugin"
echo "                             target create $prog -c $demo/core"
echo "                             pm-triage"
echo
echo "demo: packages $((packages_done - started)) s, build $((built - packages_done)) s," \
     "pm-triage on screen $((shown - started)) s after the start"
