"""pm-report beyond the per-core runs (report_case.py).

log: a log mixing RFC 3339 lines with offsets and Z, syslog, journalctl JSON, a line holding a GitHub token
  and a line without a time, in GDB and every LLDB: the window's lines (10 min before, 1 min after; --window
  narrows it) in UTC time order around the crash, the token redacted, the unreadable line kept and marked.
check: the draft fails check-postmortem only for its fill prompts; filled (here), it passes (exit 0);
  pm-report --check in the debuggers gives check-postmortem's findings, line for line.
cli: `coroner report CORE` writes the debugger's text; a core stored by systemd-coredump (zstd, its name
  carrying the crash time) is reported with that recorded time, an apport report with its Date and Package;
  --output is 0600 and never overwritten.

usage: report_more.py CASE CORONER GDB-SCRIPT BINARY CORE [LLDB-PLUGIN,LLDB-EXECUTABLE]..."""
import os
import re
import shutil
import stat
import subprocess
import tempfile

import field_batch
import harness
from harness import check

TOKEN = "ghp_R7kQm2XvT9pLw4ZsN8bYc3HdJ6fGa1Ue5Vio"
CRASH = ["--crash-time", "2026-11-29T16:26:51Z", "--time-source", '"systemd-coredump (test)"']
LOG = [
    "2026-11-29T17:15:00+01:00 app: too early, before the window",          # 16:15:00Z
    "2026-11-29T17:20:00+01:00 app: worker started",                        # 16:20:00Z
    '{"__REALTIME_TIMESTAMP":"1795969500000000","MESSAGE":"health check slow","SYSLOG_IDENTIFIER":"lb"}',  # 16:25:00Z
    "Nov 29 16:22:10 db-3 app[42]: cache warm",                             # 16:22:10Z
    "2026-11-29T16:25:30Z app: calling the API with token " + TOKEN,
    "    at retry_loop (no time on this line)",
    "2026-11-29T08:26:00-08:00 app: request 7 began",                       # 16:26:00Z
    "2026-11-29T16:27:40Z app: supervisor restarting the worker",
    "2026-11-29T16:28:30Z app: too late, after the window",
]
# The timeline's entries, in order: (UTC time or marker, the text it must hold).
EXPECTED = [
    ("2026-11-29T16:20:00Z", "log:2: 2026-11-29T17:20:00+01:00 app: worker started"),
    ("2026-11-29T16:22:10Z", "log:4: Nov 29 16:22:10 db-3 app[42]: cache warm"),
    ("2026-11-29T16:25:00Z", "log:3: lb: health check slow"),
    ("2026-11-29T16:25:30Z", "log:5: 2026-11-29T16:25:30Z app: calling the API with token ghp_"),
    ("(time unreadable; placed after 2026-11-29T16:25:30Z)", "log:6:     at retry_loop"),
    ("2026-11-29T16:26:00Z", "log:7: 2026-11-29T08:26:00-08:00 app: request 7 began"),
    ("**2026-11-29T16:26:51Z", "died of SIG"),
    ("2026-11-29T16:27:40Z", "log:8: 2026-11-29T16:27:40Z app: supervisor restarting the worker"),
]


def debuggers(script, pairs):
    return [harness.Debugger(["gdb", script])] + [harness.Debugger(["lldb"] + p.split(",")) for p in pairs]


def written_report(debugger, binary, core, path, options=""):
    status, out, err = debugger.run(["pm-report --output %s %s" % (path, options)], binary, core)
    check(status == 0 and os.path.exists(path), "%s: pm-report failed:\n%s\n%s" % (debugger.kind, out, err))
    with open(path) as f:
        return f.read()


def timeline_entries(text):
    section = text.split("\n## Timeline (UTC)\n")[1].split("\n## ")[0]
    return [line[2:] for line in section.splitlines() if line.startswith("- ") and " — " in line]


def case_log(coroner, script, binary, core, pairs):
    with tempfile.TemporaryDirectory() as scratch:
        log = os.path.join(scratch, "log")
        with open(log, "w") as f:
            f.write("\n".join(LOG) + "\n")
        texts = []
        for debugger in debuggers(script, pairs):
            md = os.path.join(scratch, "%s%d.md" % (debugger.kind, len(texts)))
            text = written_report(debugger, binary, core, md, "--log %s %s" % (log, " ".join(CRASH)))
            texts.append(text)
            entries = timeline_entries(text)
            check(len(entries) == len(EXPECTED), "%s: %d timeline entries, want %d:\n%s" % (
                debugger.kind, len(entries), len(EXPECTED), "\n".join(entries)))
            for entry, (time, fragment) in zip(entries, EXPECTED):
                check(entry.startswith(time) and fragment in entry, "%s: entry %r, want %s ... %s" % (
                    debugger.kind, entry, time, fragment))
            check(TOKEN not in text and TOKEN[-8:] not in text, "%s: the token is in the report" % debugger.kind)
            check("recorded by systemd-coredump (test)" in text, "the crash time's source is not named")
            check("%s: 7 of 9 lines in the window" % log in text, "the log's count line is missing")
            check("Log lines of the 10 min before the crash and 1 min after" in text, "the window is not said")
        check(all(t == texts[0] for t in texts), "the debuggers wrote different timelines")
        # A narrower window: only what came in the 2 minutes before, and the minute after.
        text = written_report(debuggers(script, [])[0], binary, core, os.path.join(scratch, "narrow.md"),
                              "--window 2m --log %s %s" % (log, " ".join(CRASH)))
        times = [e.split(" — ")[0] for e in timeline_entries(text)]
        check(times == ["2026-11-29T16:25:00Z", "2026-11-29T16:25:30Z",
                        "(time unreadable; placed after 2026-11-29T16:25:30Z)", "2026-11-29T16:26:00Z",
                        "**2026-11-29T16:26:51Z", "2026-11-29T16:27:40Z"], "--window 2m: %s" % times)
        # --reveal keeps the token: the redaction is pm-report's, not the log's.
        text = written_report(debuggers(script, [])[0], binary, core, os.path.join(scratch, "revealed.md"),
                              "--reveal --log %s %s" % (log, " ".join(CRASH)))
        check(TOKEN in text, "--reveal did not keep the log's token")


def fill_prompts(text):
    return re.sub(r"<!-- fill: [^>]*-->", "Written by the team after the review.", text)


def case_check(coroner, script, binary, core, pairs):
    with tempfile.TemporaryDirectory() as scratch:
        log = os.path.join(scratch, "log")
        with open(log, "w") as f:
            f.write("2026-11-29T16:25:00Z app: request began\n2026-11-29T16:27:00Z app: restarted\n")
        draft = os.path.join(scratch, "draft.md")
        text = written_report(debuggers(script, [])[0], binary, core, draft, "--log %s %s" % (log, " ".join(CRASH)))
        status, expected, err = harness.run([coroner, "check-postmortem", draft])
        check(status == 1, "check-postmortem on the draft exited %d:\n%s%s" % (status, expected, err))
        lines = expected.splitlines()
        check(lines and all(" PM-FILL " in line for line in lines), "findings other than fill prompts:\n" + expected)
        check(len(lines) == text.count("<!-- fill:"), "%d findings for %d prompts" % (len(lines), text.count("<!-- fill:")))
        for debugger in debuggers(script, pairs):
            status, out, err = debugger.run(["pm-report --check " + draft])
            check(status == 0, "%s: pm-report --check failed:\n%s" % (debugger.kind, err))
            check(expected in out, "%s: pm-report --check differs from check-postmortem:\n%s" % (debugger.kind, out))
            check("pm-report --check: %d findings" % len(lines) in out, "%s: no count line" % debugger.kind)
        filled = os.path.join(scratch, "filled.md")
        with open(filled, "w") as f:
            f.write(fill_prompts(text))
        status, out, err = harness.run([coroner, "check-postmortem", filled])
        check(status == 0 and out == "", "the filled draft does not pass (exit %d):\n%s%s" % (status, out, err))
        status, out, err = debuggers(script, [])[0].run(["pm-report --check " + filled])
        check(status == 0 and "pm-report --check: 0 findings" in out, "pm-report --check on the filled draft:\n" + out)


def case_cli(coroner, script, binary, core, pairs):
    with tempfile.TemporaryDirectory() as scratch:
        from_gdb = written_report(debuggers(script, [])[0], binary, core, os.path.join(scratch, "gdb.md"))
        status, out, err = harness.run([coroner, "report", core, "--exe", binary, "--gdb-script", script])
        check(status == 0, "coroner report exited %d:\n%s" % (status, err))
        check(out == from_gdb, "coroner report's text is not pm-report's:\n%s" % out[:600])
        for pair in pairs:
            plugin, lldb = pair.split(",")
            status, out, err = harness.run([coroner, "report", core, "--exe", binary, "--debugger", "lldb",
                                            "--lldb", lldb, "--lldb-plugin", plugin])
            check(status == 0 and out == from_gdb, "coroner report --debugger lldb (%s): exit %d\n%s" % (lldb, status, err))
        # As systemd-coredump stores it: zstd, the crash time (microseconds) in its name.
        stored = os.path.join(scratch, "core.%s.1000.0123456789abcdef0123456789abcdef.4242.1795969611000000.zst" %
                              os.path.basename(binary)[:15])
        status, _, err = harness.run(["zstd", "-q", "-o", stored, core])
        check(status == 0, err)
        out_file = os.path.join(scratch, "report.md")
        status, _, err = harness.run([coroner, "report", stored, "--exe", binary, "--gdb-script", script,
                                      "-o", out_file])
        check(status == 0 and os.path.exists(out_file), "coroner report -o on the zstd core: %s" % err)
        check(stat.S_IMODE(os.stat(out_file).st_mode) == 0o600, "the report is not 0600")
        with open(out_file) as f:
            text = f.read()
        check("Date: 2026-11-29 (UTC)" in text and "recorded by systemd-coredump (file name)" in text,
              "the recorded crash time is not the report's:\n" + text[:800])
        check("**2026-11-29T16:26:51Z" in text, "the crash is not at its recorded time in the timeline")
        status, _, err = harness.run([coroner, "report", stored, "--exe", binary, "--gdb-script", script,
                                      "-o", out_file])
        check(status != 0 and "exists" in err and len(err.strip().splitlines()) == 1,
              "an existing --output was not refused in one line: %s" % err)
        # As apport stores it: a .crash report, its Date in local time, its Package named in the summary.
        crash = os.path.join(scratch, "_prog.crash")
        field_batch.apport_report(crash, core, binary, "gzip")
        status, out, err = harness.run([coroner, "report", crash, "--exe", binary, "--gdb-script", script])
        check(status == 0, "coroner report on an apport report: %s" % err)
        check("package crash-lab 1.0" in out and "recorded by apport (Date field" in out and "(apport-gzip)" in out,
              "the apport report's facts are not the report's:\n" + out[:3000])
        # A truncated core is reported as far as it goes, said so, with the action to raise the size limit.
        cut = os.path.join(scratch, "cut.core")
        with open(core, "rb") as f:
            data = f.read()
        with open(cut, "wb") as f:
            f.write(data[: len(data) * 2 // 3])
        status, out, err = harness.run([coroner, "report", cut, "--exe", binary, "--gdb-script", script])
        check(status == 0, "coroner report on a truncated core: %s" % err)
        check("- The core is truncated (" in out and "(PM-ACTION-CORE-SIZE-LIMIT)" in out,
              "the truncation or its action item is missing:\n" + out[:3000])
        status, _, err = harness.run([coroner, "report", core, "--exe", binary, "--gdb-script", script,
                                      "--log", os.path.join(scratch, "missing.log")])
        check(status == 2 and err.startswith("coroner: error: cannot read the log"), "a missing log: %s" % err)
        # --log takes one file: the core after it is the core.
        log = os.path.join(scratch, "app.log")
        with open(log, "w") as f:
            f.write("2026-11-29T16:25:00Z app: started\n")
        status, out, err = harness.run([coroner, "report", "--log", log, core, "--exe", binary, "--gdb-script", script])
        check(status == 0 and "%s: 0 of 1 lines in the window" % log in out, "--log before CORE: %s" % err)
        status, _, err = harness.run([coroner, "report", core, "--exe", binary, "--window", "10"])
        check(status == 2 and "--window 10 is not a duration" in err, "a bare --window: %s" % err)


CASES = {"log": case_log, "check": case_check, "cli": case_cli}


def test(argv):
    case, coroner, script, binary, core = argv[:5]
    CASES[case](coroner, script, binary, core, argv[5:])


if __name__ == "__main__":
    harness.main(test)
