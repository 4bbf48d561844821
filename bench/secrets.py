#!/usr/bin/python3
"""Benchmark: pm-secrets-scan over a core of about 1 GiB (half random bytes, half log text), against
reading the core file once (`cat core > /dev/null`, page cache warm), in the same run. Also reports the
scanner's own MiB/s (from the JSON's "seconds") and the peak memory of the GDB process.

usage: bench/secrets.py BUILD_DIR [MiB] [REPEATS]      Target (issue 6): pm-secrets-scan <= 2x cat."""
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
prog, core = os.path.join(work, "big_memory"), os.path.join(work, "core")
subprocess.run(["cc", "-O1", "-o", prog, os.path.join(here, "big_memory.c")], check=True)
subprocess.run(["bash", os.path.join(here, "..", "fixtures", "collect-core.sh"), core, prog, str(mib)], check=True)
size = os.path.getsize(core)
print("core: %s, %d MiB" % (core, size >> 20))
scan = ["gdb", "-nx", "-batch", "-x", os.path.join(build, "coroner-gdb.py"), "-ex", "pm-secrets-scan --json", prog, core]
# LLDB 14, the plugin built for it (the build's default), when it is here.
lldb, plugin = "/usr/lib/llvm-14/bin/lldb", os.path.join(build, "libcoroner-lldb.so")
lldb_scan = [lldb, "--no-lldbinit", "-b", "-o", "plugin load " + plugin, "-o", 'target create "%s" -c "%s"' % (prog, core),
             "-o", "pm-secrets-scan --json"] if os.path.exists(lldb) and os.path.exists(plugin) else None


peak_kib = [0]


def timed(argv):
    """Wall time and output of argv; its own peak resident memory is kept in peak_kib."""
    start = time.monotonic()
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    out = p.stdout.read()
    _, status, usage = os.wait4(p.pid, 0)
    elapsed = time.monotonic() - start
    if status != 0:
        sys.exit("failed: %s" % " ".join(argv))
    peak_kib[0] = max(peak_kib[0], usage.ru_maxrss) if argv[0] == "gdb" else peak_kib[0]
    return elapsed, out


subprocess.run(["cat", core], stdout=subprocess.DEVNULL)  # warm the page cache
cat_times, scan_times, scanner_seconds, findings, lldb_times, lldb_seconds, bt_times = [], [], [], 0, [], [], []
for _ in range(repeats):
    cat_times.append(timed(["sh", "-c", "cat '%s' > /dev/null" % core])[0])
    bt_times.append(timed(["gdb", "-nx", "-batch", "-ex", "bt", prog, core])[0])  # GDB's own cost of opening it
    t, out = timed(scan)
    scan_times.append(t)
    report = json.loads([l for l in out.decode().splitlines() if l.startswith("{")][-1])
    scanner_seconds.append(report["seconds"])
    findings = len(report["findings"])
    if lldb_scan:
        t, out = timed(lldb_scan)
        lldb_times.append(t)
        lldb_seconds.append(json.loads([l for l in out.decode().splitlines() if l.startswith("{")][-1])["seconds"])
peak = peak_kib[0] >> 10
cat_t, scan_t, own = statistics.median(cat_times), statistics.median(scan_times), statistics.median(scanner_seconds)
print("cat core > /dev/null      %6.2f s  (%.0f MiB/s)" % (cat_t, (size >> 20) / cat_t))
print("gdb -batch -ex bt          %6.2f s  (GDB opening the core, no coroner)" % statistics.median(bt_times))
print("gdb pm-secrets-scan       %6.2f s  (the scan itself %.2f s, %.0f MiB/s; %d findings)" %
      (scan_t, own, (size >> 20) / own, findings))
if lldb_scan:
    print("lldb-14 pm-secrets-scan   %6.2f s  (the scan itself %.2f s); ratio to cat %.2f" %
          (statistics.median(lldb_times), statistics.median(lldb_seconds), statistics.median(lldb_times) / cat_t))
print("peak memory of gdb        %6d MiB (resident; the scanned pages are released as it goes)" % peak)
print("ratio pm-secrets-scan / cat: %.2f (target <= 2.0); the scan alone / cat: %.2f" % (scan_t / cat_t, own / cat_t))
subprocess.run(["rm", "-rf", work])
