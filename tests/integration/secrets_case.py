"""Secrets: pm-secrets-scan finds every credential secrets_everywhere planted (rule, region, symbol), no
command's text or JSON shows a value without --reveal, and pm-redact writes a 0600 copy without them that
gives the same backtrace, leaving the input byte-identical.

usage: secrets_case.py (gdb SCRIPT | lldb PLUGIN LLDB-EXECUTABLE) BIN-DIR CORES-DIR"""
import hashlib
import os
import re
import shutil
import stat
import tempfile

import harness
from harness import check

COMMANDS = ["pm-triage", "pm-triage --json", "pm-blame-frame --explain", "pm-blame-frame --json --explain",
            "pm-threads", "pm-threads --json", "pm-symbols", "pm-symbols --json", "pm-secrets-scan",
            "pm-secrets-scan --json"]


def planted(source):
    """The `coroner-secret: RULE VALUE REGION SYMBOL` lines of the program."""
    out = []
    with open(source) as f:
        for line in f:
            m = re.search(r"coroner-secret: (\S+) (\S+) (\S+) (\S+)", line)
            if m:
                out.append({"rule": m.group(1), "value": m.group(2), "region": m.group(3),
                            "symbol": None if m.group(4) == "-" else m.group(4)})
    check(out, "no coroner-secret: lines in " + source)
    return out


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def test(argv):
    debugger = harness.Debugger(argv)
    bin_dir, cores = debugger.rest
    binary, core = os.path.join(bin_dir, "secrets_everywhere"), os.path.join(cores, "secrets_everywhere.core")
    source = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "programs", "secrets_everywhere.c")
    secrets = planted(source)
    before = sha256(core)

    found = debugger.json("pm-secrets-scan --json --reveal", binary, core)
    check(found["schema"] == "coroner.secrets/1" and found["scanned_bytes"] > 0, "scan: %s" % {k: found[k] for k in found if k != "findings"})
    for s in secrets:
        hits = [f for f in found["findings"] if f["rule"] == s["rule"] and f["value"] == s["value"]
                and f["region"]["kind"] == s["region"]]
        check(hits, "%s %s in %s not found: %s" % (s["rule"], s["value"][:6], s["region"],
                                                   [(f["rule"], f["region"]["kind"], f["preview"]) for f in found["findings"]]))
        if s["symbol"]:
            check(hits[0]["symbol"] == s["symbol"], "%s: symbol %s, expected %s" % (s["rule"], hits[0]["symbol"], s["symbol"]))
        if s["region"] == "stack":
            check(hits[0]["region"]["thread"] is not None, "a stack finding names no thread")
    check(any(f["encoding"] == "utf-16le" for f in found["findings"]), "the UTF-16 copy of the Slack token was missed")
    for f in found["findings"]:
        v, p = f["value"], f["preview"]
        core_of_preview = p.replace("…", "")
        check(len(core_of_preview) <= max(len(v) // 4, 0) and len(p.split("…")[0]) <= 4, "preview %r shows too much" % p)

    # Every copy of the token planted across the page edges of a 3 MiB mapping is found, in the core and in
    # the live process, whose memory is read through the debugger in blocks: none across a block edge is lost.
    token, copies = "glpat-Qx7vN2mK9pL4sT8wR1zY", 3 * 1024 * 1024 // 4096 - 1
    live = debugger.live_json("pm-secrets-scan --json --reveal", binary)
    for where, report in (("core", found), ("live process", live)):
        got = sum(1 for f in report["findings"] if f["value"] == token and f["region"]["kind"] == "anon")
        check(got == copies, "%d of the %d copies across page edges found in the %s" % (got, copies, where))

    # --min-confidence high lists the high findings only, and all of them.
    high = debugger.json("pm-secrets-scan --json --min-confidence high", binary, core)["findings"]
    check(high and all(f["confidence"] == "high" for f in high), "--min-confidence high: %s" % {f["confidence"] for f in high})
    check(len(high) == sum(1 for f in found["findings"] if f["confidence"] == "high") < len(found["findings"]),
          "--min-confidence high lists %d of %d findings" % (len(high), len(found["findings"])))

    # Without --reveal, no command shows a value: not in text, not in JSON.
    status, out, err = debugger.run(COMMANDS, binary, core)
    check(status == 0, "a command failed:\n" + out + err)
    for s in secrets:
        check(s["value"] not in out + err, "%s's value appears in the output without --reveal" % s["rule"])
    # The text lists the copies across page edges, all of one value in one mapping, as one line.
    check(len([l for l in out.splitlines() if " x%d to 0x" % copies in l]) == 1,
          "the %d copies are not one line of the text" % copies)
    report = [l for l in out.splitlines() if l.startswith('{"schema": "coroner.secrets/1"') or l.startswith('{"schema":"coroner.secrets/1"')]
    check(report and all(f["value"] is None for f in harness.json_object(report[-1])["findings"]), "values in the JSON")

    scratch = tempfile.mkdtemp(prefix="coroner-redact-")
    try:
        copy = os.path.join(scratch, "redacted.core")
        result = debugger.json("pm-redact %s --json" % copy, binary, core)
        check(result["schema"] == "coroner.redact/1" and result["output"] == copy, "redact: %s" % result)
        check(result["findings"] == len(found["findings"]) and result["findings_after"] == 0, "redact: %s" % result)
        check(stat.S_IMODE(os.stat(copy).st_mode) == 0o600, "the copy's mode is %o" % stat.S_IMODE(os.stat(copy).st_mode))
        with open(copy, "rb") as f:
            data = f.read()
        check(len(data) == os.path.getsize(core), "the copy's size differs from the core's")
        for s in secrets:
            check(s["value"].encode() not in data and s["value"].encode("utf-16-le") not in data,
                  "%s's value is still in the copy" % s["rule"])
        check(debugger.json("pm-secrets-scan --json", binary, copy)["findings"] == [], "the copy still has findings")
        original = debugger.json("pm-triage --json", binary, core)
        redacted = debugger.json("pm-triage --json", binary, copy)
        check([f["function"] for f in original["thread"]["frames"]] == [f["function"] for f in redacted["thread"]["frames"]]
              and original["cause"] == redacted["cause"], "the copy's backtrace or cause differs")
        # An existing file is not replaced without --force.
        status, out, err = debugger.run(["pm-redact " + copy], binary, core)
        check(status != 0 and len([l for l in (out + err).splitlines() if l.startswith("pm-redact: error:")]) == 1,
              "pm-redact over an existing file did not refuse in one line:\n" + out + err)
        check(debugger.json("pm-redact %s --force --json" % copy, binary, core)["findings_after"] == 0, "--force")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    check(sha256(core) == before, "the input core was modified")


if __name__ == "__main__":
    harness.main(test)
