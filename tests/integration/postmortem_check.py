"""`coroner check-postmortem` on written examples (tests/data/postmortem/): a clean write-up passes; each
finding of the others (blame language, timeline entries without a time or a zone, fill prompts left, a
missing section, pasted credentials) is asserted with its line; a credential is never printed whole;
exit status 0 / 1 / 2.

usage: postmortem_check.py CORONER EXAMPLES-DIR"""
import json
import os
import subprocess
import tempfile

import harness
from harness import check

TOKEN = "ghp_R7kQm2XvT9pLw4ZsN8bYc3HdJ6fGa1Ue5Vio"
ALL_SECTIONS = ["SUMMARY", "IMPACT", "DETECTION", "TRIGGER", "RESOLUTION", "TIMELINE", "ROOT-CAUSE", "FIVE-WHYS",
                "ACTION-ITEMS", "LESSONS", "SUPPORTING"]

# (line, id) of every finding but the missing sections, and the sections each example has.
EXPECTED = {
    "clean.md": ([], ALL_SECTIONS),
    "blame.md": ([(4, "PM-BLAME-HUMAN-ERROR"), (4, "PM-BLAME-FORGOT"), (5, "PM-BLAME-CARELESS"), (5, "PM-BLAME-FAULT"),
                  (8, "PM-BLAME-SHOULD-HAVE"), (8, "PM-BLAME-NEGLIGENCE"), (8, "PM-BLAME-MISTAKE-BY")],
                 ["SUMMARY", "ROOT-CAUSE"]),
    "timeline.md": ([(5, "PM-TIMELINE-NO-ZONE"), (6, "PM-TIMELINE-NO-TIME"), (12, "PM-TIMELINE-NO-ZONE")],
                    ["TIMELINE", "ROOT-CAUSE"]),
    "draft.md": ([(8, "PM-FILL"), (12, "PM-FILL")], ["SUMMARY", "IMPACT", "TIMELINE", "ROOT-CAUSE"]),
    "secret.md": ([(4, "PM-SECRET"), (5, "PM-SECRET")], ["ROOT-CAUSE"]),
}


def run(argv):
    p = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


def test(argv):
    coroner, examples = argv
    for name, (findings, sections) in sorted(EXPECTED.items()):
        path = os.path.join(examples, name)
        status, out, err = run([coroner, "check-postmortem", "--json", path])
        check(status == (1 if findings or sections != ALL_SECTIONS else 0), "%s: exit status %d\n%s" %
              (name, status, err))
        check(out.count("\n") == 1, "the JSON is not one line, as pm-report --check --json prints it:\n%s" % out)
        report = json.loads(out)
        check(report["schema"] == "coroner.postmortem-check/1" and report["file"] == path, "%s: %s" % (name, out))
        got = [(f["line"], f["id"]) for f in report["findings"] if f["kind"] != "section"]
        check(got == findings, "%s: findings %s, want %s" % (name, got, findings))
        missing = [f["id"] for f in report["findings"] if f["kind"] == "section"]
        want_missing = ["PM-SECTION-" + s for s in ALL_SECTIONS if s not in sections]
        check(missing == want_missing, "%s: missing sections %s, want %s" % (name, missing, want_missing))
        check(all(f["hint"] for f in report["findings"]), "%s: a finding without a hint" % name)
        status, text, _ = run([coroner, "check-postmortem", path])
        lines = text.splitlines()
        check(len(lines) == len(report["findings"]) and all(l.startswith(path + ":") for l in lines),
              "%s: text output %r" % (name, text))
        check(TOKEN not in out + text, "%s: a credential printed whole" % name)
    status, out, _ = run([coroner, "check-postmortem", os.path.join(examples, "secret.md")])
    check("github-token: ghp_…5Vio" in out, "the credential's preview: %r" % out)
    # What cannot be read is a usage error, one line.
    with tempfile.TemporaryDirectory() as folder:
        for path, why in [(os.path.join(folder, "none.md"), "No such file"), (folder, "not a regular file")]:
            status, out, err = run([coroner, "check-postmortem", path])
            check(status == 2 and out == "" and err.count("\n") == 1 and why in err and
                  err.startswith("coroner: error: "), "%s: %d %r" % (path, status, err))


if __name__ == "__main__":
    harness.main(test)
