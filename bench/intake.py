#!/usr/bin/python3
"""Benchmark of `coroner triage` and of unpacking, all figures from one run on one machine (issue 13):

  1. over the crash lab's plain cores: the sum of bare `gdb -nx -batch -ex bt PROG CORE` runs, against
     `coroner triage -j1` over the same cores (target <= 1.15x), and `-j2` against `-j1` (target <= 0.6x);
  2. a core of about 1 GiB (bench/big_memory.c: half random bytes, half log text), zstd-compressed as
     systemd-coredump does (a stream, no content size): `coroner unpack` into tmpfs against
     `zstd -dc > /dev/null` (target: unpacking at >= 80% of zstd's speed, i.e. its time <= 1.25x); and both
     writing to the disk, flushed (what `coroner unpack` to a file costs). For scale, two more: the time of
     only copying the unpacked bytes into tmpfs (`cat` of the plain core: what any unpacker writing there
     pays at least), and of `zstd -dc` writing the same file.

Each measurement is the median of REPEATS runs, the contenders alternating so that load on the machine hits
both alike.

usage: bench/intake.py BUILD_DIR [REPEATS] [MiB] [batch,unpack]"""
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

here = os.path.dirname(os.path.abspath(__file__))
build = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "build"))
repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 3
mib = int(sys.argv[3]) if len(sys.argv) > 3 else 1024
parts = (sys.argv[4] if len(sys.argv) > 4 else "batch,unpack").split(",")
coroner = os.path.join(build, "coroner")


def timed(argv, **kwargs):
    started = time.perf_counter()
    subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   check=kwargs.pop("check", True), **kwargs)
    return time.perf_counter() - started


def crash_lab():
    rows = []
    with open(os.path.join(build, "fixtures", "manifest.tsv")) as f:
        for line in f:
            name, binary, core = line.split("\t")[:3]
            rows.append((binary, core))
    return rows


def batch():
    lab = crash_lab()
    cores = [core for _, core in lab]
    bare, j1, j2, j1_cpu = [], [], [], []
    for _ in range(repeats):
        bare.append(sum(timed(["gdb", "-nx", "-batch", "-ex", "bt", binary, core]) for binary, core in lab))
        # exit status 1 is a core that fails (the crash lab has none, but the benchmark does not judge that)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        j1.append(timed([coroner, "triage", "-j1", "--out", "/dev/null"] + cores, check=False))
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        j1_cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
        j2.append(timed([coroner, "triage", "-j2", "--out", "/dev/null"] + cores, check=False))
    bare_s, j1_s, j2_s = statistics.median(bare), statistics.median(j1), statistics.median(j2)
    print("crash lab: %d plain cores, %d runs each (median)" % (len(cores), repeats))
    print("  sum of bare gdb -batch -ex bt: %.2f s" % bare_s)
    print("  coroner triage -j1:            %.2f s  = %.2fx the bare sum (target <= 1.15x)" % (j1_s, j1_s / bare_s))
    print("  coroner triage -j2:            %.2f s  = %.2fx -j1 (target <= 0.6x)" % (j2_s, j2_s / j1_s))
    # What -j2 can reach at best: -j1 already keeps more than one CPU busy at times (GDB's worker threads),
    # and two debuggers at once cannot take less than their CPU time spread over the CPUs there are.
    cpus = os.cpu_count() or 1
    cpu_s = statistics.median(j1_cpu)
    print("  CPU time of -j1: %.2f s (%.2f CPUs busy on average); on %d CPUs -j2 needs at least %.2f s = %.2fx -j1" %
          (cpu_s, cpu_s / j1_s, cpus, cpu_s / min(cpus, 2), cpu_s / min(cpus, 2) / j1_s))


def unpacking():
    work = tempfile.mkdtemp(prefix="coroner-bench-intake-")
    try:
        prog, core = os.path.join(work, "big_memory"), os.path.join(work, "core")
        subprocess.run(["cc", "-O1", "-o", prog, os.path.join(here, "big_memory.c")], check=True)
        subprocess.run(["bash", os.path.join(here, "..", "fixtures", "collect-core.sh"), core, prog, str(mib)],
                       check=True)
        packed = core + ".zst"
        with open(packed, "wb") as out:
            subprocess.run(["zstd", "-q", "--no-content-size", "-c", core], stdout=out, check=True)
        size, packed_size = os.path.getsize(core), os.path.getsize(packed)
        # In memory (tmpfs): the decoder and the sparse writer alone, against zstd writing nowhere. On disk:
        # `coroner unpack` names its output only once it is whole and flushed (fsync), so zstd writes a file
        # and flushes it too (`sync FILE`).
        memory = os.path.join("/dev/shm", "coroner-bench-%d.core" % os.getpid())
        disk, disk_zstd = os.path.join(work, "unpacked.core"), os.path.join(work, "zstd.core")
        runs = {"zstd": [], "ours_memory": [], "zstd_memory": [], "copy_memory": [], "zstd_disk": [], "ours_disk": []}
        # The in-memory pair first, all of it: a disk run's flushed gigabyte is still being written back by
        # the kernel's threads for seconds after, and on two CPUs that takes one from the next run.
        subprocess.run(["sync"], check=True)
        subprocess.run(["cat", core], stdout=subprocess.DEVNULL, check=True)  # into the page cache
        for _ in range(repeats):
            runs["zstd"].append(timed(["bash", "-c", 'zstd -q -dc "$0" > /dev/null', packed]))
            runs["ours_memory"].append(timed([coroner, "unpack", packed, "-o", memory, "--force"]))
            os.unlink(memory)
            # What putting the unpacked bytes into tmpfs costs by itself, with no decoding (the plain core is in
            # the page cache): the floor of any unpacker writing there; and zstd itself writing the file.
            runs["copy_memory"].append(timed(["bash", "-c", 'cat "$0" > "$1"', core, memory]))
            os.unlink(memory)
            runs["zstd_memory"].append(timed(["bash", "-c", 'zstd -q -dc "$0" > "$1"', packed, memory]))
            os.unlink(memory)
        for _ in range(repeats):
            runs["zstd_disk"].append(timed(["bash", "-c", 'zstd -q -dc "$0" > "$1" && sync "$1"', packed, disk_zstd]))
            os.unlink(disk_zstd)
            runs["ours_disk"].append(timed([coroner, "unpack", packed, "-o", disk, "--force"]))
            os.unlink(disk)
        t = {key: statistics.median(values) for key, values in runs.items()}
        if os.environ.get("BENCH_VERBOSE"):
            print(runs)
        print("unpacking: a %d MiB core, %d MiB as zstd, %d runs each (median)" % (size >> 20, packed_size >> 20,
                                                                                  repeats))
        print("  zstd -dc > /dev/null:               %.2f s (%.0f MiB/s)" % (t["zstd"], size / t["zstd"] / (1 << 20)))
        print("  coroner unpack to tmpfs:            %.2f s (%.0f MiB/s) = %.0f%% of zstd's speed (target >= 80%%)" %
              (t["ours_memory"], size / t["ours_memory"] / (1 << 20), 100 * t["zstd"] / t["ours_memory"]))
        print("  cat CORE > FILE in tmpfs (no decoding: the floor of writing there): %.2f s = %.0f%% of zstd's "
              "speed" % (t["copy_memory"], 100 * t["zstd"] / t["copy_memory"]))
        print("  zstd -dc > FILE in tmpfs:           %.2f s; coroner unpack runs at %.0f%% of its speed" %
              (t["zstd_memory"], 100 * t["zstd_memory"] / t["ours_memory"]))
        print("  zstd -dc > FILE && sync FILE (disk): %.2f s" % t["zstd_disk"])
        print("  coroner unpack to disk (fsync):     %.2f s = %.0f%% of zstd's speed to the same disk" %
              (t["ours_disk"], 100 * t["zstd_disk"] / t["ours_disk"]))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    if "batch" in parts:
        batch()
    if "unpack" in parts:
        unpacking()
