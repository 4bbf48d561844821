"""Stacks the unwinder gives up on (issue 19): the crash lab's programs without unwind tables, through GDB and
every LLDB. For each, pm-triage's function list, blame and (but for found_by) whole JSON are the same in every
debugger, each frame says how it was found, and the stack is compared with eu-stack's (elfutils, an unwinder of
its own): where they differ, the test output says so.

- nocfi_frame_pointers: GDB stops after measure; the frame-pointer chain reaches main, eu-stack's list; blame and
  bucket are those of its twin built with unwind tables. --no-recover gives GDB's frames only.
- nocfi_no_frame_pointers: no frame pointers either; GDB stops after decode_record, the stack scan finds the callers,
  which stay out of the signature.
- nocfi_signal_handler: the chain crosses the signal frame (__restore_rt) into the interrupted code.
- return_smashed: the stack ends where the return address was overwritten; nothing is invented past it.

LLDB's own unwinder (assembly inspection) unwinds all of these by itself: its frames are found_by "debugger".

usage: stack_recovery.py CRASH-LAB-BIN CORES GDB-SCRIPT MAJOR,PLUGIN,LLDB..."""
import json
import os
import re

import harness
from harness import check
from parity_case import diff

# The functions each stack must list (to main), and how GDB finds each frame (LLDB finds them all itself).
CASES = {
    "nocfi_frame_pointers": {
        "functions": ["__strlen_evex", "measure", "header_length", "parse_request", "main"],
        "gdb_found_by": ["debugger", "debugger", "frame-pointer", "frame-pointer", "frame-pointer"],
        "blame": "measure",
    },
    "nocfi_no_frame_pointers": {
        "functions": ["read_field", "decode_record", "load_table", "main"],
        "gdb_found_by": ["debugger", "debugger", "scan", "scan"],
        "blame": "read_field",
        "scan_signature": True,
    },
    "nocfi_signal_handler": {
        "functions": ["record_reload", "on_reload", "__restore_rt", "serve_forever", "start_server", "main"],
        "gdb_found_by": ["debugger", "frame-pointer", "frame-pointer", "frame-pointer", "frame-pointer",
                         "frame-pointer"],
        "blame": "record_reload",
    },
    "return_smashed": {
        "functions": ["parse_header"],
        "gdb_found_by": ["debugger"],
        "blame": "parse_header",
    },
}


def triage_runs(debuggers, binary, core, extra=""):
    """{debugger name: pm-triage JSON} for each debugger."""
    out = {}
    for name, debugger in debuggers:
        status, stdout, stderr = debugger.run(["pm-triage --json" + extra], binary, core)
        check(status == 0, "%s exited %d:\n%s\n%s" % (name, status, stdout, stderr))
        harness.no_traceback(stdout, stderr)
        out[name] = harness.json_object(stdout)
    return out


def functions(report):
    return [f["function"] for f in report["thread"]["frames"]]


def eu_stack_functions(binary, core):
    """The crashing thread's functions as eu-stack unwinds them, to main."""
    status, out, err = harness.run(["eu-stack", "--core", core, "--executable", binary])
    names = []
    for line in out.splitlines():
        m = re.match(r"#\d+\s+0x[0-9a-f]+\s*(\S*)", line.strip())
        if m:
            names.append(re.sub(r"@.*$", "", m.group(1)) or None)
            if names[-1] == "main":
                break
    return names, err.strip()


def without_found_by(report):
    copy = json.loads(json.dumps(report))
    del copy["debugger"]
    for f in copy["thread"]["frames"]:
        f.pop("found_by", None)
    return copy


def check_case(name, case, debuggers, binary, core):
    reports = triage_runs(debuggers, binary, core)
    for debugger, report in reports.items():
        check(functions(report) == case["functions"], "%s %s: frames %s, expected %s" % (
            debugger, name, functions(report), case["functions"]))
        found_by = [f["found_by"] for f in report["thread"]["frames"]]
        wanted = case["gdb_found_by"] if debugger == "gdb" else ["debugger"] * len(case["functions"])
        check(found_by == wanted, "%s %s: found_by %s, expected %s" % (debugger, name, found_by, wanted))
        check(report["blame"] and report["blame"]["function"] == case["blame"], "%s %s: blamed %s, expected %s" % (
            debugger, name, report["blame"], case["blame"]))
        print("%s %s: %s" % (debugger, name, " | ".join("%s(%s)" % (f["function"], f["found_by"])
                                                         for f in report["thread"]["frames"])))
    for debugger, report in reports.items():
        gdb, report = without_found_by(reports["gdb"]), without_found_by(report)
        if case.get("scan_signature"):
            # GDB's scanned frames stay out of its signature; LLDB's unwinder found the same frames itself.
            check(report["signature"].startswith(gdb["signature"]), "%s %s: signature %r does not start with "
                  "GDB's %r" % (debugger, name, report["signature"], gdb["signature"]))
            for key in ("signature", "bucket"):
                del report[key], gdb[key]
        differences = diff(gdb, report)
        check(not differences, "%s %s: JSON differs from GDB's:\n  %s" % (debugger, name, "\n  ".join(differences)))
    theirs, problem = eu_stack_functions(binary, core)
    ours = case["functions"]
    differing = [i for i in range(max(len(ours), len(theirs)))
                 if (ours[i] if i < len(ours) else None) != (theirs[i] if i < len(theirs) else None)]
    print("%s: eu-stack %s%s; differs from coroner at frames %s" % (
        name, theirs, " (%s)" % problem if problem else "", differing or "none"))
    return reports


def test(argv):
    bin_dir, cores, script = argv[0], argv[1], argv[2]
    debuggers = [("gdb", harness.Debugger(["gdb", script]))]
    for entry in argv[3:]:
        major, plugin, lldb = entry.split(",")
        debuggers.append(("lldb " + major, harness.Debugger(["lldb", plugin, lldb])))
    check(len(debuggers) >= 3, "GDB and both LLDBs are needed, got %s" % [d for d, _ in debuggers])

    reports = {}
    for name, case in CASES.items():
        binary, core = os.path.join(bin_dir, name), os.path.join(cores, name + ".core")
        reports[name] = check_case(name, case, debuggers, binary, core)

    # Done-when 1: the frame-pointer program's stack is eu-stack's, and blame and bucket are its CFI twin's.
    name = "nocfi_frame_pointers"
    theirs, problem = eu_stack_functions(os.path.join(bin_dir, name), os.path.join(cores, name + ".core"))
    check(theirs == CASES[name]["functions"], "eu-stack gives %s (%s), coroner %s" % (
        theirs, problem, CASES[name]["functions"]))
    twin = triage_runs(debuggers, os.path.join(bin_dir, name + "_with_cfi"),
                       os.path.join(cores, name + "_with_cfi.core"))
    for debugger, report in reports[name].items():
        check(functions(twin[debugger]) == functions(report), "%s: the CFI twin's frames %s, these %s" % (
            debugger, functions(twin[debugger]), functions(report)))
        check(all(f["found_by"] == "debugger" for f in twin[debugger]["thread"]["frames"]),
              "%s: the CFI twin needed recovery" % debugger)
        for key in ("signature", "bucket"):
            check(twin[debugger][key] == report[key], "%s: %s %s, the CFI twin's %s" % (
                debugger, key, report[key], twin[debugger][key]))
        check(twin[debugger]["blame"]["function"] == report["blame"]["function"], "%s: blame differs from the twin")

    # --no-recover: GDB's own frames only, and a bucket of them.
    plain = triage_runs(debuggers[:1], os.path.join(bin_dir, name), os.path.join(cores, name + ".core"),
                        " --no-recover")["gdb"]
    check(functions(plain) == CASES[name]["functions"][:2], "--no-recover frames %s" % functions(plain))
    check(plain["bucket"] != reports[name]["gdb"]["bucket"], "--no-recover left the bucket as it was")

    # Scanned frames are guesses: they stay out of the signature.
    scanned = reports["nocfi_no_frame_pointers"]["gdb"]
    check(scanned["signature"] == "SIGSEGV null-deref read_field | decode_record", "signature with scanned frames: %s" %
          scanned["signature"])

    # The text says which frames were recovered and how; pm-threads and pm-blame-frame take --no-recover.
    status, out, err = debuggers[0][1].run(["pm-triage", "pm-threads --json", "pm-blame-frame --no-recover --json",
                                            "pm-threads --no-recover"],
                                           os.path.join(bin_dir, name), os.path.join(cores, name + ".core"))
    check(status == 0, "gdb exited %d: %s %s" % (status, out, err))
    check(re.search(r"#2 fp +0x[0-9a-f]+ +header_length", out), "no '#2 fp' frame line in:\n" + out)
    check("coroner recovered 3 frames: 3 by frame pointers" in out, "no recovery line in:\n" + out)
    threads = [json.loads(l) for l in out.splitlines() if l.startswith('{"schema":"coroner.threads/1"')][0]
    check([f["found_by"] for f in threads["groups"][0]["frames"]][2:] == ["frame-pointer"] * 3,
          "pm-threads found_by: %s" % threads["groups"][0]["frames"])
    blame = [json.loads(l) for l in out.splitlines() if l.startswith('{"schema":"coroner.blame/1"')][0]
    check(blame["function"] == "measure", "pm-blame-frame --no-recover blamed %s" % blame["function"])


if __name__ == "__main__":
    harness.main(test)
