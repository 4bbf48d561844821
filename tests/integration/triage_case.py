"""One crash-lab case through a real debugger: pm-triage --json must be a coroner.triage/1 object whose
facts equal what the kernel wrote into the core, and whose verdict is what the program's comment says.

usage: triage_case.py DEBUGGER-SCRIPT NAME BINARY CORE SOURCE"""
import harness
from harness import check

TRIAGE_KEYS = {
    "": ["schema", "debugger", "process", "signal", "cause", "thread", "threads", "blame", "signature", "bucket",
         "symbols", "security", "python"],
    "debugger": ["name", "version"],
    "process": ["executable", "pid", "args", "core_file", "core_time"],
    "signal": ["number", "name", "code", "code_name", "fault_address", "sender_pid", "sender_uid"],
    "cause": ["class", "summary", "access", "message", "exception_type"],
    "thread": ["index", "tid", "name", "frames"],
    "threads": ["count"],
    "symbols": ["missing_debug_info", "mismatched"],
    "security": ["rating", "reason"],
}
FRAME_KEYS = ["index", "pc", "function", "module", "file", "line", "inlined", "found_by", "language"]
BLAME_KEYS = ["frame", "function", "file", "line", "reason", "python_caller"]


def check_shape(report):
    for section, keys in TRIAGE_KEYS.items():
        obj = report[section] if section else report
        check(isinstance(obj, dict), "%s is not an object" % section)
        check(sorted(obj) == sorted(keys), "%s has keys %s, SPEC says %s" % (section or "top", sorted(obj), keys))
    check(report["schema"] == "coroner.triage/1", "schema is %r" % report["schema"])
    for frame in report["thread"]["frames"]:
        check(sorted(frame) == sorted(FRAME_KEYS), "frame keys %s" % sorted(frame))
        check(frame["pc"].startswith("0x"), "pc is not a hex string: %r" % frame["pc"])
        check(frame["found_by"] in ("debugger", "frame-pointer", "scan"), "found_by %r" % frame["found_by"])
        check(frame["language"] == "native", "a crash-lab C program's frame is %r" % frame["language"])
    check(report["python"] is None, "a C program is not a Python process: %r" % report["python"])
    if report["blame"] is not None:
        check(sorted(report["blame"]) == sorted(BLAME_KEYS), "blame keys %s" % sorted(report["blame"]))
    check(len(report["bucket"]) == 16 and int(report["bucket"], 16) >= 0, "bucket %r" % report["bucket"])


def check_against_core(report, notes):
    signal = report["signal"]
    check(signal["number"] == notes["signo"], "signal %s, the core says %s" % (signal["number"], notes["signo"]))
    check(signal["code"] == notes["code"], "si_code %s, the core says %s" % (signal["code"], notes["code"]))
    fault = int(signal["fault_address"], 16) if signal["fault_address"] else None
    check(fault == notes["fault"], "fault address %s, the core says %s" % (signal["fault_address"], notes["fault"]))
    check(signal["sender_pid"] == notes["sender_pid"], "sender pid %s, core %s" % (signal["sender_pid"],
                                                                                   notes["sender_pid"]))
    check(signal["sender_uid"] == notes["sender_uid"], "sender uid %s, core %s" % (signal["sender_uid"],
                                                                                   notes["sender_uid"]))
    check(report["thread"]["tid"] == notes["tids"][0],
          "crashing thread %s, the kernel wrote %s first" % (report["thread"]["tid"], notes["tids"][0]))
    check(report["threads"]["count"] == len(notes["tids"]),
          "%s threads, the core has %s" % (report["threads"]["count"], len(notes["tids"])))
    check(report["process"]["pid"] == notes["pid"], "pid %s, the core says %s" % (report["process"]["pid"],
                                                                                 notes["pid"]))


def check_expectations(report, expect, binary):
    signal = report["signal"]
    check(signal["name"] == expect["signal"], "signal %s, expected %s" % (signal["name"], expect["signal"]))
    if "code" in expect:
        check(signal["code_name"] == expect["code"], "code %s, expected %s" % (signal["code_name"], expect["code"]))
    check(report["cause"]["class"] == expect["class"],
          "class %s (%s), expected %s" % (report["cause"]["class"], report["cause"]["summary"], expect["class"]))
    if "fault" in expect:
        check(signal["fault_address"] == expect["fault"], "fault %s, expected %s" % (signal["fault_address"],
                                                                                    expect["fault"]))
    if "access" in expect:
        check(report["cause"]["access"] == expect["access"], "access %s, expected %s (%s)" % (
            report["cause"]["access"], expect["access"], report["cause"]["summary"]))
    if "exception" in expect:
        check(report["cause"]["exception_type"] == expect["exception"],
              "exception type %s, expected %s" % (report["cause"]["exception_type"], expect["exception"]))
    if "message~" in expect:
        check(expect["message~"] in (report["cause"]["message"] or ""),
              "message %r lacks %r" % (report["cause"]["message"], expect["message~"]))
    if "threads" in expect:
        check(report["threads"]["count"] == int(expect["threads"]), "thread count %s" % report["threads"]["count"])
    if "blame" in expect:
        blame = report["blame"]
        check(blame is not None, "nothing blamed, expected %s" % expect["blame"])
        wanted = expect["blame"] or None  # "blame=" means: a frame with no symbols
        check(blame["function"] == wanted, "blamed %s, expected %s" % (blame["function"], wanted))
        frame = report["thread"]["frames"][blame["frame"]]
        check(frame["module"] == binary, "the blamed frame is in %s, not the program" % frame["module"])
    if report["cause"]["class"] == "external-signal":
        check(signal["sender_pid"] is not None and signal["sender_pid"] != report["process"]["pid"],
              "external signal without another sender")
    check(report["process"]["executable"] == binary, "executable %s" % report["process"]["executable"])


def check_blame_frame(gdb, binary, core, report, expect):
    """pm-blame-frame agrees with pm-triage's blame, names the expected function, and with --explain traces
    the bad value: `origin=FUNCTION:VARIABLE` (where it first appears as a local) or `FUNCTION:computed`."""
    b = gdb.json("pm-blame-frame --json --explain", binary, core)
    check(b["schema"] == "coroner.blame/1", "schema %r" % b["schema"])
    for key in ("frame", "function", "module", "file", "line", "reason", "skipped", "origin"):
        check(key in b, "pm-blame-frame lacks %s" % key)
    if report["blame"] is not None:
        check(b["frame"] == report["blame"]["frame"] and b["function"] == report["blame"]["function"],
              "pm-blame-frame blames #%s %s, pm-triage #%s %s" % (b["frame"], b["function"], report["blame"]["frame"],
                                                                 report["blame"]["function"]))
    if "blame" in expect:
        check(b["function"] == (expect["blame"] or None), "pm-blame-frame blamed %s, expected %s" % (b["function"],
                                                                                                   expect["blame"]))
    frames = report["thread"]["frames"]
    for skipped in b["skipped"]:
        check(skipped["frame"] < (b["frame"] if b["frame"] is not None else len(frames)) and skipped["rule"],
              "skipped frame %s" % skipped)
    if "origin" in expect:
        origin = b["origin"]
        check(origin is not None, "no origin traced, expected %s" % expect["origin"])
        function, held = expect["origin"].split(":")
        last = origin["frames"][-1]
        check(last["function"] == function, "the value came from %s, expected %s (%s)" % (last["function"], function,
                                                                                           origin))
        wanted = "computed here" if held == "computed" else "local variable `%s`" % held
        check(last["how"].startswith(wanted), "origin %r, expected %r" % (last["how"], wanted))
        check(origin["frames"][0]["frame"] <= (b["frame"] if b["frame"] is not None else 0) or
              origin["frames"][0]["frame"] == 1, "the trace does not start at the crash: %s" % origin)


def test(argv):
    script, name, binary, core, source = argv
    gdb = harness.Debugger(["gdb", script])
    report = gdb.json("pm-triage --json", binary, core)
    check_shape(report)
    check(report["debugger"]["name"] == "gdb", "debugger %r" % report["debugger"])
    check(report["process"]["core_file"] == core, "core_file %s" % report["process"]["core_file"])
    check_against_core(report, harness.core_notes(core))
    check_expectations(report, harness.expectations(source), binary)
    if name.endswith("_stripped"):
        check(binary in report["symbols"]["missing_debug_info"], "stripped binary not listed as missing symbols")

    check_blame_frame(gdb, binary, core, report, harness.expectations(source))

    # The text form says the same verdict, first.
    status, out, err = gdb.run(["pm-triage"], binary, core)
    check(status == 0, "gdb exited %d on the text form" % status)
    verdict = "%s (" % report["signal"]["name"]
    check(any(l.startswith(verdict) and l.endswith(report["cause"]["class"]) for l in out.splitlines()),
          "the text form does not start with the verdict:\n" + out)
    check(report["bucket"] in out, "the text form lacks the bucket")
    expect = harness.expectations(source)
    if "text~" in expect:
        check(expect["text~"] in out, "the text form lacks %r:\n%s" % (expect["text~"], out))


if __name__ == "__main__":
    harness.main(test)
