#!/usr/bin/python3
"""Benchmark: the peak memory of every pm-* command on a core that claims a terabyte, against GDB's own
`bt` on the same core in the same run.

The core is a crash-lab core whose PT_LOAD before the widest gap in its address space is moved to the end
of the file and grown to 1 TiB (its old bytes first, then a hole): a sparse file of about its old size on
disk. No command may read or allocate in proportion to what the core merely claims.

Bound (asserted): each command's peak RSS <= GDB's `bt` + 64 MiB, and each finishes within 120 s.

usage: bench/peak_rss.py BUILD_DIR [CORE_NAME]"""
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time

TIB = 1 << 40
BOUND_OVER_BT = 64 << 20
TIME_LIMIT = 120

here = os.path.dirname(os.path.abspath(__file__))
build = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "build"))
name = sys.argv[2] if len(sys.argv) > 2 else "null_field_read"
binary = os.path.join(build, "fixtures", "bin", name)
source_core = os.path.join(build, "fixtures", "cores", name + ".core")


def make_terabyte_core(path):
    """Copies the core with one PT_LOAD grown to 1 TiB over a hole; returns (apparent, on-disk) sizes."""
    with open(source_core, "rb") as f:
        data = bytearray(f.read())
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phnum, = struct.unpack_from("<H", data, 0x38)
    loads = []
    for i in range(phnum):
        at = phoff + 56 * i
        p_type, _, p_offset, p_vaddr, _, p_filesz, p_memsz, _ = struct.unpack_from("<IIQQQQQQ", data, at)
        if p_type == 1:
            loads.append((p_vaddr, p_memsz, p_offset, p_filesz, at))
    loads.sort()
    # The segment followed by the widest gap: grown to a terabyte, it overlaps nothing.
    gaps = [(loads[i + 1][0] - (loads[i][0] + loads[i][1]), i) for i in range(len(loads) - 1) if loads[i][3] > 0]
    gap, i = max(gaps)
    assert gap > TIB, "no gap of a terabyte in %s's address space" % name
    vaddr, memsz, offset, filesz, at = loads[i]
    end = (len(data) + 4095) & ~4095
    struct.pack_into("<Q", data, at + 8, end)
    struct.pack_into("<QQ", data, at + 32, TIB, TIB)
    with open(path, "wb") as f:
        f.write(data)
        f.seek(end)
        f.write(data[offset: offset + filesz])
        f.truncate(end + TIB)
    st = os.stat(path)
    return st.st_size, st.st_blocks * 512


def measured(argv):
    """(peak RSS in bytes of the debugger process, seconds, exit status, its output)."""
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:
        devnull = os.open(os.devnull, os.O_RDWR)
        os.dup2(devnull, 0)
        log = os.open(os.path.join(work, "last.log"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.execvp(argv[0], argv)
    deadline = start + TIME_LIMIT
    while True:
        waited, status, usage = os.wait4(pid, os.WNOHANG)
        if waited:
            break
        if time.monotonic() > deadline:
            os.kill(pid, 9)
            waited, status, usage = os.wait4(pid, 0)
            break
        time.sleep(0.05)
    with open(os.path.join(work, "last.log"), errors="replace") as f:
        out = f.read()
    return usage.ru_maxrss * 1024, time.monotonic() - start, os.waitstatus_to_exitcode(status), out


work = tempfile.mkdtemp(prefix="coroner-peak-rss-")
try:
    core = os.path.join(work, "terabyte.core")
    apparent, on_disk = make_terabyte_core(core)
    print("core: %s claims %d GiB, holds %d KiB on disk" % (name, apparent >> 30, on_disk >> 10))
    script = os.path.join(build, "coroner-gdb.py")
    base = ["gdb", "-nx", "-batch"]
    runs = [("gdb bt (no coroner)", base + ["-ex", "bt", binary, core])]
    for command in ("pm-triage", "pm-blame-frame --explain", "pm-threads", "pm-symbols", "pm-secrets-scan",
                    "pm-redact %s/redacted.core --force" % work):
        runs.append((command, base + ["-x", script, "-ex", command, binary, core]))
    results = []
    for label, argv in runs:
        rss, seconds, status, out = measured(argv)
        results.append((label, rss, seconds, status, out))
        print("%-28s peak RSS %6.1f MiB  %6.2f s  exit %d" % (label, rss / 2 ** 20, seconds, status))
        if os.path.exists(os.path.join(work, "redacted.core")):
            st = os.stat(os.path.join(work, "redacted.core"))
            print("%28s copy: %d GiB apparent, %d KiB on disk" % ("", st.st_size >> 30, st.st_blocks // 2))
            os.unlink(os.path.join(work, "redacted.core"))
    bt = results[0][1]
    bound = bt + BOUND_OVER_BT
    print("bound: GDB's bt %.1f MiB + %d MiB = %.1f MiB, each within %d s" % (bt / 2 ** 20, BOUND_OVER_BT >> 20,
                                                                            bound / 2 ** 20, TIME_LIMIT))
    failed = False
    for label, rss, seconds, status, out in results[1:]:
        if rss > bound or seconds >= TIME_LIMIT or status != 0:
            failed = True
            print("OVER: %s (%.1f MiB, %.1f s, exit %d): %s" % (label, rss / 2 ** 20, seconds, status,
                                                                 out.strip().splitlines()[-1:] if out.strip() else ""))
    sys.exit(1 if failed else 0)
finally:
    shutil.rmtree(work, ignore_errors=True)
