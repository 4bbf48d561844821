"""Buckets: the same crash gives the same bucket from another folder under another name; different
crash-lab cases give different buckets (twins of one program -- a debuglink copy -- are the same crash).

usage: buckets.py GDB-SCRIPT MANIFEST RELOCATED-BINARY RELOCATED-CORE"""
import harness
from harness import check

SAME_CRASH = {"null_field_read_debuglink": "null_field_read"}


def test(argv):
    script, manifest, relocated_binary, relocated_core = argv
    debugger = harness.Debugger(["gdb", script])
    reports = {}
    with open(manifest) as f:
        for row in f:
            name, binary, core, _ = row.rstrip("\n").split("\t")
            reports[name] = debugger.json("pm-triage --json", binary, core)
    relocated = debugger.json("pm-triage --json", relocated_binary, relocated_core)
    original = reports["null_field_read"]
    check(relocated["process"]["executable"] != original["process"]["executable"], "the relocated build is not elsewhere")
    check(relocated["thread"]["frames"][0]["file"] != original["thread"]["frames"][0]["file"],
          "the relocated build's source is not elsewhere")
    check(relocated["signature"] == original["signature"] and relocated["bucket"] == original["bucket"],
          "rebuilt elsewhere: %s %s != %s %s" % (relocated["bucket"], relocated["signature"], original["bucket"],
                                                original["signature"]))
    for twin, of in SAME_CRASH.items():
        check(reports[twin]["bucket"] == reports[of]["bucket"], "%s and %s differ" % (twin, of))
    by_bucket = {}
    for name, report in sorted(reports.items()):
        if name in SAME_CRASH:
            continue
        check(len(report["bucket"]) == 16 and int(report["bucket"], 16) >= 0, "%s: bucket %r" % (name, report["bucket"]))
        by_bucket.setdefault(report["bucket"], []).append("%s (%s)" % (name, report["signature"]))
    shared = [names for names in by_bucket.values() if len(names) > 1]
    check(not shared, "cases share a bucket: %s" % shared)
    print("%d cases, %d distinct buckets" % (len(reports) - len(SAME_CRASH), len(by_bucket)))


if __name__ == "__main__":
    harness.main(test)
