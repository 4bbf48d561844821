"""pm-symbols: a stripped binary has no debug info, a debuglink twin has it separate, an unstripped one
embedded, and a core opened with another build of its program is a mismatch. Build-ids are checked
against eu-readelf's reading of each file.

usage: symbols_case.py (gdb SCRIPT | lldb PLUGIN LLDB-EXECUTABLE) BIN-DIR CORES-DIR"""
import os

import harness
from harness import check


def program_module(report, binary):
    modules = {m["path"]: m for m in report["modules"]}
    check(binary in modules, "%s is not among the modules: %s" % (binary, sorted(modules)))
    check(report["modules"][0]["path"] == binary, "the program is not listed first")
    return modules[binary]


def test(argv):
    debugger = harness.Debugger(argv)
    bin_dir, cores = debugger.rest
    cases = {}
    for name in ("null_field_read", "null_field_read_stripped", "null_field_read_debuglink"):
        binary = os.path.join(bin_dir, name)
        report = debugger.json("pm-symbols --json", binary, os.path.join(cores, name + ".core"))
        check(report["schema"] == "coroner.symbols/1", "schema %s" % report["schema"])
        for m in report["modules"]:
            for key in ("path", "build_id", "build_id_in_core", "debug_info", "debug_file", "matches_core", "hint"):
                check(key in m, "module %s lacks %s" % (m.get("path"), key))
            check(m["build_id"] == harness.build_id(m["path"]),
                  "%s: build-id %s, eu-readelf says %s" % (m["path"], m["build_id"], harness.build_id(m["path"])))
            check(m["matches_core"] is True, "%s does not match its own core" % m["path"])
        cases[name] = program_module(report, binary)

    check(cases["null_field_read"]["debug_info"] == "embedded" and cases["null_field_read"]["hint"] is None,
          "unstripped: %s" % cases["null_field_read"])
    stripped = cases["null_field_read_stripped"]
    check(stripped["debug_info"] == "none", "stripped: debug_info %s" % stripped["debug_info"])
    check("rebuild with -g" in (stripped["hint"] or ""), "stripped: hint %r" % stripped["hint"])
    twin = cases["null_field_read_debuglink"]
    check(twin["debug_info"] == "separate", "debuglink twin: debug_info %s" % twin["debug_info"])
    check(twin["debug_file"] == os.path.join(bin_dir, "null_field_read_debuglink.debug"),
          "debuglink twin: debug_file %s" % twin["debug_file"])

    # The core of null_field_read opened with another build of it (same name, -O1).
    other = os.path.join(bin_dir, "other-build", "null_field_read")
    core = os.path.join(cores, "null_field_read.core")
    report = debugger.json("pm-symbols --json", other, core)
    module = program_module(report, other)
    check(module["matches_core"] is False, "another build: matches_core %s" % module["matches_core"])
    check(module["build_id"] == harness.build_id(other), "another build: build_id %s" % module["build_id"])
    check(module["build_id_in_core"] == harness.build_id(os.path.join(bin_dir, "null_field_read")),
          "another build: the core's build-id %s is not the crashed binary's" % module["build_id_in_core"])
    check("not the build that crashed" in (module["hint"] or ""), "another build: hint %r" % module["hint"])
    triage = debugger.json("pm-triage --json", other, core)
    check(triage["symbols"]["mismatched"] == [other], "pm-triage mismatched: %s" % triage["symbols"]["mismatched"])
    status, out, err = debugger.run(["pm-triage"], other, core)
    check("is not the build that crashed" in out, "pm-triage text has no mismatch warning:\n" + out)


if __name__ == "__main__":
    harness.main(test)
