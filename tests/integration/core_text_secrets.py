"""Secrets that reach coroner's output by another way than a scan — dying words, arguments, quoted
source — and what pm-redact writes: in a real debugger over real crash-lab cores.

- No command prints a credential that came from the core unless asked with --reveal (pm-triage and
  pm-blame-frame show them then); the signature and bucket never hold one.
- pm-redact's copy holds none anywhere, notes included (the command line in NT_PRPSINFO); it stays sparse;
  no partial copy survives a killed debugger; a link at the output is replaced, never followed; a FIFO, a
  device, the input core itself under another name and a folder that cannot be written are refused in one line.
- A library missing on this machine: its code is unknown, never decoded from zeros.

usage: core_text_secrets.py gdb SCRIPT CRASH-LAB-BIN CRASH-LAB-CORES COLLECT-CORE
       core_text_secrets.py lldb PLUGIN LLDB CRASH-LAB-BIN CRASH-LAB-CORES COLLECT-CORE"""
import hashlib
import os
import shutil
import signal
import stat
import subprocess
import tempfile
import time

import harness
from harness import check

TOKEN = "ghp_R7kQm2XvT9pLw4ZsN8bYc3HdJ6fGa1Ue5Vio"
KEY_ID = "AKIAZ7QW4RTY2UIO9PLK"
TOKEN_PREVIEW = "ghp_…5Vio"
ALL_COMMANDS = ["pm-triage", "pm-triage --json", "pm-blame-frame --explain", "pm-blame-frame --explain --json",
                "pm-threads", "pm-threads --json", "pm-symbols", "pm-symbols --json", "pm-secrets-scan",
                "pm-secrets-scan --json"]


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def no_secret(text, where):
    for value in (TOKEN, KEY_ID):
        check(value not in text, "%s shows %s unredacted:\n%s" % (where, value[:8], text))


def one_error_line(debugger, commands, binary, core, fragment):
    status, out, err = debugger.run(commands, binary, core)
    lines = [l for l in (out + "\n" + err).splitlines() if "pm-redact: error:" in l]
    check(status != 0 and len(lines) == 1 and lines[0].startswith("pm-redact: error: ") and fragment in lines[0],
          "%s: expected one pm-redact error line with %r, got:\n%s%s" % (commands, fragment, out, err))


def dying_words(debugger, bin_dir, cores):
    for name in ("leaky_assert", "leaky_exception", "leaky_source_line"):
        binary, core = os.path.join(bin_dir, name), os.path.join(cores, name + ".core")
        status, out, err = debugger.run(ALL_COMMANDS, binary, core)
        check(status == 0, "%s: a command failed:\n%s%s" % (name, out, err))
        no_secret(out + err, name)
        hidden = debugger.json("pm-triage --json", binary, core)
        shown = debugger.json("pm-triage --json --reveal", binary, core)
        check(hidden["signature"] == shown["signature"] and hidden["bucket"] == shown["bucket"],
              "%s: --reveal changed the signature or bucket" % name)
        if name == "leaky_source_line":
            explained = debugger.json("pm-blame-frame --explain --json", binary, core)
            revealed = debugger.json("pm-blame-frame --explain --json --reveal", binary, core)
            hows = " ".join(step["how"] for step in (explained["origin"] or {"frames": []})["frames"])
            revealed_hows = " ".join(step["how"] for step in (revealed["origin"] or {"frames": []})["frames"])
            check(TOKEN_PREVIEW in hows and TOKEN in revealed_hows,
                  "%s: the quoted source line is %r, with --reveal %r" % (name, hows, revealed_hows))
            continue
        # The exception's summary quotes what() too.
        redacted_fields = ["message", "summary"] if name == "leaky_exception" else ["message"]
        check(all(TOKEN_PREVIEW in hidden["cause"][field] for field in redacted_fields),
              "%s: the message is not shown redacted: %r" % (name, hidden["cause"]))
        check(TOKEN in shown["cause"]["message"] and KEY_ID in shown["cause"]["message"],
              "%s: --reveal does not show the message: %r" % (name, shown["cause"]["message"]))
        if name == "leaky_assert":
            check(TOKEN_PREVIEW in hidden["process"]["args"] and TOKEN in shown["process"]["args"],
                  "the arguments: %r, with --reveal %r" % (hidden["process"]["args"], shown["process"]["args"]))


def redacted_copy(debugger, bin_dir, cores, scratch):
    binary, core = os.path.join(bin_dir, "leaky_assert"), os.path.join(cores, "leaky_assert.core")
    before = sha256(core)
    copy = os.path.join(scratch, "redacted.core")
    result = debugger.json("pm-redact %s --json" % copy, binary, core)
    check(result["findings_in_notes"] >= 1 and result["findings_after"] == 0, "pm-redact: %s" % result)
    with open(copy, "rb") as f:
        data = f.read()
    for value in (TOKEN, KEY_ID):
        check(value.encode() not in data and value.encode("utf-16-le") not in data,
              "%s is still in the redacted copy" % value[:8])
    check(stat.S_IMODE(os.stat(copy).st_mode) == 0o600, "the copy's mode")
    original = debugger.json("pm-triage --json --reveal", binary, core)
    again = debugger.json("pm-triage --json --reveal", binary, copy)
    check(TOKEN not in (again["process"]["args"] or "") and original["bucket"] == again["bucket"] and
          [f["function"] for f in original["thread"]["frames"]] == [f["function"] for f in again["thread"]["frames"]],
          "the copy: args %r, bucket %s vs %s" % (again["process"]["args"], again["bucket"], original["bucket"]))
    check(sha256(core) == before, "the input core was modified")

    # A sparse core's copy is sparse: the Go program's core is mostly holes.
    go_binary, go_core = os.path.join(bin_dir, "go_index_oob"), os.path.join(cores, "go_index_oob.core")
    go_copy = os.path.join(scratch, "go.core")
    debugger.json("pm-redact %s --json" % go_copy, go_binary, go_core)
    used, original_used = os.stat(go_copy).st_blocks * 512, os.stat(go_core).st_blocks * 512
    check(os.path.getsize(go_copy) == os.path.getsize(go_core) and used <= original_used + (1 << 20),
          "the copy of a sparse core uses %d bytes of disk, the core %d" % (used, original_used))


def output_paths(debugger, bin_dir, cores, scratch):
    binary, core = os.path.join(bin_dir, "leaky_assert"), os.path.join(cores, "leaky_assert.core")
    dangling = os.path.join(scratch, "dangling.core")
    os.symlink(os.path.join(scratch, "nowhere"), dangling)
    one_error_line(debugger, ["pm-redact " + dangling], binary, core, "exists")
    check(os.path.islink(dangling) and not os.path.exists(os.path.join(scratch, "nowhere")), "the link was followed")
    # With --force a link is replaced by the copy; what it pointed to is untouched.
    target = os.path.join(scratch, "precious.txt")
    with open(target, "w") as f:
        f.write("keep me")
    link = os.path.join(scratch, "link.core")
    os.symlink(target, link)
    debugger.json("pm-redact %s --force --json" % link, binary, core)
    check(not os.path.islink(link) and os.path.isfile(link) and open(target).read() == "keep me",
          "--force over a link: the link %s, its target %r" % (os.path.islink(link), open(target).read()))
    fifo = os.path.join(scratch, "fifo.core")
    os.mkfifo(fifo)
    one_error_line(debugger, ["pm-redact %s --force" % fifo], binary, core, "not a regular file")
    one_error_line(debugger, ["pm-redact /dev/null --force"], binary, core, "not a regular file")
    check(stat.S_ISFIFO(os.stat(fifo).st_mode), "the FIFO was replaced")
    # The input core under another name (a hard link beside the output) is refused even with --force.
    alias = os.path.join(scratch, "alias.core")
    private = os.path.join(scratch, "private.core")
    shutil.copy(core, private)
    os.link(private, alias)
    before = sha256(private)
    one_error_line(debugger, ["pm-redact %s --force" % alias], binary, private, "the loaded core itself")
    check(sha256(private) == before, "the input core was modified")
    one_error_line(debugger, ["pm-redact /etc/hostname/copy.core"], binary, core, "cannot")
    left = sorted(n for n in os.listdir(scratch) if n.startswith("."))
    check(not left, "temporary files left behind: %s" % left)


def killed(debugger, bin_dir, cores, scratch):
    """SIGKILL at many moments of a pm-redact: nothing but a whole, redacted copy is ever in the folder."""
    binary, core = os.path.join(bin_dir, "secrets_everywhere"), os.path.join(cores, "secrets_everywhere.core")
    folder = os.path.join(scratch, "killed")
    os.mkdir(folder)
    output = os.path.join(folder, "copy.core")
    if debugger.kind == "gdb":
        argv = ["gdb", "-nx", "-batch", "-x", debugger.script, "-ex", "pm-redact " + output, binary, core]
    else:
        argv = [debugger.executable, "--no-lldbinit", "-b", "-o", "plugin load " + debugger.plugin, "-o",
                'target create "%s" -c "%s"' % (binary, core), "-o", "pm-redact " + output]
    secrets = [b"AKIAQ3EGVF5WZRTMN7XP", b"ghp_u8jzPde0IgxLd6GncfBAepfJBd0Kh8oOOL8d"]
    # Dense early (loading, the scan), sparser later (the copy, the rename): 11 moments instead of 24.
    for delay in [0.1 * i for i in (1, 2, 3, 4, 5, 6, 8, 10, 13, 17, 22)]:
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        p.kill()
        p.wait()
        for name in os.listdir(folder):
            path = os.path.join(folder, name)
            check(name == "copy.core", "killed after %.1f s: %s left behind" % (delay, name))
            with open(path, "rb") as f:
                data = f.read()
            check(len(data) == os.path.getsize(core) and not any(s in data for s in secrets),
                  "killed after %.1f s: the output is partial or not redacted" % delay)
            os.unlink(path)
    # SIGTERM during the work: the debugger ends promptly (GDB used to finish the scan first).
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    p.send_signal(signal.SIGTERM)
    try:
        p.wait(timeout=30)
    except subprocess.TimeoutExpired:
        p.kill()
        raise harness.Failure("the debugger did not end within 30 s of SIGTERM")


def missing_library(debugger, collect, scratch):
    """A crash inside a shared library that is gone when the core is opened: its code is unknown."""
    work = os.path.join(scratch, "missing")
    os.mkdir(work)
    with open(os.path.join(work, "lib.c"), "w") as f:
        f.write("long read_field(long *p) { return p[3]; }\n")
    with open(os.path.join(work, "main.c"), "w") as f:
        f.write("long read_field(long *p);\nint main(void) { return (int)read_field(0); }\n")
    lib, prog, core = (os.path.join(work, n) for n in ("libgone.so", "prog", "prog.core"))
    for argv in (["gcc", "-g", "-shared", "-fPIC", "-o", lib, os.path.join(work, "lib.c")],
                 ["gcc", "-g", "-o", prog, os.path.join(work, "main.c"), "-L" + work, "-lgone", "-Wl,-rpath," + work]):
        status, out, err = harness.run(argv)
        check(status == 0, "%s: %s" % (argv, err))
    status, out, err = harness.run([collect, core, prog])
    check(status == 0, "no core: " + err)
    os.unlink(lib)
    report = debugger.json("pm-triage --json", prog, core)
    check("add byte ptr [rax], al" not in report["cause"]["summary"] and report["cause"]["access"] is None,
          "code that is not on this machine was decoded: %r" % report["cause"])
    check(report["cause"]["class"] == "null-deref", "class %s" % report["cause"]["class"])


def mapped_data_file(debugger, collect, scratch):
    """A data file the process had mapped is no module; once it is a FIFO, nothing opens it (that hung)."""
    work = os.path.join(scratch, "mapped")
    os.mkdir(work)
    prog, core, data = harness.core_with_mapped_file(work, collect)
    modules = [m["path"] for m in debugger.json("pm-symbols --json", prog, core)["modules"]]
    check(data not in modules and prog in modules, "pm-symbols lists %s" % modules)
    if debugger.kind == "gdb":
        return  # GDB itself opens the mapped files and blocks on a FIFO there (`bt` alone hangs, unkillable by SIGTERM)
    os.unlink(data)
    os.mkfifo(data)
    status, out, err = debugger.run(["pm-symbols", "pm-triage", "pm-secrets-scan"], prog, core)
    check(status == 0 and "null-deref" in out, "with a FIFO where the mapped file was:\n%s%s" % (out, err))


def thread_zero(debugger, bin_dir, cores):
    """`--thread 0` is one short line, not CLI11's 400-character range of doubles."""
    binary, core = os.path.join(bin_dir, "leaky_assert"), os.path.join(cores, "leaky_assert.core")
    status, out, err = debugger.run(["pm-triage --thread 0"], binary, core)
    lines = [l for l in (out + "\n" + err).splitlines() if "pm-triage: error:" in l]
    check(status != 0 and len(lines) == 1 and len(lines[0]) < 160 and "thread number" in lines[0],
          "--thread 0: %r" % lines)


def test(argv):
    debugger = harness.Debugger(argv[:-3])
    bin_dir, cores, collect = argv[-3:]
    scratch = tempfile.mkdtemp(prefix="coroner-core-text-")
    try:
        dying_words(debugger, bin_dir, cores)
        thread_zero(debugger, bin_dir, cores)
        redacted_copy(debugger, bin_dir, cores, scratch)
        output_paths(debugger, bin_dir, cores, scratch)
        killed(debugger, bin_dir, cores, scratch)
        missing_library(debugger, collect, scratch)
        mapped_data_file(debugger, collect, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    harness.main(test)
