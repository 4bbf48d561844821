#!/usr/bin/python3
"""Benchmark: pm-report against pm-triage on the same cores, in the same run (issue 15: a report in under
1.5x the time of pm-triage). For each core, in GDB and LLDB 14: the wall time of the whole debugger run with
pm-triage and with pm-report (one run each, after one unmeasured run that warms the page cache), and in GDB
the two commands' own times inside one session (pm-triage run once first, unmeasured, so that both find the
debugger's symbols loaded). Cores: crash-lab ones from the build, and one of MiB megabytes of heap (half
random, half log text with a credential every 64 KiB: the secrets scan and the hash have work to do).

usage: bench/report.py BUILD_DIR [MiB]"""
import os
import subprocess
import sys
import tempfile
import time

here = os.path.dirname(os.path.abspath(__file__))
build = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "build"))
mib = int(sys.argv[2]) if len(sys.argv) > 2 else 256
work = tempfile.mkdtemp(prefix="coroner-bench-")
bin_dir, core_dir = os.path.join(build, "fixtures", "bin"), os.path.join(build, "fixtures", "cores")
cores = [(os.path.join(bin_dir, n), os.path.join(core_dir, n + ".core"))
         for n in ("null_field_read", "secrets_everywhere", "thread_crash", "uncaught_exception")]
prog, core = os.path.join(work, "big_memory"), os.path.join(work, "core")
subprocess.run(["cc", "-O1", "-o", prog, os.path.join(here, "big_memory.c")], check=True)
subprocess.run(["bash", os.path.join(here, "..", "fixtures", "collect-core.sh"), core, prog, str(mib)], check=True)
cores.append((prog, core))

gdb_script = os.path.join(build, "coroner-gdb.py")
lldb, plugin = "/usr/lib/llvm-14/bin/lldb", os.path.join(build, "libcoroner-lldb.so")
report_out = os.path.join(work, "report.md")


def gdb(binary, core_file, commands):
    argv = ["gdb", "-nx", "-batch", "-x", gdb_script]
    for c in commands:
        argv += ["-ex", c]
    return argv + [binary, core_file]


def lldb_run(binary, core_file, commands):
    argv = [lldb, "--no-lldbinit", "-b", "-o", "plugin load " + plugin,
            "-o", 'target create "%s" -c "%s"' % (binary, core_file)]
    for c in commands:
        argv += ["-o", c]
    return argv


def timed(argv):
    start = time.monotonic()
    p = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    elapsed = time.monotonic() - start
    if p.returncode != 0:
        sys.exit("failed: %s" % " ".join(argv))
    return elapsed, p.stdout


def in_session(binary, core_file):
    """pm-triage's and pm-report's own seconds in one GDB session, symbols already loaded by a first pm-triage."""
    timer = "python import time; coroner_t = time.monotonic()"
    said = "python print('coroner-bench %s %.3f' % ('{}', time.monotonic() - coroner_t))"
    _, out = timed(gdb(binary, core_file, ["pm-triage --json", timer, "pm-triage --json", said.format("triage"),
                                           timer, "pm-report --output %s --force" % report_out, said.format("report")]))
    found = dict(line.split()[1:] for line in out.splitlines() if line.startswith("coroner-bench "))
    return float(found["triage"]), float(found["report"])


print("load average at start: %s" % open("/proc/loadavg").read().split()[:3])
ratios = []
for binary, core_file in cores:
    name = "%s (%d MiB)" % (os.path.basename(binary), os.path.getsize(core_file) >> 20)
    for debugger, run in (("gdb", gdb), ("lldb14", lldb_run)):
        if debugger == "lldb14" and not (os.path.exists(lldb) and os.path.exists(plugin)):
            continue
        triage_argv = run(binary, core_file, ["pm-triage --json"])
        report_argv = run(binary, core_file, ["pm-report --output %s --force" % report_out])
        timed(report_argv)  # warms the page cache for both
        triage, _ = timed(triage_argv)
        report, _ = timed(report_argv)
        ratios.append(report / triage)
        print("%-34s %-6s pm-triage %6.2f s  pm-report %6.2f s  ratio %.2f" % (name, debugger, triage, report,
                                                                                report / triage))
    t, r = in_session(binary, core_file)
    print("%-34s gdb in-session: pm-triage %.3f s, pm-report %.3f s (the report's own work)" % (name, t, r))
print("largest whole-run ratio: %.2f (target <= 1.5)" % max(ratios))
print("load average at end: %s" % open("/proc/loadavg").read().split()[:3])
subprocess.run(["rm", "-rf", work])
