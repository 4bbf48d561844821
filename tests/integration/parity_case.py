"""Parity: the same core gives the same pm-triage, pm-blame-frame, pm-threads and pm-symbols JSON in GDB and in LLDB (only
"debugger" may differ, and a frame's "found_by": where GDB's unwinder stops early and coroner recovers the frames,
LLDB's may unwind them itself; the frames must be the same, and the test prints how each debugger found them. Where
frames came from a stack scan, which stays out of the signature, one signature must be the other cut short).

usage: parity_case.py GDB-SCRIPT LLDB-PLUGIN LLDB-EXECUTABLE NAME BINARY CORE"""
import json

import harness
from harness import check


def diff(a, b, path=""):
    """Where two JSON values differ, as a list of 'path: a != b'."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for key in sorted(set(a) | set(b)):
            out += diff(a.get(key, "<missing>"), b.get(key, "<missing>"), path + "." + key)
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        out = []
        for i, (x, y) in enumerate(zip(a, b)):
            out += diff(x, y, "%s[%d]" % (path, i))
        return out
    return [] if a == b else ["%s: gdb %s != lldb %s" % (path, json.dumps(a), json.dumps(b))]


COMMANDS = ["pm-triage --json", "pm-blame-frame --json --explain", "pm-threads --json", "pm-symbols --json"]


def json_objects(stdout, count):
    """The commands' JSON objects, one line each, in order."""
    lines = [line for line in stdout.splitlines() if line.startswith("{")]
    check(len(lines) == count, "%d JSON lines for %d commands:\n%s" % (len(lines), count, stdout))
    return [json.loads(line) for line in lines]


def test(argv):
    script, plugin, lldb_executable, name, binary, core = argv
    from_gdb, from_lldb = [], []
    for debugger, objects in ((harness.Debugger(["gdb", script]), from_gdb),
                              (harness.Debugger(["lldb", plugin, lldb_executable]), from_lldb)):
        status, out, err = debugger.run(COMMANDS, binary, core)
        check(status == 0, "%s exited %d:\n%s\n%s" % (debugger.kind, status, out, err))
        objects += json_objects(out, len(COMMANDS))
    triage_gdb, triage_lldb = from_gdb[0], from_lldb[0]
    check(triage_gdb["debugger"]["name"] == "gdb" and triage_lldb["debugger"]["name"] == "lldb", "debugger names")
    del triage_gdb["debugger"], triage_lldb["debugger"]
    scanned = recovered = False
    for label, report in (("gdb", triage_gdb), ("lldb", triage_lldb)):
        found_by = [f.pop("found_by") for f in report["thread"]["frames"]]
        if any(how != "debugger" for how in found_by):
            print("%s found the frames by %s" % (label, found_by))
            recovered = True
        scanned = scanned or "scan" in found_by
    if recovered:
        # A recovered frame has no variables the debugger can read: the value's origin is traced as far as the
        # debugger's own frames go, so one trace must be the other cut short.
        origins = [report["origin"]["frames"] if report["origin"] else [] for report in (from_gdb[1], from_lldb[1])]
        short, full = sorted(origins, key=len)
        check(full[:len(short)] == short, "origins %s and %s: one is not the other cut short" % (short, full))
        for report in (from_gdb[1], from_lldb[1]):
            report.pop("origin")
    if scanned:
        # Scanned frames are guesses and stay out of the signature: where one debugger's frames came from a
        # scan and the other's unwinder found them, its signature is the other's cut short, so buckets differ.
        short, full = sorted((triage_gdb["signature"], triage_lldb["signature"]), key=len)
        check(full.startswith(short), "signatures %r and %r: one is not the other cut short" % (short, full))
        print("signatures differ by scanned frames: %r, %r" % (short, full))
        for report in (triage_gdb, triage_lldb):
            del report["signature"], report["bucket"]
    for report in (from_gdb[2], from_lldb[2]):
        for group in report["groups"]:
            for f in group["frames"]:
                f.pop("found_by")
    differences = []
    for command, a, b in zip(COMMANDS, from_gdb, from_lldb):
        differences += ["%s %s" % (command.split()[0], d) for d in diff(a, b)]
    check(not differences, "%d differences:\n  %s" % (len(differences), "\n  ".join(differences)))


if __name__ == "__main__":
    harness.main(test)
