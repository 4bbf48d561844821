"""Parity: the same core gives the same pm-triage, pm-blame-frame, pm-threads and pm-symbols JSON in GDB and in LLDB (only
"debugger" may differ).

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
    differences = []
    for command, a, b in zip(COMMANDS, from_gdb, from_lldb):
        differences += ["%s %s" % (command.split()[0], d) for d in diff(a, b)]
    check(not differences, "%d differences:\n  %s" % (len(differences), "\n  ".join(differences)))


if __name__ == "__main__":
    harness.main(test)
