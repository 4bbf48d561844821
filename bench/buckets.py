#!/usr/bin/python3
"""Benchmark of `coroner buckets` (issue 14): 100,000 coroner.batch/1 rows, generated from the crash lab's
real rows (`coroner triage` over its cores) with other inputs, crash times, hosts and a bucket out of a few
hundred each, read by `coroner buckets --json` and by `coroner buckets --html`. Targets: under 2 s and
under 500 MiB peak memory. Baselines in the same run: `wc -l` over the same file (reading it), and
Python's json module over every line.

usage: bench/buckets.py BUILD_DIR [ROWS]"""
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time

here = os.path.dirname(os.path.abspath(__file__))
build = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "build"))
count = int(sys.argv[2]) if len(sys.argv) > 2 else 100000
coroner = os.path.join(build, "coroner")


def measured(argv):
    """Wall seconds and peak resident MiB (GNU time)."""
    started = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-f", "%M"] + argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                       text=True)
    seconds = time.perf_counter() - started
    if p.returncode != 0:
        sys.exit("%s failed: %s" % (argv, p.stderr))
    return seconds, int(p.stderr.strip().splitlines()[-1]) / 1024


def main():
    work = tempfile.mkdtemp(prefix="coroner-bench-buckets-")
    try:
        manifest = os.path.join(build, "fixtures", "manifest.tsv")
        cores = [line.split("\t")[2] for line in open(manifest)]
        lab = os.path.join(work, "lab.jsonl")
        subprocess.run([coroner, "triage", "--exe-dir", os.path.join(build, "fixtures", "bin"), "-o", lab] + cores,
                       check=True, stderr=subprocess.DEVNULL)
        templates = [json.loads(line) for line in open(lab) if json.loads(line)["triage"]]
        random.seed(14)
        rows = os.path.join(work, "rows.jsonl")
        start = 1764000000
        with open(rows, "w") as out:
            for i in range(count):
                row = json.loads(json.dumps(random.choice(templates)))
                row["input"] = "/var/lib/systemd/coredump/host%03d/core.%d.zst" % (i % 200, i)
                moment = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(start + random.randrange(90 * 86400)))
                row["metadata"]["time"] = moment
                row["metadata"]["host"] = "host%03d" % (i % 200)
                row["triage"]["bucket"] = "%016x" % random.randrange(400)
                if i % 50 == 0:
                    row["status"], row["error"], row["triage"] = "timeout", "the core took longer than 120 s", None
                out.write(json.dumps(row) + "\n")
        size = os.path.getsize(rows)
        wc, _ = measured(["wc", "-l", rows])
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import json,sys\nfor line in open(sys.argv[1]): json.loads(line)", rows],
                       check=True)
        python = time.perf_counter() - started
        as_json, json_mib = measured([coroner, "buckets", "--json", rows])
        page = os.path.join(work, "buckets.html")
        as_html, html_mib = measured([coroner, "buckets", "--html", page, "-o", os.path.join(work, "b.md"), rows])
        print("coroner buckets: %d rows, %d MiB of JSONL" % (count, size >> 20))
        print("  wc -l (reading the file):        %.2f s" % wc)
        print("  python3 json.loads of each line: %.2f s" % python)
        print("  coroner buckets --json:          %.2f s (%.1fx wc -l, %.2fx python), peak %.0f MiB "
              "(targets: < 2 s, < 500 MiB)" % (as_json, as_json / wc, as_json / python, json_mib))
        print("  coroner buckets --html + Markdown: %.2f s, peak %.0f MiB; page %d KiB" %
              (as_html, html_mib, os.path.getsize(page) >> 10))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
