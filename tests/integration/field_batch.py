"""`coroner triage` over a field folder built here from crash-lab cores, stored the ways they arrive: plain;
zstd / lz4 / xz named and tagged as systemd-coredump writes them; apport .crash files with a gzip and a zstd
CoreDump; a truncated core; a core whose program is missing; a program of another build; a file that is not
a core; an empty file; an unreadable file; a compressed stream cut short. Every row's status and error are
asserted; every good row's triage JSON is the debugger's own on the plain core; the inputs are unchanged
(sha256) and the temporary folder is empty afterwards.

    field_batch.py CORONER MANIFEST gdb SCRIPT
    field_batch.py CORONER MANIFEST lldb PLUGIN LLDB
    field_batch.py CORONER MANIFEST timeout gdb SCRIPT COLLECT-CORE
"""
import base64
import calendar
import hashlib
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import zlib

import harness
from harness import check

BOOT_ID = "0123456789abcdef0123456789abcdef"


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def iso(seconds):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def manifest(path):
    rows = {}
    with open(path) as f:
        for line in f:
            name, binary, core, source = line.rstrip("\n").split("\t")[:4]
            rows[name] = (binary, core)
    return rows


def systemd_name(comm, pid, mtime, suffix):
    return "core.%s.0.%s.%d.%d%s" % (comm, BOOT_ID, pid, int(mtime) * 1000000, suffix)


def tag(path, binary, core, pid, signal, exe=None):
    """The extended attributes systemd-coredump sets (values as it formats them)."""
    mtime = int(os.stat(core).st_mtime)
    for key, value in [("pid", str(pid)), ("uid", "0"), ("gid", "0"), ("signal", str(signal)),
                       ("timestamp", str(mtime * 1000000)), ("rlimit", "18446744073709551615"),
                       ("hostname", "fieldhost"), ("comm", os.path.basename(binary)[:15]),
                       ("exe", exe or binary)]:
        os.setxattr(path, "user.coredump." + key, value.encode())


def compress(tool, core, out):
    with open(out, "wb") as f:
        status = subprocess.run(tool + [core], stdout=f).returncode
    check(status == 0, "%s failed" % tool)


def apport_report(path, core, binary, compression):
    """An apport .crash as problem_report.py writes it: text fields sorted after ProblemType, then the
    CoreDump: a gzip header line, one base64 line per compressed block, the trailer (CRC, size) last. The
    zstd variant carries a zstd stream in the same lines."""
    mtime = int(os.stat(core).st_mtime)
    with open(core, "rb") as f:
        data = f.read()
    fields = [("ProblemType", "Crash"), ("Date", time.asctime(time.localtime(mtime))),
              ("ExecutablePath", binary), ("Package", "crash-lab 1.0"), ("ProcCmdline", binary),
              ("ProcStatus", "Name:\t%s\nPid:\t4321\nUid:\t0\t0\t0\t0" % os.path.basename(binary)[:15]),
              ("Signal", "11")]
    text = b""
    for key, value in fields:
        if "\n" in value:
            text += ("%s:\n %s\n" % (key, value.replace("\n", "\n "))).encode()
        else:
            text += ("%s: %s\n" % (key, value)).encode()
    lines = []
    if compression == "gzip":
        lines.append(b"\037\213\010\010\000\000\000\000\002\377CoreDump\000")
        compressor = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS, zlib.DEF_MEM_LEVEL, 0)
        crc = 0
        for at in range(0, len(data), 1 << 20):
            block = data[at:at + (1 << 20)]
            crc = zlib.crc32(block, crc)
            out = compressor.compress(block)
            if out:
                lines.append(out)
        lines.append(compressor.flush() + struct.pack("<L", crc & 0xffffffff) + struct.pack("<L", len(data)))
    else:
        packed = subprocess.run(["zstd", "-q", "-c", core], capture_output=True).stdout
        lines = [packed[at:at + 65536] for at in range(0, len(packed), 65536)]
    text += b"CoreDump: base64\n" + b"".join(b" " + base64.b64encode(line) + b"\n" for line in lines)
    with open(path, "wb") as f:
        f.write(text)
    # apport writes the report as the process dies: its modification time a few seconds after the Date.
    os.utime(path, (mtime + 5, mtime + 5))


def another_build(binary, out):
    """The same program with another build-id (as a rebuild gives it)."""
    build_id = bytes.fromhex(harness.build_id(binary))
    with open(binary, "rb") as f:
        data = f.read()
    check(data.count(build_id) == 1, "the build-id of %s is not in it once" % binary)
    with open(out, "wb") as f:
        f.write(data.replace(build_id, bytes(b ^ 0xff for b in build_id)))
    os.chmod(out, 0o755)


def build_field(lab, field, scratch):
    """The field folder; returns {file name: (expected status, error substring or None, crash-lab name)}."""
    def core_of(name):
        return lab[name][1]

    def binary_of(name):
        return lab[name][0]

    expected = {}
    plain = os.path.join(field, "null_field_read.core")
    shutil.copy2(core_of("null_field_read"), plain)
    expected["null_field_read.core"] = ("ok", None, "null_field_read")

    for name, suffix, tool in [("divide_by_zero", ".zst", ["zstd", "-q", "--no-content-size", "-c"]),
                               ("plain_abort", ".lz4", ["lz4", "-q", "-c"]),
                               ("double_free", ".xz", ["xz", "-c"])]:
        notes = harness.core_notes(core_of(name))
        file = systemd_name(name, notes["pid"], os.stat(core_of(name)).st_mtime, suffix)
        compress(tool, core_of(name), os.path.join(field, file))
        tag(os.path.join(field, file), binary_of(name), core_of(name), notes["pid"], notes["signo"])
        expected[file] = ("ok", None, name)

    os.mkdir(os.path.join(field, "crash"))
    apport_report(os.path.join(field, "crash", "_bin_assert_fail.0.crash"), core_of("assert_fail"),
                  binary_of("assert_fail"), "gzip")
    expected["crash/_bin_assert_fail.0.crash"] = ("ok", None, "assert_fail")
    apport_report(os.path.join(field, "crash", "_bin_uncaught_exception.0.crash"), core_of("uncaught_exception"),
                  binary_of("uncaught_exception"), "zstd")
    expected["crash/_bin_uncaught_exception.0.crash"] = ("ok", None, "uncaught_exception")

    with open(core_of("null_call"), "rb") as f:
        data = f.read()
    with open(os.path.join(field, "null_call.truncated.core"), "wb") as f:
        f.write(data[:len(data) * 2 // 3])
    expected["null_call.truncated.core"] = ("truncated", "ends before its last segment", "null_call")

    missing = systemd_name("stack_smashing", 77, os.stat(core_of("stack_smashing")).st_mtime, ".zst")
    compress(["zstd", "-q", "-c"], core_of("stack_smashing"), os.path.join(field, missing))
    tag(os.path.join(field, missing), binary_of("stack_smashing"), core_of("stack_smashing"), 77, 6,
        exe="/opt/gone/bin/stack_smashing")
    expected[missing] = ("error", "the program /opt/gone/bin/stack_smashing is missing", "stack_smashing")

    rebuilt = os.path.join(scratch, "rebuilt", "wild_write")
    os.makedirs(os.path.dirname(rebuilt))
    another_build(binary_of("wild_write"), rebuilt)
    other = systemd_name("wild_write", 78, os.stat(core_of("wild_write")).st_mtime, ".lz4")
    compress(["lz4", "-q", "-c"], core_of("wild_write"), os.path.join(field, other))
    tag(os.path.join(field, other), binary_of("wild_write"), core_of("wild_write"), 78, 11, exe=rebuilt)
    expected[other] = ("error", "the program %s is another build (build-id " % rebuilt, "wild_write")

    cut = systemd_name("fp_exception", 79, os.stat(core_of("fp_exception")).st_mtime, ".zst")
    compress(["zstd", "-q", "-c"], core_of("fp_exception"), os.path.join(field, cut))
    with open(os.path.join(field, cut), "r+b") as f:
        f.truncate(os.path.getsize(os.path.join(field, cut)) // 2)
    expected[cut] = ("error", "the zstd stream is cut short", None)

    with open(os.path.join(field, "README.txt"), "w") as f:
        f.write("cores from the field\n")
    expected["README.txt"] = ("error", "is not a core dump", None)
    open(os.path.join(field, "empty.core"), "w").close()
    expected["empty.core"] = ("error", "is empty", None)
    unreadable = os.path.join(field, "locked.core")
    shutil.copy2(core_of("null_field_read"), unreadable)
    os.chmod(unreadable, 0)
    expected["locked.core"] = ("error", "Permission denied", None)
    return expected


def without_privilege(argv):
    """As root, file permissions do not apply: the batch runs without CAP_DAC_OVERRIDE so that the
    unreadable file is unreadable."""
    if os.geteuid() != 0:
        return argv
    return ["setpriv", "--inh-caps=-all", "--bounding-set=-dac_override,-dac_read_search"] + argv


def run_coroner(argv, tmpdir, stdin=None, timeout=600):
    p = subprocess.run(argv, input=stdin, capture_output=True, text=True, timeout=timeout,
                       env=dict(os.environ, TMPDIR=tmpdir))
    return p.returncode, p.stdout, p.stderr


def rows_by_input(stdout, prefix):
    rows = {}
    for line in stdout.splitlines():
        row = json.loads(line)
        check(row["schema"] == "coroner.batch/1", "schema %s" % row["schema"])
        for key in ("input", "format", "metadata", "program", "status", "error", "seconds", "triage"):
            check(key in row, "row without %s: %s" % (key, line))
        rows[os.path.relpath(row["input"], prefix)] = row
    return rows


def reference(debugger, lab, name):
    binary, core = lab[name]
    return debugger.json("pm-triage --json", binary, core)


def same_triage(got, want, core_file):
    """The debugger's own JSON on the plain core, but for the core's path: `core_file` is the input itself
    when it was a whole plain core, else a folder under which it was unpacked."""
    got, want = json.loads(json.dumps(got)), json.loads(json.dumps(want))
    path = got["process"]["core_file"]
    check(path == core_file or path.startswith(core_file + "/"), "core_file %s, not in %s" % (path, core_file))
    got["process"]["core_file"] = want["process"]["core_file"]
    check(got == want, "triage differs from the debugger's own on the plain core:\n%s\n%s" %
          (json.dumps(got, sort_keys=True), json.dumps(want, sort_keys=True)))


def field_test(coroner, lab, debugger, options):
    scratch = tempfile.mkdtemp(prefix="coroner-field-")
    try:
        field, tmpdir = os.path.join(scratch, "field"), os.path.join(scratch, "tmp")
        os.mkdir(field)
        os.mkdir(tmpdir)
        expected = build_field(lab, field, scratch)
        inputs = [os.path.join(root, f) for root, _, files in os.walk(field) for f in files]
        before = {path: sha256(path) if os.access(path, os.R_OK) or os.geteuid() == 0 else None for path in inputs}
        started = time.time()
        status, out, err = run_coroner(without_privilege([coroner, "triage", "-j2", "--timeout", "100"] + options +
                                                         [field]), tmpdir)
        seconds = time.time() - started
        check(status == 1, "exit status %d with failed rows (want 1):\n%s" % (status, err))
        rows = rows_by_input(out, field)
        check(sorted(rows) == sorted(expected), "rows for %s, files %s" % (sorted(rows), sorted(expected)))
        for name, (want_status, want_error, lab_name) in sorted(expected.items()):
            row = rows[name]
            check(row["status"] == want_status, "%s: status %s (want %s): %s" % (name, row["status"], want_status,
                                                                                row["error"]))
            if want_error:
                check(row["error"] and want_error in row["error"], "%s: error %r lacks %r" % (name, row["error"],
                                                                                           want_error))
            else:
                check(row["error"] is None, "%s: error %r" % (name, row["error"]))
            if want_status == "ok":
                same_triage(row["triage"], reference(debugger, lab, lab_name),
                            os.path.join(field, name) if name == "null_field_read.core" else tmpdir)
                mtime = int(os.stat(lab[lab_name][1]).st_mtime)
                check(row["metadata"]["time"] == iso(mtime), "%s: time %s, the core's %s" %
                      (name, row["metadata"]["time"], iso(mtime)))
            elif want_status == "truncated":
                check(row["triage"] is not None, "%s: the truncated core was not triaged" % name)
                check(row["metadata"]["truncated"] is True, "%s: not marked truncated" % name)
            else:
                check(row["triage"] is None, "%s: triage on a failed row" % name)
        formats = {name: rows[name]["format"] for name in expected}
        check(formats["null_field_read.core"] == "elf" and formats["crash/_bin_assert_fail.0.crash"] == "apport-gzip"
              and formats["crash/_bin_uncaught_exception.0.crash"] == "apport-zstd", "formats %s" % formats)
        sources = {name: rows[name]["metadata"]["time_source"] for name in expected if rows[name]["metadata"]}
        check(all(s.startswith("systemd-coredump (xattr") for n, s in sources.items() if n.startswith("core.")) and
              sources["crash/_bin_assert_fail.0.crash"].startswith("apport (Date field") and
              sources["null_field_read.core"] == "file modification time", "time sources %s" % sources)
        zst = [n for n in expected if n.startswith("core.divide_by_zero")][0]
        meta = rows[zst]["metadata"]
        check(meta["host"] == "fieldhost" and meta["program"] == lab["divide_by_zero"][0] and
              meta["signal"] == 8 and "systemd xattrs" in meta["sources"], "systemd metadata %s" % meta)
        apport = rows["crash/_bin_assert_fail.0.crash"]["metadata"]
        check(apport["package"] == "crash-lab 1.0" and apport["pid"] == 4321, "apport metadata %s" % apport)
        summary = err.strip().splitlines()[-1]
        m = re.match(r"coroner triage: (\d+) triaged, (\d+) failed, (\d+) buckets", summary)
        check(m and int(m.group(1)) == 7 and int(m.group(2)) == 6, "summary line %r" % summary)
        check("\r" not in err, "a progress line on a stderr that is not a terminal")
        after = {path: sha256(path) if before[path] else None for path in inputs}
        check(before == after, "an input was modified")
        check(os.listdir(tmpdir) == [], "temporary files left: %s" % os.listdir(tmpdir))

        # `-` reads paths from stdin; --exe-dir finds the missing program by build-id; --with runs the other
        # commands in the same debugger.
        missing = os.path.join(field, [n for n in expected if "stack_smashing" in n][0])
        status, out, err = run_coroner([coroner, "triage", "--exe-dir", os.path.dirname(lab["stack_smashing"][0]),
                                        "--with", "threads,symbols,secrets"] + options + ["-"], tmpdir,
                                       stdin=missing + "\n")
        row = json.loads(out)
        check(status == 0 and row["status"] == "ok" and row["program"]["found_by"] == "--exe-dir (build-id)",
              "--exe-dir: %d %s" % (status, out))
        schemas = [row[key] and row[key]["schema"] for key in ("threads", "symbols", "secrets")]
        check(schemas == ["coroner.threads/1", "coroner.symbols/1", "coroner.secrets/1"], "--with: %s" % schemas)
        same_triage(row["triage"], reference(debugger, lab, "stack_smashing"), tmpdir)
        check(os.listdir(tmpdir) == [], "temporary files left: %s" % os.listdir(tmpdir))
        print("%d rows in %.1f s" % (len(rows), seconds))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def command_line_test(coroner, lab, script):
    status, out, err = harness.run([coroner, "--version"])
    check(status == 0 and re.match(r"coroner \d+\.\d+\.\d+", out), "--version: %s%s" % (out, err))
    status, out, err = harness.run([coroner, "--help"])
    check(status == 0 and "triage" in out and "unpack" in out, "--help: %s" % out)
    status, out, err = harness.run([coroner, "triage", "--help"])
    check(status == 0 and "--exe-dir" in out and "--timeout" in out, "triage --help: %s" % out)
    status, out, err = harness.run([coroner, "triage", "--no-such-flag", "x"])
    check(status == 2, "unknown flag: exit %d" % status)
    status, out, err = harness.run([coroner, "triage", "--with", "everything", "x"])
    check(status == 2 and err.count("\n") == 1 and "coroner: error:" in err, "--with everything: %d %s" %
          (status, err))
    # The row's own texts from the core (the command line, in the metadata) are redacted like the commands'
    # output, unless --reveal; then the commands show theirs too.
    token = "ghp_R7kQm2XvT9pLw4ZsN8bYc3HdJ6fGa1Ue5Vio"
    leaky = [coroner, "triage", "--gdb-script", script, lab["leaky_assert"][1]]
    status, out, err = harness.run(leaky)
    row = json.loads(out)
    check(status == 0 and token not in out + err and "ghp_" in row["metadata"]["command_line"],
          "a secret in a row: %s" % out)
    status, out, err = harness.run(leaky[:2] + ["--reveal"] + leaky[2:])
    row = json.loads(out)
    check(status == 0 and token in row["metadata"]["command_line"] and token in row["triage"]["process"]["args"],
          "--reveal: %s" % out)
    scratch = tempfile.mkdtemp(prefix="coroner-unpack-")
    try:
        core = lab["divide_by_zero"][1]
        packed = os.path.join(scratch, "core.zst")
        compress(["zstd", "-q", "--no-content-size", "-c"], core, packed)
        out = os.path.join(scratch, "plain.core")
        status, _, err = harness.run([coroner, "unpack", packed, "-o", out])
        check(status == 0 and sha256(out) == sha256(core), "unpack: %d %s" % (status, err))
        check(os.stat(out).st_blocks * 512 < os.path.getsize(core), "the unpacked core is not sparse")
        status, _, err = harness.run([coroner, "unpack", packed, "-o", out])
        check(status == 1 and "exists" in err and err.count("\n") == 1, "unpack over a file: %d %s" % (status, err))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def cmdline(pid):
    try:
        with open("/proc/%s/cmdline" % pid, "rb") as f:
            return f.read()
    except OSError:
        return b""


def timeout_test(coroner, script, collect):
    """A core whose program had mapped a file that is now a FIFO: GDB blocks opening it. At the 2 s limit the
    row says timeout and neither a debugger nor a temporary file is left behind."""
    scratch = tempfile.mkdtemp(prefix="coroner-timeout-")
    try:
        work, tmpdir = os.path.join(scratch, "work"), os.path.join(scratch, "tmp")
        os.mkdir(work)
        os.mkdir(tmpdir)
        prog, core, data = harness.core_with_mapped_file(work, collect)
        os.unlink(data)
        os.mkfifo(data)
        packed = core + ".zst"
        compress(["zstd", "-q", "-c"], core, packed)
        started = time.time()
        status, out, err = run_coroner([coroner, "triage", "--gdb-script", script, "--timeout", "2", packed], tmpdir,
                                       timeout=60)
        seconds = time.time() - started
        row = json.loads(out)
        check(status == 1 and row["status"] == "timeout" and "2 s time limit" in row["error"],
              "timeout row: %d %s %s" % (status, out, err))
        check(seconds < 10, "the batch took %.1f s past a 2 s limit" % seconds)
        left = [pid for pid in os.listdir("/proc") if pid.isdigit() and tmpdir.encode() in cmdline(pid)]
        check(not left, "debuggers left running: %s" % left)
        check(os.listdir(tmpdir) == [], "temporary files left: %s" % os.listdir(tmpdir))
        print("timeout after %.1f s" % seconds)

        # Ctrl-C (SIGINT to coroner alone: the debuggers are in process groups of their own) in the middle of
        # the same wedged core: coroner ends the debugger, removes its files and exits 130.
        batch = subprocess.Popen([coroner, "triage", "--gdb-script", script, packed], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True, env=dict(os.environ, TMPDIR=tmpdir))
        time.sleep(2)
        check(os.listdir(tmpdir) != [], "no temporary folder while the core was being triaged")
        batch.send_signal(2)
        out, err = batch.communicate(timeout=30)
        check(batch.returncode == 130 and "stopped early" in err, "after Ctrl-C: exit %d, %s" % (batch.returncode,
                                                                                                err))
        left = [pid for pid in os.listdir("/proc") if pid.isdigit() and tmpdir.encode() in cmdline(pid)]
        check(not left, "debuggers left running after Ctrl-C: %s" % left)
        check(os.listdir(tmpdir) == [], "temporary files left after Ctrl-C: %s" % os.listdir(tmpdir))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def test(argv):
    coroner, lab = argv[0], manifest(argv[1])
    mode = argv[2]
    if mode == "timeout":
        timeout_test(coroner, argv[4], argv[5])
        return
    if mode == "gdb":
        debugger = harness.Debugger(["gdb", argv[3]])
        options = ["--gdb-script", argv[3]]
        command_line_test(coroner, lab, script=argv[3])
    else:
        debugger = harness.Debugger(["lldb", argv[3], argv[4]])
        options = ["--debugger", "lldb", "--lldb-plugin", argv[3], "--lldb", argv[4]]
    field_test(coroner, lab, debugger, options)


if __name__ == "__main__":
    harness.main(test)
