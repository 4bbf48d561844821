"""Parity: the same core gives the same pm-triage JSON in GDB and in LLDB (only "debugger" may differ).

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


def test(argv):
    script, plugin, lldb_executable, name, binary, core = argv
    status, out, err = harness.gdb(script, ["pm-triage --json"], binary, core)
    check(status == 0, "gdb failed:\n" + err)
    from_gdb = harness.json_object(out)
    status, out, err = harness.lldb(plugin, ["pm-triage --json"], binary, core, lldb_executable)
    out, err = harness.lldb_noise_removed(out), harness.lldb_noise_removed(err)
    harness.no_traceback(out, err)
    check(status == 0, "lldb exited %d:\n%s\n%s" % (status, out, err))
    from_lldb = harness.json_object(out)
    check(from_gdb["debugger"]["name"] == "gdb" and from_lldb["debugger"]["name"] == "lldb", "debugger names")
    del from_gdb["debugger"], from_lldb["debugger"]
    differences = diff(from_gdb, from_lldb)
    check(not differences, "%d differences:\n  %s" % (len(differences), "\n  ".join(differences)))


if __name__ == "__main__":
    harness.main(test)
