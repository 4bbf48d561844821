"""`coroner buckets` over the crash lab and the field folder (issue 14): one bucket per distinct crash (the
stripped and debuglink twins, triaged with --exe-dir, share their original's); counts, failures, --since and
--until, --known, a line that is not a row, secrets in rows; and the HTML page in headless Chromium: every
bucket rendered, sorting by count and expanding a bucket done by clicks, checked through the DOM.

usage: bucket_table.py CORONER MANIFEST GDB-SCRIPT"""
import html
import json
import os
import re
import shutil
import struct
import subprocess
import tempfile
import zlib

import field_batch
import harness
from harness import check

TWINS = {"null_field_read_stripped": "null_field_read", "null_field_read_debuglink": "null_field_read"}
TOKEN = "ghp_R7kQm2XvT9pLw4ZsN8bYc3HdJ6fGa1Ue5Vio"
CHROMIUM = ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--allow-file-access-from-files",
            "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-extensions", "--mute-audio"]

# Run in the page's folder after the page has loaded: the same clicks a user makes, and what they show.
BROWSER_CHECK = """<!DOCTYPE html><html><body><pre id="result">not run</pre>
<iframe id="page" src="buckets.html" width="1400" height="900"></iframe>
<script>
window.addEventListener('load', () => {
  const d = document.getElementById('page').contentDocument;
  const bodies = () => Array.from(d.querySelectorAll('#buckets tbody.bucket'));
  const counts = () => bodies().map(b => Number(b.dataset.count));
  const out = {rows: bodies().length, initial: counts()};
  out.shown = bodies().filter(b => b.querySelector('tr.summary').getBoundingClientRect().height > 0).length;
  out.hiddenDetails = bodies().filter(b => b.querySelector('tr.detail').getBoundingClientRect().height == 0).length;
  const th = d.querySelector('#buckets th[data-key="count"]');
  th.click();
  out.ascending = counts();
  out.sort1 = th.getAttribute('aria-sort');
  th.click();
  out.descending = counts();
  out.sort2 = th.getAttribute('aria-sort');
  const first = bodies()[0];
  first.querySelector('tr.summary').click();
  out.detailHeight = first.querySelector('tr.detail').getBoundingClientRect().height;
  out.detailText = first.querySelector('tr.detail').textContent;
  out.bucket = first.dataset.bucket;
  document.getElementById('result').textContent = JSON.stringify(out);
});
</script></body></html>
"""


def coroner_run(argv, expect_status=0):
    p = subprocess.run(argv, capture_output=True, text=True, timeout=600)
    check(p.returncode == expect_status, "%s: exit status %d (want %d)\n%s" % (" ".join(argv[:3]), p.returncode,
                                                                             expect_status, p.stderr))
    return p.stdout, p.stderr


def png_size_and_colours(path):
    """Width, height and the number of distinct byte values of the pixels (1 for a blank page)."""
    with open(path, "rb") as f:
        data = f.read()
    check(data[:8] == b"\x89PNG\r\n\x1a\n", "the screenshot is not a PNG")
    width, height = struct.unpack(">II", data[16:24])
    at, idat = 8, b""
    while at < len(data):
        length, kind = struct.unpack(">I4s", data[at:at + 8])
        if kind == b"IDAT":
            idat += data[at + 8:at + 8 + length]
        at += 12 + length
    return width, height, len(set(zlib.decompress(idat)))


def browser_test(coroner, rows, work, report):
    page = os.path.join(work, "buckets.html")
    coroner_run([coroner, "buckets", "--html", page] + rows)
    with open(os.path.join(work, "check.html"), "w") as f:
        f.write(BROWSER_CHECK)
    p = subprocess.run(CHROMIUM + ["--dump-dom", "file://" + os.path.join(work, "check.html")], capture_output=True,
                       text=True, timeout=120)
    m = re.search(r'<pre id="result">(.*?)</pre>', p.stdout, re.S)
    check(m and m.group(1).startswith("{"), "the page's check did not run in Chromium: %s\n%s" %
          (m and m.group(1), p.stderr[-2000:]))
    seen = json.loads(html.unescape(m.group(1)))
    total = len(report["buckets"])
    check(seen["rows"] == total and seen["shown"] == total, "Chromium shows %d of %d bucket rows (%d in the DOM)" %
          (seen["shown"], total, seen["rows"]))
    check(seen["hiddenDetails"] == total, "details shown before a click: %s" % seen)
    want = [b["count"] for b in report["buckets"]]
    check(seen["initial"] == want, "first order %s, the report's %s" % (seen["initial"], want))
    check(seen["ascending"] == sorted(want) and seen["sort1"] == "ascending", "one click on count: %s %s" %
          (seen["ascending"], seen["sort1"]))
    check(seen["descending"] == sorted(want, reverse=True) and seen["sort2"] == "descending",
          "two clicks on count: %s %s" % (seen["descending"], seen["sort2"]))
    bucket = [b for b in report["buckets"] if b["bucket"] == seen["bucket"]][0]
    check(seen["detailHeight"] > 0 and bucket["signature"] in seen["detailText"] and
          bucket["examples"][0] in seen["detailText"], "the expanded bucket: %s" % seen)
    shot = os.path.join(work, "buckets.png")
    subprocess.run(CHROMIUM + ["--screenshot=" + shot, "--window-size=1400,1000", "file://" + page],
                   capture_output=True, timeout=120)
    check(os.path.exists(shot), "Chromium wrote no screenshot")
    width, height, colours = png_size_and_colours(shot)
    check(width == 1400 and height == 1000 and colours > 8, "screenshot %dx%d with %d byte values" %
          (width, height, colours))
    print("Chromium: %d buckets rendered, sorted by count both ways, one expanded" % total)


def test(argv):
    coroner, lab, script = argv[0], field_batch.manifest(argv[1]), argv[2]
    work = tempfile.mkdtemp(prefix="coroner-buckets-")
    try:
        field, tmpdir = os.path.join(work, "field"), os.path.join(work, "tmp")
        os.mkdir(field)
        os.mkdir(tmpdir)
        expected = field_batch.build_field(lab, field, work)
        lab_rows, field_rows = os.path.join(work, "lab.jsonl"), os.path.join(work, "field.jsonl")
        bin_dir = os.path.dirname(lab["null_field_read"][0])
        cores = [core for _, core in lab.values()]
        env = dict(os.environ, TMPDIR=tmpdir)
        subprocess.run([coroner, "triage", "--gdb-script", script, "--exe-dir", bin_dir, "-o", lab_rows] + cores,
                       env=env, capture_output=True, check=True, timeout=900)
        subprocess.run(field_batch.without_privilege([coroner, "triage", "--gdb-script", script, "-o", field_rows,
                                                      field]), env=env, capture_output=True, timeout=900)

        crash_of = {core: TWINS.get(name, name) for name, (_, core) in lab.items()}
        for name, (status, _, lab_name) in expected.items():
            # A truncated core lost the stack its crash would be known by: a crash of its own.
            if status in ("ok", "truncated"):
                crash_of[os.path.join(field, name)] = lab_name if status == "ok" else lab_name + " (truncated)"
        failing = {os.path.join(field, n): error for n, (status, error, _) in expected.items() if status == "error"}

        out, err = coroner_run([coroner, "buckets", "--json", lab_rows, field_rows])
        report = json.loads(out)
        check(report["schema"] == "coroner.buckets/1", "schema %s" % report["schema"])
        check(report["cores"] == len(crash_of) + len(failing), "%d cores, want %d" %
              (report["cores"], len(crash_of) + len(failing)))
        crashes = sorted(set(crash_of.values()))
        check(len(report["buckets"]) == len(crashes), "%d buckets for %d distinct crashes" %
              (len(report["buckets"]), len(crashes)))
        # Each bucket is one crash: its rows all come from that crash, and all of that crash's rows are in it.
        rows = {}
        for path in (lab_rows, field_rows):
            with open(path) as f:
                for line in f:
                    row = json.loads(line)
                    if row["triage"]:
                        rows[row["input"]] = row["triage"]["bucket"]
        for bucket in report["buckets"]:
            inputs = [i for i, b in rows.items() if b == bucket["bucket"]]
            names = {crash_of[i] for i in inputs}
            check(len(names) == 1, "bucket %s holds crashes %s" % (bucket["bucket"], names))
            want = sum(1 for c in crash_of.values() if c in names)
            check(bucket["count"] == want == len(inputs), "bucket %s of %s: count %d, want %d" %
                  (bucket["bucket"], names, bucket["count"], want))
            check(set(bucket["examples"]) <= set(inputs) and len(bucket["examples"]) == min(5, want),
                  "examples of %s: %s" % (names, bucket["examples"]))
            check(bucket["first_seen"] <= bucket["last_seen"] and bucket["programs"], "bucket %s" % bucket)
        twin = [b for b in report["buckets"] if lab["null_field_read_stripped"][1] in rows and
                b["bucket"] == rows[lab["null_field_read_stripped"][1]]][0]
        check(lab["null_field_read"][1] in twin["examples"], "the stripped twin is not in its original's bucket")
        got_failures = {f["input"]: f["error"] for f in report["failures"]}
        check(sorted(got_failures) == sorted(failing), "failures %s, want %s" % (sorted(got_failures), sorted(failing)))
        for path, error in failing.items():
            check(error in got_failures[path], "failure of %s: %r lacks %r" % (path, got_failures[path], error))

        markdown, _ = coroner_run([coroner, "buckets", lab_rows, field_rows])
        table_rows = [line for line in markdown.splitlines() if line.startswith("| `")]
        check(len(table_rows) == len(crashes) + len(failing), "Markdown rows: %d" % len(table_rows))
        check("## Failed cores (%d)" % len(failing) in markdown, "no failure table in the Markdown")

        # --since/--until: the crash lab's crash times are its cores' times, seconds apart.
        times = sorted({row_time for row_time in (b["first_seen"] for b in report["buckets"])})
        since = times[len(times) // 2]
        out, _ = coroner_run([coroner, "buckets", "--json", "--since", since, lab_rows, field_rows])
        window = json.loads(out)
        check(window["window"]["since"] == since and all(b["first_seen"] >= since for b in window["buckets"]),
              "--since %s: %s" % (since, [b["first_seen"] for b in window["buckets"]]))
        check(window["cores"] + window["outside_window"] == report["cores"] and window["outside_window"] > 0,
              "--since: %d in, %d out of %d" % (window["cores"], window["outside_window"], report["cores"]))
        out, _ = coroner_run([coroner, "buckets", "--json", "--until", "1999-12-31", lab_rows])
        check(json.loads(out)["buckets"] == [], "--until before every crash left buckets")
        _, err = coroner_run([coroner, "buckets", "--since", "last tuesday", lab_rows], expect_status=2)
        check(err.startswith("coroner: error: --since last tuesday: not a date") and len(err.splitlines()) == 1,
              "bad --since: %r" % err)

        # --known: yesterday's report without its first bucket; that one is new today.
        known = dict(report, buckets=report["buckets"][1:])
        with open(os.path.join(work, "known.json"), "w") as f:
            json.dump(known, f)
        out, _ = coroner_run([coroner, "buckets", "--json", "--known", os.path.join(work, "known.json"), lab_rows,
                              field_rows])
        states = [b["state"] for b in json.loads(out)["buckets"]]
        check(states == ["new"] + ["known"] * (len(states) - 1), "--known: %s" % states)

        # A line that is not a row: named, left out, the table still written; secrets in rows are redacted.
        odd = os.path.join(work, "odd.jsonl")
        with open(odd, "w") as f:
            f.write('{"schema": "coroner.batch/1", "input": "/cores/x", "status": "error", "error": '
                    '"gdb said token=%s", "triage": null}\n{oops\n' % TOKEN)
        out, err = coroner_run([coroner, "buckets", odd], expect_status=1)
        check("1 lines were not triage rows" in err and odd + ":2: not JSON" in err, "bad line: %r" % err)
        check(TOKEN not in out + err and "ghp_" in out, "the token in a row's error: %r" % out)
        out, _ = coroner_run([coroner, "buckets", "--json", "--reveal", odd], expect_status=1)
        check(TOKEN in out, "--reveal did not show the row's text as it was")

        # A FIFO named as results or as --known is refused in one line, never waited on.
        fifo = os.path.join(work, "rows.fifo")
        os.mkfifo(fifo)
        for argv in ([coroner, "buckets", fifo], [coroner, "buckets", "--known", fifo, lab_rows]):
            p = subprocess.run(argv, capture_output=True, text=True, timeout=30)
            check(p.returncode == 1 and p.stdout == "" and p.stderr.count("\n") == 1 and
                  "not a regular file" in p.stderr, "a FIFO: %d %r" % (p.returncode, p.stderr))

        browser_test(coroner, [lab_rows, field_rows], work, report)
        print("%d cores, %d buckets, %d failures" % (report["cores"], len(report["buckets"]), len(failing)))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    harness.main(test)
