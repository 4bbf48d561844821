"""pm-report on one crash-lab core in GDB and in every LLDB: every section of the checker's list, in order;
the same text in all the debuggers; the facts (class, blame, bucket) those of pm-triage's JSON; written
0600; and no secret value the core holds (pm-secrets-scan --reveal) anywhere in the text or the JSON.

usage: report_case.py GDB-SCRIPT NAME BINARY CORE SECTIONS-JSON [LLDB-PLUGIN,LLDB-EXECUTABLE]..."""
import json
import os
import re
import stat
import tempfile

import harness
from harness import check


def report_files(debugger, binary, core, scratch, extra=()):
    """The report as Markdown and as JSON, written by the debugger with --output; and the output of `extra`."""
    name = debugger.kind + str(len(os.listdir(scratch)))
    md, js = os.path.join(scratch, name + ".md"), os.path.join(scratch, name + ".json")
    commands = list(extra) + ["pm-report --output " + md, "pm-report --json --output " + js]
    status, out, err = debugger.run(commands, binary, core)
    check(status == 0, "%s exited %d:\n%s\n%s" % (debugger.kind, status, out, err))
    for path in (md, js):
        check(os.path.exists(path), "%s wrote no %s:\n%s\n%s" % (debugger.kind, path, out, err))
        mode = stat.S_IMODE(os.stat(path).st_mode)
        check(mode == 0o600, "%s has mode %o, not 0600" % (path, mode))
        check("wrote %s (mode 0600)" % path in out, "no 'wrote' line for %s:\n%s" % (path, out))
    with open(md) as f:
        text = f.read()
    with open(js) as f:
        lines = f.read().splitlines()
    check(len(lines) == 1, "the JSON is %d lines" % len(lines))
    return text, json.loads(lines[0]), out


def check_sections(text, sections):
    headings = [line[3:] for line in text.splitlines() if line.startswith("## ")]
    titles = [s["title"] for s in sections]
    check(headings == titles, "sections %s, the checker's are %s" % (headings, titles))
    check(text.startswith("# ") and "\nStatus: draft" in text, "no title or status line:\n" + text[:300])
    check(re.search(r"\nDate: \d{4}-\d\d-\d\d \(UTC\)", text), "no UTC date line")


def check_facts(text, report, triage):
    facts = report["facts"]
    check(report["schema"] == "coroner.report/1" and report["status"] == "draft", "schema or status")
    check(facts["class"] == triage["cause"]["class"], "class %s, pm-triage %s" % (facts["class"], triage["cause"]["class"]))
    check(facts["bucket"] == triage["bucket"], "bucket %s, pm-triage %s" % (facts["bucket"], triage["bucket"]))
    check(facts["signature"] == triage["signature"], "signature differs from pm-triage's")
    blame = triage["blame"]
    if blame is None:
        check(facts["blame"] is None, "a blame pm-triage does not give: %s" % facts["blame"])
        check("- Blamed frame: none" in text, "the text does not say no frame is blamed")
    else:
        got = facts["blame"]
        check(got is not None and (got["function"], got["file"], got["line"]) ==
              (blame["function"], blame["file"], blame["line"]), "blame %s, pm-triage %s" % (got, blame))
        where = (blame["function"] or "??") + ("" if not blame["file"] else " at " + os.path.basename(blame["file"]) +
                                     ("" if blame["line"] is None else ":%d" % blame["line"]))
        check("- Blamed frame: " + where in text, "the blamed frame %r is not in the root cause" % where)
    check("Cause of death: `%s`" % triage["cause"]["class"] in text, "the class is not in the root cause")
    check("- Bucket: `%s`" % triage["bucket"] in text, "the bucket is not in the supporting information")
    core_digest = harness.run(["sha256sum", triage["process"]["core_file"]])[1].split()[0]
    check("sha256 `%s`" % core_digest in text and facts["core_sha256"] == core_digest, "the core's sha256 is not %s"
          % core_digest)
    # The sections as JSON fields are the Markdown's bodies.
    for field in ("summary", "root_cause", "five_whys", "action_items", "supporting_information"):
        check(report[field] and report[field] in text, "the JSON's %s is not the Markdown's" % field)


# Where GDB's unwinder stops early and coroner recovers the frames, LLDB's may unwind them itself: the report says
# how each frame was found (`#2 fp`, a line on the recovery), which is compared apart from the rest.
RECOVERY_LINE = re.compile(r"^.*coroner recovered \d+ frames?:.*\n", re.M)
FRAME_LABEL = re.compile(r"#(\d+)(?: fp| scan)? +")
# Cores where one debugger's frames came from a stack scan, which stays out of the signature and has no
# variables to trace a value through: the texts differ in bucket, signature and origin, and are compared apart.
SCANNED = {"nocfi_no_frame_pointers"}


def without_recovery_marks(text):
    return FRAME_LABEL.sub(lambda m: "#%s " % m.group(1), RECOVERY_LINE.sub("", text))


def json_without_recovery_marks(value):
    if isinstance(value, str):
        return without_recovery_marks(value)
    if isinstance(value, list):
        return [json_without_recovery_marks(v) for v in value]
    if isinstance(value, dict):
        return {k: json_without_recovery_marks(v) for k, v in value.items() if k != "found_by"}
    return value


def secret_values(debugger, binary, core):
    scan = debugger.json("pm-secrets-scan --json --reveal", binary, core)
    return [f["value"] for f in scan["findings"] if f["value"] and len(f["value"]) >= 8]


def test(argv):
    script, name, binary, core, sections_file = argv[:5]
    with open(sections_file) as f:
        sections = json.load(f)["rules"]
    gdb = harness.Debugger(["gdb", script])
    lldbs = [harness.Debugger(["lldb"] + pair.split(",")) for pair in argv[5:]]
    with tempfile.TemporaryDirectory() as scratch:
        text, report, out = report_files(gdb, binary, core, scratch, ["pm-triage --json"])
        triage = harness.json_object(out.split("wrote ")[0])
        check_sections(text, sections)
        check_facts(text, report, triage)
        for lldb in lldbs:
            other, other_report, _ = report_files(lldb, binary, core, scratch)
            if name in SCANNED:
                check_sections(other, sections)
                check("Cause of death: `%s`" % triage["cause"]["class"] in other, "LLDB's class differs")
                continue
            if without_recovery_marks(other) != without_recovery_marks(text):
                a, b = without_recovery_marks(text).splitlines(), without_recovery_marks(other).splitlines()
                first = next(i for i in range(min(len(a), len(b)) + 1) if i >= min(len(a), len(b)) or a[i] != b[i])
                check(False, "LLDB (%s) wrote another text; first difference at line %d:\n  gdb:  %s\n  lldb: %s" % (
                    lldb.executable, first + 1, a[first] if first < len(a) else "<end>",
                    b[first] if first < len(b) else "<end>"))
            check(json_without_recovery_marks(other_report) == json_without_recovery_marks(report),
                  "LLDB (%s) wrote another JSON" % lldb.executable)
        values = secret_values(gdb, binary, core)
        if name == "secrets_everywhere":
            check(len(values) >= 5, "secrets_everywhere's core holds only %d secrets" % len(values))
            check("| Rule | Kind | Region | Count |" in text, "no secrets table for secrets_everywhere")
            check(any(a.startswith("PM-ACTION-ROTATE-CREDENTIALS") for a in
                      [x["id"] for x in report["facts"]["actions"]]), "no rotation action for a core with secrets")
        dumped = json.dumps(report)
        for value in values:
            check(value not in text and json.dumps(value)[1:-1] not in dumped,
                  "a secret value appears in the report: %s..." % value[:6])


if __name__ == "__main__":
    harness.main(test)
