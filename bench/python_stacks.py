#!/usr/bin/python3
"""Benchmark (issue 20): what reading the Python stack adds to pm-triage. The Python crash-lab programs
(fixtures/python) crash here under Debian's /usr/bin/python3; pm-triage --json runs on each core in GDB and
LLDB 14, with the reader and without it (CORONER_PYTHON_STACKS=0), one run each, interleaved. Prints each time,
the totals and their ratio; then the command's own time without the debugger's start (20 pm-triage in one GDB
session against one), with and without the reader.

usage: bench/python_stacks.py [BUILD_DIR]
Target: with / without <= 1.10."""
import os
import shutil
import subprocess
import sys
import tempfile
import time

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.join(here, "..")
build = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "build"))
sys.path.insert(0, os.path.join(root, "tests", "integration"))
import python_stacks  # noqa: E402  (the test's programs, and how it makes their cores)

PYTHON = "/usr/bin/python3.11"
work = tempfile.mkdtemp(prefix="coroner-bench-python-")
folder = os.path.join(work, "lab")
python_stacks.make_folder(os.path.join(root, "fixtures", "python"), folder)
collect = os.path.join(root, "fixtures", "collect-core.sh")
cores = [python_stacks.crash(collect, folder, name)[0] for name in python_stacks.CASES]

gdb_script = os.path.join(build, "coroner-gdb.py")
plugin = os.path.join(build, "libcoroner-lldb.so")


def argv(debugger, core):
    if debugger == "gdb":
        return ["gdb", "-nx", "-batch", "-x", gdb_script, "-ex", "pm-triage --json", PYTHON, core]
    return ["lldb", "--no-lldbinit", "-b", "-o", "plugin load " + plugin, "-o",
            "target create %s -c %s" % (PYTHON, core), "-o", "pm-triage --json"]


def timed(command, reader):
    env = dict(os.environ, CORONER_PYTHON_STACKS="1" if reader else "0")
    start = time.monotonic()
    p = subprocess.run(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                       env=env, text=True)
    elapsed = time.monotonic() - start
    if p.returncode != 0 or ('"language":"python"' in p.stdout.replace(" ", "")) != reader:
        sys.exit("failed (or the reader %s): %s" % ("did not run" if reader else "ran", " ".join(command)))
    return elapsed


total = {True: 0.0, False: 0.0}
for debugger in ("gdb", "lldb"):
    for core in cores:
        times = {reader: timed(argv(debugger, core), reader) for reader in (False, True)}
        for reader, t in times.items():
            total[reader] += t
        print("%-5s %-22s without %.3f s   with %.3f s" % (debugger, os.path.basename(core), times[False], times[True]))
print("total without the Python reader %.2f s, with it %.2f s: ratio %.3f (target <= 1.10)"
      % (total[False], total[True], total[True] / total[False]))

# The debugger's start dominates the above. The command alone: pm-triage 20 times in one GDB session, less once.
REPEAT = 20
command_total = {True: 0.0, False: 0.0}
for core in cores:
    for reader in (False, True):
        one = argv("gdb", core)
        many = one[:-2] + ["-ex", "pm-triage --json"] * (REPEAT - 1) + one[-2:]
        command_total[reader] += (timed(many, reader) - timed(one, reader)) / (REPEAT - 1)
print("pm-triage itself in GDB (mean over the cores): without %.1f ms, with %.1f ms: ratio %.3f"
      % (1000 * command_total[False] / len(cores), 1000 * command_total[True] / len(cores),
         command_total[True] / command_total[False]))
shutil.rmtree(work)
