#!/usr/bin/python3
"""Benchmark: the secret scan over a core of about 1 GiB (half random bytes, half log text with a credential
every 64 KiB), page cache warm, each against its baseline in the same run (issue 18):

- `coroner secrets-scan` (no debugger)  against  `cat core > /dev/null`            target <= 2.0x
- `pm-secrets-scan` in GDB              against  `gdb -batch -ex bt` (GDB opening the core)
                                                 + 1.2 x the standalone scan      target <= 1.0
- `coroner redact core -o out`          against  `cp core out`                    target <= 3.0x
- peak resident memory of every process above (coroner, GDB, LLDB)               target < 300 MiB

LLDB 14's pm-secrets-scan is timed too where it is installed. Medians of REPEATS runs.

usage: bench/secrets.py BUILD_DIR [MiB] [REPEATS]"""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

here = os.path.dirname(os.path.abspath(__file__))
build = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "build"))
mib = int(sys.argv[2]) if len(sys.argv) > 2 else 1024
repeats = int(sys.argv[3]) if len(sys.argv) > 3 else 3
work = tempfile.mkdtemp(prefix="coroner-bench-")
prog, core, out = (os.path.join(work, n) for n in ("big_memory", "core", "redacted.core"))
subprocess.run(["cc", "-O1", "-o", prog, os.path.join(here, "big_memory.c")], check=True)
subprocess.run(["bash", os.path.join(here, "..", "fixtures", "collect-core.sh"), core, prog, str(mib)], check=True)
size = os.path.getsize(core)
print("core: %s, %d MiB" % (core, size >> 20))
coroner = os.path.join(build, "coroner")
gdb_scan = ["gdb", "-nx", "-batch", "-x", os.path.join(build, "coroner-gdb.py"), "-ex", "pm-secrets-scan --json",
            prog, core]
lldb, plugin = "/usr/lib/llvm-14/bin/lldb", os.path.join(build, "libcoroner-lldb.so")
lldb_scan = [lldb, "--no-lldbinit", "-b", "-o", "plugin load " + plugin, "-o", 'target create "%s" -c "%s"' % (prog, core),
             "-o", "pm-secrets-scan --json"] if os.path.exists(lldb) and os.path.exists(plugin) else None

peaks = {}  # what ran -> its peak resident KiB


def timed(name, argv, ok=(0,)):
    """Wall time and output of argv; its peak resident memory is kept under `name`."""
    start = time.monotonic()
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    output = p.stdout.read()
    _, status, usage = os.wait4(p.pid, 0)
    elapsed = time.monotonic() - start
    if os.waitstatus_to_exitcode(status) not in ok:
        sys.exit("failed (%d): %s" % (os.waitstatus_to_exitcode(status), " ".join(argv)))
    peaks[name] = max(peaks.get(name, 0), usage.ru_maxrss)
    return elapsed, output


def last_json(output):
    return json.loads([line for line in output.decode().splitlines() if line.startswith("{")][-1])


subprocess.run(["cat", core], stdout=subprocess.DEVNULL)  # warm the page cache
times = {k: [] for k in ("cat", "cli", "cli_own", "bt", "gdb", "gdb_own", "lldb", "lldb_own", "cp", "redact")}
findings = 0
for _ in range(repeats):
    times["cat"].append(timed("cat", ["sh", "-c", "cat '%s' > /dev/null" % core])[0])
    t, output = timed("coroner secrets-scan", [coroner, "secrets-scan", "--json", core], ok=(0, 1))
    times["cli"].append(t)
    report = last_json(output)
    times["cli_own"].append(report["seconds"])
    findings = len(report["findings"])
    times["bt"].append(timed("gdb -ex bt", ["gdb", "-nx", "-batch", "-ex", "bt", prog, core])[0])
    t, output = timed("gdb pm-secrets-scan", gdb_scan)
    times["gdb"].append(t)
    times["gdb_own"].append(last_json(output)["seconds"])
    if lldb_scan:
        t, output = timed("lldb-14 pm-secrets-scan", lldb_scan)
        times["lldb"].append(t)
        times["lldb_own"].append(last_json(output)["seconds"])
    times["cp"].append(timed("cp", ["cp", core, out])[0])
    os.unlink(out)
    times["redact"].append(timed("coroner redact", [coroner, "redact", "--json", core, "-o", out])[0])
    os.unlink(out)
m = {k: statistics.median(v) for k, v in times.items() if v}
print("cat core > /dev/null          %6.2f s  (%.0f MiB/s)" % (m["cat"], (size >> 20) / m["cat"]))
print("coroner secrets-scan          %6.2f s  (the scan itself %.2f s, %.0f MiB/s; %d findings)" %
      (m["cli"], m["cli_own"], (size >> 20) / m["cli_own"], findings))
print("gdb -batch -ex bt             %6.2f s  (GDB opening the core, no coroner)" % m["bt"])
print("gdb pm-secrets-scan           %6.2f s  (the scan itself %.2f s)" % (m["gdb"], m["gdb_own"]))
if lldb_scan:
    print("lldb-14 pm-secrets-scan       %6.2f s  (the scan itself %.2f s)" % (m["lldb"], m["lldb_own"]))
print("cp core out                   %6.2f s" % m["cp"])
print("coroner redact core -o out    %6.2f s" % m["redact"])
for name, kib in sorted(peaks.items()):
    print("peak memory %-26s %5d MiB" % (name, kib >> 10))
gdb_budget = m["bt"] + 1.2 * m["cli"]
print("ratio coroner secrets-scan / cat:          %.2f (target <= 2.0)" % (m["cli"] / m["cat"]))
print("gdb pm-secrets-scan / (bt + 1.2 x standalone): %.2f (target <= 1.0: %.2f s of %.2f s)" %
      (m["gdb"] / gdb_budget, m["gdb"], gdb_budget))
print("ratio coroner redact / cp:                 %.2f (target <= 3.0)" % (m["redact"] / m["cp"]))
worst = max(kib for name, kib in peaks.items() if name not in ("cat", "cp")) >> 10
print("peak memory of coroner, GDB and LLDB:      %d MiB (target < 300)" % worst)
subprocess.run(["rm", "-rf", work])
