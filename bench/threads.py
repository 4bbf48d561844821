#!/usr/bin/python3
"""Benchmark: pm-triage and pm-threads on a core with many threads, against each debugger's own
all-thread backtrace on the same core, in the same run. Prints the median wall time of each and the ratios.

usage: bench/threads.py BUILD_DIR [THREADS] [REPEATS]
Targets: pm-triage <= 1.5x LLDB's `bt all`, <= 1.0x GDB's `thread apply all bt` (issue 3); pm-threads
unwinds every thread as those do, and is reported beside them (issue 5); stack recovery costs pm-triage and
pm-threads at most 10% over the same command with --no-recover (issue 19)."""
import os
import statistics
import subprocess
import sys
import tempfile
import time

here = os.path.dirname(os.path.abspath(__file__))
build = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "build"))
threads = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
repeats = int(sys.argv[3]) if len(sys.argv) > 3 else 3
work = tempfile.mkdtemp(prefix="coroner-bench-")
prog = os.path.join(work, "many_threads")
core = os.path.join(work, "core")
subprocess.run(["cc", "-g", "-O1", "-pthread", "-o", prog, os.path.join(here, "many_threads.c")], check=True)
subprocess.run(["bash", os.path.join(here, "..", "fixtures", "collect-core.sh"), core, prog, str(threads)],
               check=True)
print("core: %s, %d MiB, %d threads" % (core, os.path.getsize(core) >> 20, threads + 1))

gdb_script = os.path.join(build, "coroner-gdb.py")
plugin = os.path.join(build, "libcoroner-lldb.so")
lldb = "/usr/lib/llvm-14/bin/lldb"
create = "target create %s -c %s" % (prog, core)
runs = {
    "gdb pm-triage --json": ["gdb", "-nx", "-batch", "-x", gdb_script, "-ex", "pm-triage --json", prog, core],
    "gdb pm-threads --json": ["gdb", "-nx", "-batch", "-x", gdb_script, "-ex", "pm-threads --json", prog, core],
    "gdb pm-triage --json --no-recover": ["gdb", "-nx", "-batch", "-x", gdb_script, "-ex",
                                          "pm-triage --json --no-recover", prog, core],
    "gdb pm-threads --json --no-recover": ["gdb", "-nx", "-batch", "-x", gdb_script, "-ex",
                                           "pm-threads --json --no-recover", prog, core],
    "gdb thread apply all bt": ["gdb", "-nx", "-batch", "-ex", "thread apply all bt", prog, core],
    "lldb pm-triage --json": [lldb, "--no-lldbinit", "-b", "-o", "plugin load " + plugin, "-o", create,
                              "-o", "pm-triage --json"],
    "lldb pm-threads --json": [lldb, "--no-lldbinit", "-b", "-o", "plugin load " + plugin, "-o", create,
                               "-o", "pm-threads --json"],
    "lldb pm-triage --json --no-recover": [lldb, "--no-lldbinit", "-b", "-o", "plugin load " + plugin, "-o", create,
                                           "-o", "pm-triage --json --no-recover"],
    "lldb bt all": [lldb, "--no-lldbinit", "-b", "-o", create, "-o", "bt all"],
}


def timed(argv):
    start = time.monotonic()
    p = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    elapsed = time.monotonic() - start
    if p.returncode != 0:
        sys.exit("failed: %s" % " ".join(argv))
    return elapsed


times = {name: [] for name in runs}
for _ in range(repeats):  # interleaved, so drift hits every command alike
    for name, argv in runs.items():
        times[name].append(timed(argv))
median = {name: statistics.median(t) for name, t in times.items()}
for name, t in median.items():
    print("%-36s %7.2f s   (runs: %s)" % (name, t, ", ".join("%.2f" % x for x in times[name])))
gdb_ratio = median["gdb pm-triage --json"] / median["gdb thread apply all bt"]
lldb_ratio = median["lldb pm-triage --json"] / median["lldb bt all"]
print("ratio gdb  pm-triage / thread apply all bt: %.2f (target <= 1.0)" % gdb_ratio)
print("ratio lldb pm-triage / bt all:              %.2f (target <= 1.5)" % lldb_ratio)
print("ratio gdb  pm-threads / thread apply all bt: %.2f" %
      (median["gdb pm-threads --json"] / median["gdb thread apply all bt"]))
print("ratio lldb pm-threads / bt all:              %.2f" % (median["lldb pm-threads --json"] / median["lldb bt all"]))
for command in ("gdb pm-triage --json", "gdb pm-threads --json", "lldb pm-triage --json"):
    print("ratio %s / the same --no-recover: %.2f (target <= 1.10)" % (
        command, median[command] / median[command + " --no-recover"]))
subprocess.run(["rm", "-rf", work])
