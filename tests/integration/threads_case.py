"""pm-threads on thread_crash: six threads, the crashing one first in a group of its own, the four idle
workers in one group waiting on a condition variable, main joining. Thread ids are checked against the
core's notes as eu-readelf reads them.

usage: threads_case.py (gdb SCRIPT | lldb PLUGIN LLDB-EXECUTABLE) BIN-DIR CORES-DIR"""
import os

import harness
from harness import check


def test(argv):
    debugger = harness.Debugger(argv)
    bin_dir, cores = debugger.rest
    binary, core = os.path.join(bin_dir, "thread_crash"), os.path.join(cores, "thread_crash.core")
    notes = harness.core_notes(core)
    report = debugger.json("pm-threads --json", binary, core)
    check(report["schema"] == "coroner.threads/1", "schema %s" % report["schema"])
    check(report["count"] == len(notes["tids"]) == 6, "count %s, the core has %d" % (report["count"], len(notes["tids"])))
    grouped = sorted(tid for g in report["groups"] for tid in g["threads"])
    check(grouped == sorted(notes["tids"]), "grouped tids %s != the core's %s" % (grouped, sorted(notes["tids"])))
    first = report["groups"][0]
    # The kernel writes the thread that took the signal first.
    check(first["crashing"] and first["threads"] == [notes["tids"][0]], "first group %s" % first)
    check(first["state"] == "crashed (SIGSEGV)", "crashing state %r" % first["state"])
    check(first["frames"][0]["function"] == "crunch", "crashing stack %s" % first["frames"])
    check(sum(g["crashing"] for g in report["groups"]) == 1, "more than one crashing group")
    idle = [g for g in report["groups"] if len(g["threads"]) == 4]
    check(len(idle) == 1, "no single group of the 4 idle workers: %s" % [(g["threads"], g["state"]) for g in report["groups"]])
    check(idle[0]["state"] == "waiting on a condition variable", "idle state %r" % idle[0]["state"])
    check(any(f["function"] == "idle_worker" for f in idle[0]["frames"]), "idle stack %s" % idle[0]["frames"])
    main = [g for g in report["groups"] if notes["pid"] in g["threads"]]
    check(len(main) == 1 and main[0]["state"] == "joining a thread", "main thread %s" % main)
    check(len(report["groups"]) == 3, "%d groups" % len(report["groups"]))
    status, out, err = debugger.run(["pm-threads"], binary, core)
    check("6 threads in 3 groups" in out and "4 threads: waiting on a condition variable" in out,
          "text output:\n" + out)


if __name__ == "__main__":
    harness.main(test)
