"""Bad input and session behaviour in a real debugger: one line `pm-NAME: error: what (what to do)`, no
traceback, a non-zero exit in batch mode, and the input core left byte-identical.

usage: errors.py CASE gdb COROKER-GDB-SCRIPT CRASH-LAB-BIN CRASH-LAB-CORES
       errors.py CASE lldb PLUGIN LLDB-EXECUTABLE CRASH-LAB-BIN CRASH-LAB-CORES [OTHER-PLUGIN OTHER-LLDB]"""
import hashlib
import json
import os
import shutil
import struct
import sys
import tempfile
import time

import harness
from harness import check


ALL_COMMANDS = ["pm-triage", "pm-blame-frame", "pm-threads", "pm-symbols", "pm-secrets-scan", "pm-report",
                "pm-redact /nonexistent/coroner-redacted.core"]


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def expect_one_line_error(status, out, err, fragment, command="pm-triage"):
    harness.no_traceback(out, err)
    check(status != 0, "batch mode exited 0 after a failed command")
    lines = [l for l in (out + "\n" + err).splitlines() if command + ": error:" in l]
    check(len(lines) == 1, "expected one error line, got %d:\n%s%s" % (len(lines), out, err))
    line = lines[0]
    check(line.startswith(command + ": error: ") and line.rstrip().endswith(")"),
          "not of the form '%s: error: what (what to do)': %s" % (command, line))
    check(fragment in line, "%r not in %r" % (fragment, line))


# Hostile rule files must be handled this fast; the bound only detects a wedged debugger (std::regex took
# minutes, or for ever), it is no performance target.
HANG = 60


def rules_doc(schema, rules):
    return json.dumps({"schema": schema, "rules": rules})


def run_bounded(debugger, commands, binary, core, env=None):
    start = time.monotonic()
    status, out, err = debugger.run(commands, binary, core, env=env, timeout=HANG)
    check(time.monotonic() - start < HANG, "%s took %.0f s" % (commands, time.monotonic() - start))
    return status, out, err


def hostile_secret_rules(debugger, binary, core, scratch):
    """Patterns that crashed (stack overflow in std::regex) or wedged every debugger: now a result or one line."""
    path = os.path.join(scratch, "hostile-secrets.json")
    long_span = {"id": "LONG-SPAN", "pattern": "[^\\x01]+\\x02", "max_length": 10000000}
    with open(path, "w") as f:
        f.write(rules_doc("coroner.secret-rules/1", [long_span]))
    for command in ("pm-secrets-scan", "pm-redact %s" % os.path.join(scratch, "out.core")):
        expect_one_line_error(*run_bounded(debugger, ["%s --rules %s" % (command, path)], binary, core),
                              "LONG-SPAN", command.split()[0])
    # The same pattern within the bound, and one that backtracked for minutes: both scan the whole core.
    long_span["max_length"] = 16384
    nested = {"id": "NESTED", "pattern": "(\\x00+)+\\x01|\\x02", "confidence": "low"}
    with open(path, "w") as f:
        f.write(rules_doc("coroner.secret-rules/1", [long_span, nested]))
    status, out, err = run_bounded(debugger, ["pm-secrets-scan --json --rules " + path], binary, core)
    harness.no_traceback(out, err)
    check(status == 0, "the scan failed:\n" + out + err)
    report = harness.json_object(out)
    # Every match ends in a control byte, and a value holding one is never text: the right answer is none.
    check(report["scanned_bytes"] > 0 and report["findings"] == [], "findings: %s" % report["findings"][:3])


def hostile_blame_rule(debugger, bin_dir, core_dir, scratch):
    """A user's own blame rule that backtracks without end made every pm-triage hang (on the long names of
    the abort path: __pthread_kill_implementation, __assert_fail_base)."""
    config = os.path.join(scratch, "config")
    os.makedirs(os.path.join(config, "coroner"))
    with open(os.path.join(config, "coroner", "blame_rules.json"), "w") as f:
        f.write(rules_doc("coroner.blame-rules/1", [{"id": "SLOW", "function": "(.*.*)*X"}]))
    status, out, err = run_bounded(debugger, ["pm-triage --json"], os.path.join(bin_dir, "assert_fail"),
                                   os.path.join(core_dir, "assert_fail.core"), env={"XDG_CONFIG_HOME": config})
    harness.no_traceback(out, err)
    check(status == 0, "pm-triage failed:\n" + out + err)
    report = harness.json_object(out)
    check(report["cause"]["class"] == "assert-failed" and report["blame"]["function"] == "check_balance",
          "wrong verdict with the user's rule: %s, %s" % (report["cause"], report["blame"]))


def malformed_rules_files(debugger, binary, core, scratch):
    """Files that are not rule files: one line naming the file (and the rule), never an internal error,
    never a read without bound or a wait on a FIFO."""
    fifo = os.path.join(scratch, "rules.fifo")
    os.mkfifo(fifo)
    numbers = os.path.join(scratch, "numbers.json")
    with open(numbers, "w") as f:
        f.write(rules_doc("coroner.secret-rules/1", [1, 2, 3]))
    numeric_id = os.path.join(scratch, "numeric-id.json")
    with open(numeric_id, "w") as f:
        f.write(rules_doc("coroner.blame-rules/1", [{"id": 7, "function": "get_total"}]))
    big = os.path.join(scratch, "big.json")
    with open(big, "w") as f:
        f.truncate(100 << 20)
    cases = [("pm-secrets-scan", "/dev/zero", "/dev/zero is not a regular file"),
             ("pm-blame-frame", "/dev/zero", "/dev/zero is not a regular file"),
             ("pm-secrets-scan", fifo, fifo + " is not a regular file"),
             ("pm-redact %s" % os.path.join(scratch, "out.core"), fifo, fifo + " is not a regular file"),
             ("pm-blame-frame", fifo, fifo + " is not a regular file"),
             ("pm-secrets-scan", big, "more than the 16 MiB"),
             ("pm-secrets-scan", numbers, "secret rule #1 in %s: is a number in JSON, not an object" % numbers),
             ("pm-blame-frame", numeric_id, "blame rule #1 in %s: \"id\" is a number" % numeric_id)]
    for command, path, fragment in cases:
        status, out, err = run_bounded(debugger, ["%s --rules %s" % (command, path)], binary, core)
        check("internal error" not in out + err, "an internal error:\n" + out + err)
        expect_one_line_error(status, out, err, fragment, command.split()[0])
    check(not os.path.exists(os.path.join(scratch, "out.core")), "pm-redact wrote a copy despite bad rules")


def test(argv):
    case, kind = argv[0], argv[1]
    if kind == "gdb":
        script, bin_dir, core_dir = argv[2:5]
        debugger, other = harness.Debugger(["gdb", script]), None
    else:
        plugin, lldb_executable, bin_dir, core_dir = argv[2:6]
        debugger = harness.Debugger(["lldb", plugin, lldb_executable])
        other = harness.Debugger(["lldb", argv[6], argv[7]]) if len(argv) > 7 else None
    binary = os.path.join(bin_dir, "null_field_read")
    core = os.path.join(core_dir, "null_field_read.core")
    scratch = tempfile.mkdtemp(prefix="coroner-it-")
    try:
        run_case(case, debugger, other, bin_dir, binary, core, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def case_nothing_loaded(debugger, other, bin_dir, binary, core, scratch):
    for command in ALL_COMMANDS:
        expect_one_line_error(*debugger.run([command]), "no core file or process is loaded", command.split()[0])
    if debugger.kind == "lldb":
        # The remedy names LLDB's own command, not GDB's.
        status, out, err = debugger.run(["pm-triage"])
        expect_one_line_error(status, out, err, "(open one first: `target create PROG -c CORE`, or run the program)")
        check("gdb PROG" not in out + err, "a GDB command offered in LLDB:\n" + out + err)


def case_running_process(debugger, other, bin_dir, binary, core, scratch):
    script = debugger.frontend
    # Non-stop mode lets `run &` leave the process running while the command is typed.
    status, out, err = harness.gdb(script, ["set non-stop on", "run &", "pm-triage"],
                                   extra=["--args", "/bin/sleep", "30"])
    expect_one_line_error(status, out, err, "the process is running")


def case_unknown_flag(debugger, other, bin_dir, binary, core, scratch):
    for command in ALL_COMMANDS:
        expect_one_line_error(*debugger.run([command + " --bogus"], binary, core), "--bogus", command.split()[0])


def case_truncated_core(debugger, other, bin_dir, binary, core, scratch):
    cut = os.path.join(scratch, "cut.core")
    with open(core, "rb") as f:
        data = f.read()
    with open(cut, "wb") as f:
        f.write(data[: len(data) * 2 // 3])
    before_cut = sha256(cut)
    status, out, err = debugger.run(["pm-triage --json"], binary, cut)
    # GDB loads what it can of a truncated core; LLDB may refuse it, leaving nothing loaded.
    expect_one_line_error(status, out, err, "truncated" if debugger.kind == "gdb" else "")
    check("truncated" in out + err or "no core file or process is loaded" in out + err,
          "neither a truncation nor an empty target was reported")
    check(sha256(cut) == before_cut, "the truncated core was modified")


def case_corrupt_core(debugger, other, bin_dir, binary, core, scratch):
    bad = os.path.join(scratch, "bad.core")
    with open(core, "rb") as f:
        data = bytearray(f.read())
    data[0x38:0x3a] = b"\xff\xfe"  # e_phnum: far more program headers than the file holds
    with open(bad, "wb") as f:
        f.write(data)
    status, out, err = debugger.run(["pm-triage"], binary, bad)
    # GDB may refuse the file itself; either way coroner says one line and exits non-zero.
    expect_one_line_error(status, out, err, "")


def case_wrong_executable(debugger, other, bin_dir, binary, core, scratch):
    other_program = os.path.join(bin_dir, "divide_by_zero")
    for command in ALL_COMMANDS:
        expect_one_line_error(*debugger.run([command], other_program, core), "open the core with the program",
                              command.split()[0])


def case_core_without_executable(debugger, other, bin_dir, binary, core, scratch):
    script = debugger.frontend
    if debugger.kind == "gdb":
        status, out, err = harness.gdb(script, ["pm-triage"], extra=["-c", core])
        expect_one_line_error(status, out, err, "without its executable")
    else:
        # LLDB finds the program itself from the core's file notes: then the verdict must be right.
        status, out, err = debugger.run(["pm-triage --json"], None, core)
        harness.no_traceback(out, err)
        if status == 0:
            check(harness.json_object(out)["cause"]["class"] == "null-deref", "wrong verdict without a program")
        else:
            expect_one_line_error(status, out, err, "")


def case_help(debugger, other, bin_dir, binary, core, scratch):
    status, out, err = debugger.run(["pm-triage --help"])
    harness.no_traceback(out, err)
    check(status == 0, "--help failed")
    for option in ("--json", "--thread", "--frames"):
        check(option in out, "--help does not mention %s" % option)
    for command, options in (("pm-blame-frame", ("--json", "--explain", "--select", "--rules")),
                             ("pm-threads", ("--json", "--frames")), ("pm-symbols", ("--json",)),
                             ("pm-secrets-scan", ("--json", "--reveal", "--rules", "--regions", "--min-confidence")),
                             ("pm-redact", ("OUTPUT", "--force", "--json", "--rules")),
                             ("pm-report", ("--output", "--force", "--log", "--window", "--json", "--reveal", "--check",
                                            "--crash-time"))):
        status, out, err = debugger.run([command + " --help"])
        harness.no_traceback(out, err)
        check(status == 0, "%s --help failed" % command)
        for option in options:
            check(option in out, "%s --help does not mention %s" % (command, option))


def case_rules_file(debugger, other, bin_dir, binary, core, scratch):
    missing = os.path.join(scratch, "no-such-rules.json")
    expect_one_line_error(*debugger.run(["pm-blame-frame --rules " + missing], binary, core),
                          "cannot read rules file", "pm-blame-frame")
    broken = os.path.join(scratch, "broken.json")
    with open(broken, "w") as f:
        f.write("{ not json")
    expect_one_line_error(*debugger.run(["pm-blame-frame --rules " + broken], binary, core),
                          "not valid JSON", "pm-blame-frame")
    # A rule of the user's comes before the built-in ones: skipping get_total blames its caller.
    own = os.path.join(scratch, "own.json")
    with open(own, "w") as f:
        f.write('{"schema": "coroner.blame-rules/1", "rules": [{"id": "TEST-SKIP", "role": "skip", '
                '"function": "get_total", "why": "a getter, never the culprit"}]}')
    report = debugger.json(["pm-blame-frame --json --explain --rules " + own], binary, core)
    check(report["function"] == "sum_invoices", "with the user's rule, blamed %s" % report["function"])
    check(report["skipped"][0]["rule"] == "TEST-SKIP", "skipped %s" % report["skipped"])
    # A secret rules file that does not compile names its rule.
    bad_secrets = os.path.join(scratch, "secrets.json")
    with open(bad_secrets, "w") as f:
        f.write('{"schema": "coroner.secret-rules/1", "rules": [{"id": "MY-BROKEN", "pattern": "(unclosed"}]}')
    expect_one_line_error(*debugger.run(["pm-secrets-scan --rules " + bad_secrets], binary, core), "MY-BROKEN",
                          "pm-secrets-scan")
    expect_one_line_error(*debugger.run(["pm-secrets-scan --regions heap,nowhere"], binary, core), "nowhere",
                          "pm-secrets-scan")
    expect_one_line_error(*debugger.run(["pm-secrets-scan --min-confidence certain"], binary, core), "certain",
                          "pm-secrets-scan")


def case_hostile_secret_rules(debugger, other, bin_dir, binary, core, scratch):
    hostile_secret_rules(debugger, binary, core, scratch)


def case_hostile_blame_rule(debugger, other, bin_dir, binary, core, scratch):
    hostile_blame_rule(debugger, bin_dir, os.path.dirname(core), scratch)


def case_malformed_rules_files(debugger, other, bin_dir, binary, core, scratch):
    malformed_rules_files(debugger, binary, core, scratch)


def case_select(debugger, other, bin_dir, binary, core, scratch):
    # null_call: the blamed frame is dispatch, the debugger's frame 1; --select makes it the selected one.
    null_call = os.path.join(bin_dir, "null_call")
    where = "frame" if debugger.kind == "gdb" else "frame info"
    status, out, err = debugger.run(["pm-blame-frame --select", where], null_call,
                                    os.path.join(os.path.dirname(core), "null_call.core"))
    harness.no_traceback(out, err)
    check(status == 0, "pm-blame-frame --select failed:\n" + out + err)
    shown = [l for l in out.splitlines() if l.startswith("#1 ") or l.startswith("frame #1:")]
    check(shown and "dispatch" in shown[-1], "the selected frame is not #1 dispatch:\n" + out)
    # Without --select, no command leaves the user's selection changed: those that switch threads to read
    # restore it, and those that read no frame (GDB's frontend then never saves it) leave it alone.
    thread_crash = os.path.join(bin_dir, "thread_crash")
    pick = "frame 1" if debugger.kind == "gdb" else "frame select 1"
    for commands in (["pm-threads", "pm-blame-frame --explain"], ["pm-secrets-scan", "pm-redact --help"]):
        status, out, err = debugger.run([pick] + commands + [where], thread_crash,
                                        os.path.join(os.path.dirname(core), "thread_crash.core"))
        harness.no_traceback(out, err)
        shown = [l for l in out.splitlines() if l.startswith("#") or l.startswith("frame #")]
        check(shown and (shown[-1].startswith("#1 ") or shown[-1].startswith("frame #1:")) and
              "bad_worker" in shown[-1], "the selection changed after %s:\n%s" % (", ".join(commands), out))


def case_load_twice(debugger, other, bin_dir, binary, core, scratch):
    script = debugger.frontend
    again = "source " + script if debugger.kind == "gdb" else "plugin load " + script
    status, out, err = debugger.run([again, "pm-triage --json"], binary, core)
    harness.no_traceback(out, err)
    check(status == 0, "loading twice broke pm-triage:\n" + err)
    check(harness.json_object(out)["cause"]["class"] == "null-deref", "wrong verdict after loading twice")


def case_python_mismatch(debugger, other, bin_dir, binary, core, scratch):
    script = debugger.frontend
    fake = os.path.join(scratch, "coroner-gdb.py")
    with open(script) as f:
        text = f.read()
    with open(fake, "w") as f:
        f.write(text.replace('_BUILT_FOR = "', '_BUILT_FOR = "2.'))
    status, out, err = harness.gdb(fake, ["pm-triage"], binary, core)
    harness.no_traceback(out, err)
    lines = [l for l in (out + "\n" + err).splitlines() if l.startswith("coroner: not loaded")]
    check(len(lines) == 1, "no one-sentence refusal of the mismatched module:\n" + out + err)
    check("rebuild" in lines[0], "the refusal does not say how to rebuild: " + lines[0])
    check(status != 0, "pm-triage without coroner loaded should fail the batch")


def case_plugin_mismatch(debugger, other, bin_dir, binary, core, scratch):
    # This LLDB loading the plugin built for the other LLDB: one line, and no pm-triage.
    status, out, err = debugger.run(["pm-triage"], binary, core, frontend=other.frontend)
    harness.no_traceback(out, err)
    lines = [l for l in (out + "\n" + err).splitlines() if l.startswith("coroner: not loaded")]
    check(len(lines) == 1, "no one-line refusal of the other LLDB's plugin:\n" + out + err)
    check(status != 0, "pm-triage without the plugin should fail the batch")


def case_live_process(debugger, other, bin_dir, binary, core, scratch):
    # The same program run under GDB and stopped by its signal gives the same verdict as its core.
    live = debugger.live_json("pm-triage --json", binary)
    status, out, err = debugger.run(["pm-triage --json"], binary, core)
    dead = harness.json_object(out)
    for key in ("signal", "cause", "blame", "signature", "bucket", "threads", "security"):
        check(live[key] == dead[key], "%s differs: live %s, core %s" % (key, live[key], dead[key]))
    check([f["function"] for f in live["thread"]["frames"]] == [f["function"] for f in dead["thread"]["frames"]],
          "the stacks differ")
    check(live["process"]["core_file"] is None, "a live process has no core file")


def run_case(case, debugger, other, bin_dir, binary, core, scratch):
    check(case in CASES, "unknown case " + case)
    before = sha256(core)
    CASES[case](debugger, other, bin_dir, binary, core, scratch)
    check(sha256(core) == before, "the input core was modified")


def program_headers(data):
    """(offset of the header, p_type, p_offset, p_vaddr, p_filesz, p_memsz) of each program header."""
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phnum, = struct.unpack_from("<H", data, 0x38)
    out = []
    for i in range(phnum):
        at = phoff + 56 * i
        p_type, _, p_offset, p_vaddr, _, p_filesz, p_memsz, _ = struct.unpack_from("<IIQQQQQQ", data, at)
        out.append((at, p_type, p_offset, p_vaddr, p_filesz, p_memsz))
    return out


def expect_each_command_works_or_fails_in_one_line(debugger, binary, core):
    """Every command over a damaged core: what can be read, or one `pm-NAME: error:` line; never an internal
    error or a Python stack."""
    for command in ALL_COMMANDS:
        status, out, err = debugger.run([command], binary, core)
        name = command.split()[0]
        if debugger.kind == "lldb" and "error: Unable to parse note segment" in out + err:
            return False  # LLDB refuses the core itself: no command runs
        check("internal error" not in out + err and "At:" not in out + err,
              "%s: an internal error or a Python stack:\n%s%s" % (name, out, err))
        if status != 0 or name + ": error:" in out + err:
            expect_one_line_error(status, out, err, "", name)
    return True


def prstatus_descsz(debugger, bin_dir, core_dir, scratch):
    """NT_PRSTATUS's descsz off by 4: GDB has no pc for the thread (+4) or refuses the core (-4)."""
    binary = os.path.join(bin_dir, "null_field_read")
    with open(os.path.join(core_dir, "null_field_read.core"), "rb") as f:
        data = bytearray(f.read())
    note = next(p for p in program_headers(data) if p[1] == 4)
    opened = 0
    for delta in (-4, 4):
        bad = os.path.join(scratch, "prstatus%+d.core" % delta)
        descsz, = struct.unpack_from("<I", data, note[2] + 4)
        patched = bytearray(data)
        struct.pack_into("<I", patched, note[2] + 4, descsz + delta)
        with open(bad, "wb") as f:
            f.write(patched)
        before = sha256(bad)
        opened += expect_each_command_works_or_fails_in_one_line(debugger, binary, bad)
        check(sha256(bad) == before, "the damaged core was modified")
    check(opened, "the debugger refused both damaged cores: nothing of coroner was run")


def sparse_core(debugger, bin_dir, core_dir, scratch):
    """A core claiming 30 GiB that holds a few hundred KiB (a hole): every command works, as GDB's bt does,
    and the redacted copy is sparse too."""
    binary = os.path.join(bin_dir, "null_field_read")
    with open(os.path.join(core_dir, "null_field_read.core"), "rb") as f:
        data = bytearray(f.read())
    claim = 30 << 30
    big = os.path.join(scratch, "sparse.core")
    end = (len(data) + 4095) & ~4095
    loads = sorted((p for p in program_headers(data) if p[1] == 1 and p[4] > 0), key=lambda p: p[3])
    # The executable's last writable segment: a wide gap follows it before the libraries.
    at, _, offset, vaddr, filesz, memsz = next(p for i, p in enumerate(loads)
                                               if i + 1 < len(loads) and loads[i + 1][3] - p[3] > 2 * claim)
    struct.pack_into("<QQQ", data, at + 8, end, vaddr, 0)
    struct.pack_into("<QQ", data, at + 32, claim, claim)
    with open(big, "wb") as f:
        f.write(data)
        f.seek(end)
        f.write(data[offset: offset + filesz])
        f.truncate(end + claim)
    before = sha256_sparse(big)
    report = debugger.json(["pm-triage --json"], binary, big)
    check(report["cause"]["class"] == "null-deref", "pm-triage on the 30 GiB core: %s" % report["cause"])
    # pm-report hashes the core: 30 GiB of zeros take it tens of seconds, a cost of the hash, not of the hole.
    for command in [c for c in ALL_COMMANDS[1:-1] if c != "pm-report"]:
        status, out, err = debugger.run([command], binary, big)
        harness.no_traceback(out, err)
        check(status == 0, "%s failed on the 30 GiB core:\n%s%s" % (command, out, err))
    copy = os.path.join(scratch, "sparse-redacted.core")
    status, out, err = debugger.run(["pm-redact " + copy], binary, big)
    check(status == 0, "pm-redact failed on the 30 GiB core:\n%s%s" % (out, err))
    st = os.stat(copy)
    check(st.st_size == end + claim and st.st_blocks * 512 < 16 << 20,
          "the copy of a sparse core is not sparse: %d bytes, %d on disk" % (st.st_size, st.st_blocks * 512))
    check(sha256_sparse(big) == before, "the sparse core was modified")


def sha256_sparse(path):
    """The digest of a sparse file's data extents (with their offsets) and size, never reading its holes."""
    digest = hashlib.sha256(str(os.path.getsize(path)).encode())
    with open(path, "rb") as f:
        fd, offset, size = f.fileno(), 0, os.path.getsize(path)
        while offset < size:
            try:
                start = os.lseek(fd, offset, os.SEEK_DATA)
            except OSError:
                break
            end = os.lseek(fd, start, os.SEEK_HOLE)
            f.seek(start)
            digest.update(str(start).encode() + f.read(end - start))
            offset = end
    return digest.hexdigest()


def newline_path(debugger, bin_dir, core_dir, scratch):
    """A core whose path holds a newline is still the core: its pid, not a live process of this machine."""
    binary = os.path.join(bin_dir, "null_field_read")
    folder = os.path.join(os.path.abspath(scratch), "dir\nwith newline")
    os.mkdir(folder)
    core = os.path.join(folder, "pid1\nnl.core")
    shutil.copyfile(os.path.join(core_dir, "null_field_read.core"), core)
    report = debugger.json(["pm-triage --json"], binary, core)
    pid = harness.core_notes(os.path.join(core_dir, "null_field_read.core"))["pid"]
    check(report["process"]["pid"] == pid, "pid %s, the core says %s" % (report["process"]["pid"], pid))
    check(report["process"]["core_file"] == core, "core_file %r, loaded %r" % (report["process"]["core_file"], core))
    check(report["cause"]["class"] == "null-deref", "cause %s" % report["cause"])


def two_cores(debugger, bin_dir, core_dir, scratch):
    """A core and its redacted copy loaded side by side (same pid): each command reads the selected one."""
    binary = os.path.join(bin_dir, "secrets_everywhere")
    core = os.path.abspath(os.path.join(core_dir, "secrets_everywhere.core"))
    copy = os.path.abspath(os.path.join(scratch, "redacted.core"))
    status, out, err = debugger.run(["pm-redact " + copy], binary, core)
    check(status == 0, "pm-redact failed:\n%s%s" % (out, err))
    report = ["pm-triage --json", "pm-secrets-scan --json"]
    if debugger.kind == "gdb":
        # -no-connection: GDB 13 dies (SIGSEGV) loading a program into an inferior on the core's connection.
        commands = ["add-inferior -no-connection", "inferior 2", "file " + binary, "core-file " + copy, "inferior 1"] + report + \
                   ["inferior 2"] + report
        status, out, err = debugger.run(commands, binary, core)
    else:
        commands = ['target create "%s" -c "%s"' % (binary, core), 'target create "%s" -c "%s"' % (binary, copy),
                    "target select 0"] + report + ["target select 1"] + report
        status, out, err = debugger.run(commands)
    harness.no_traceback(out, err)
    check(status == 0, "a command failed:\n%s%s" % (out, err))
    objects = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    check(len(objects) == 4, "expected 4 JSON objects:\n" + out)
    first, first_scan, second, second_scan = objects
    check(first["process"]["core_file"] == core, "target 0 analysed %s, not %s" % (first["process"]["core_file"], core))
    check(second["process"]["core_file"] == copy, "target 1 analysed %s, not %s" % (second["process"]["core_file"], copy))
    check(first_scan["findings"] and not second_scan["findings"],
          "findings: %d in the core, %d in its redacted copy" % (len(first_scan["findings"]), len(second_scan["findings"])))


def small_core(debugger, bin_dir, core_dir, scratch):
    """A core under 16 KiB (no memory dumped): GDB and LLDB 19 read it; LLDB 14, which does not name it and
    reads rather than maps so small a file, says why in one line and names its own command."""
    binary = os.path.join(bin_dir, "null_field_read")
    with open(os.path.join(core_dir, "null_field_read.core"), "rb") as f:
        data = bytearray(f.read())
    headers = program_headers(data)
    note = next(p for p in headers if p[1] == 4)
    end = note[2] + note[4]
    for at, p_type, _, _, _, _ in headers:
        if p_type == 1:
            struct.pack_into("<Q", data, at + 8, end)
            struct.pack_into("<Q", data, at + 32, 0)
    small = os.path.join(os.path.abspath(scratch), "small.core")
    with open(small, "wb") as f:
        f.write(data[:end])
    check(os.path.getsize(small) < 16 << 10, "the small core is %d bytes" % os.path.getsize(small))
    status, out, err = debugger.run(["pm-triage --json"], binary, small)
    harness.no_traceback(out, err)
    if status == 0:
        check(harness.json_object(out)["process"]["core_file"] == small, "another core analysed:\n" + out)
        return
    expect_one_line_error(status, out, err, "", "pm-triage")
    line = next(l for l in (out + err).splitlines() if "pm-triage: error:" in l)
    check("core-file" not in line or debugger.kind == "gdb", "a GDB command offered in LLDB: " + line)
    if debugger.kind == "lldb":
        check("target create" in line and "16 KiB" in line, "the reason or the LLDB command is missing: " + line)


def control_bytes(debugger, bin_dir, core_dir, scratch):
    """Control bytes in the text a core holds (its assertion message): printed as \\xNN, never obeyed by the
    terminal and never cutting the output (LLDB's PutCString stopped at a NUL; GDB printed ESC as it was)."""
    binary = os.path.join(bin_dir, "assert_fail")
    original = os.path.join(core_dir, "assert_fail.core")
    with open(original, "rb") as f:
        data = f.read()
    plain, hostile = b"balance must not be negative", b"balance\x1bmust\x01not\rbe\x7fnegative"
    check(plain in data, "the assertion message is not in the core")
    patched = os.path.join(os.path.abspath(scratch), "control.core")
    with open(patched, "wb") as f:
        f.write(data.replace(plain, hostile))
    status, before, err = debugger.run(["pm-triage"], binary, original)
    check(status == 0, "pm-triage failed on the original core:\n" + before + err)
    status, out, err = debugger.run(["pm-triage"], binary, patched)
    harness.no_traceback(out, err)
    check(status == 0, "pm-triage failed:\n" + out + err)
    shown = r"balance\x1bmust\x01not\x0dbe\x7fnegative"
    message = [l for l in out.splitlines() if l.startswith("message ")]
    check(message and shown in message[0], "the message is not shown escaped:\n" + out)
    check(not any(c in out for c in "\x1b\x01\r\x7f\x00"), "a control byte reached the terminal:\n%r" % out)
    # Nothing cut: every line of the report is there, as many as for the original core.
    labels = [l.split()[0] for l in before.splitlines() if l.strip()]
    check([l.split()[0] for l in out.splitlines() if l.strip()] == labels, "lines lost or added:\n" + out)
    report = debugger.json(["pm-triage --json"], binary, patched)
    check(hostile.decode() in report["cause"]["message"], "JSON: %r" % report["cause"]["message"])


# Every case: its name on the command line (tests.cmake) and the function that checks it. Each takes the
# debugger under test, the other LLDB's (plugin-mismatch), the crash lab's folders, null_field_read's program
# and core, and a scratch folder; the input core must be byte-identical afterwards.
def case_report_inputs(debugger, other, bin_dir, binary, core, scratch):
    """pm-report's own inputs: a log that is missing, a folder, a FIFO; a window without its unit; a crash time
    that is not one; an --output that exists; a --check file that is missing. One line each, the core untouched."""
    before = sha256(core)
    fifo = os.path.join(scratch, "fifo.log")
    os.mkfifo(fifo)
    existing = os.path.join(scratch, "existing.md")
    with open(existing, "w") as f:
        f.write("keep me\n")
    for arguments, fragment in (("--log " + os.path.join(scratch, "missing.log"), "cannot read the log"),
                                ("--log " + scratch, "not a regular file"),
                                ("--log " + fifo, "not a regular file"),
                                ("--window 10", "--window 10 is not a duration"),
                                ("--window 5x", "--window 5x is not a duration"),
                                ("--crash-time yesterday", "--crash-time yesterday is not a UTC time"),
                                ("--output " + existing, "exists"),
                                ("--check " + os.path.join(scratch, "missing.md"), "cannot read")):
        expect_one_line_error(*run_bounded(debugger, ["pm-report " + arguments], binary, core), fragment, "pm-report")
    with open(existing) as f:
        check(f.read() == "keep me\n", "pm-report wrote over an existing --output")
    check(sha256(core) == before, "the core was modified")


CASES = {
    "report-inputs": case_report_inputs,
    "nothing-loaded": case_nothing_loaded,
    "running-process": case_running_process,
    "unknown-flag": case_unknown_flag,
    "truncated-core": case_truncated_core,
    "corrupt-core": case_corrupt_core,
    "wrong-executable": case_wrong_executable,
    "core-without-executable": case_core_without_executable,
    "help": case_help,
    "rules-file": case_rules_file,
    "hostile-secret-rules": case_hostile_secret_rules,
    "hostile-blame-rule": case_hostile_blame_rule,
    "malformed-rules-files": case_malformed_rules_files,
    "select": case_select,
    "load-twice": case_load_twice,
    "python-mismatch": case_python_mismatch,
    "plugin-mismatch": case_plugin_mismatch,
    "live-process": case_live_process,
}
for _name, _check_case in {"prstatus-descsz": prstatus_descsz, "sparse-core": sparse_core, "newline-path": newline_path,
                           "two-cores": two_cores, "small-core": small_core, "control-bytes": control_bytes}.items():
    # The hostile cores' checks build their own core from the crash lab's.
    CASES[_name] = (lambda check_case: lambda debugger, other, bin_dir, binary, core, scratch:
                    check_case(debugger, bin_dir, os.path.dirname(core), scratch))(_check_case)


if __name__ == "__main__":
    harness.main(test)
