"""`coroner secrets-scan` and `coroner redact` without a debugger (issue 18), over a field folder made here from
the crash lab's secrets_everywhere core, stored every way the intake takes: plain; zstd (named and tagged as
systemd-coredump writes it, its command-line attribute holding a token), lz4, xz; apport reports with a gzip
and a zstd CoreDump, their ProcCmdline holding a password; and a file that is not a core; and a truncated core.

Asserted: every core's findings are the debuggers' own (pm-secrets-scan --json in GDB and each LLDB on the
plain core), values redacted unless --reveal, the program's variables named; the not-a-core is one error
line. The redacted copies: stored as their inputs were, mode 0600, holding none of the planted values (in the
core, the report's text or the attributes), scanned clean, loading in GDB and each LLDB with the same stack
and bucket; the inputs unchanged (sha256). And the errors: an existing output, an output folder inside the
input folder, a bad rules file.

    secrets_cli.py CORONER MANIFEST PROGRAM-SOURCE gdb:SCRIPT [lldb:PLUGIN:LLDB ...]"""
import hashlib
import json
import os
import re
import shutil
import stat
import subprocess
import tempfile

import field_batch
import harness
from harness import check

MAGIC = {"elf": b"\x7fELF", "zstd": b"\x28\xb5\x2f\xfd", "lz4": b"\x04\x22\x4d\x18", "xz": b"\xfd7zXZ\x00",
         "apport": b"ProblemType:"}


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def planted_values(source):
    with open(source) as f:
        return [m.group(1) for m in re.finditer(r"coroner-secret: \S+ (\S+)", f.read())]


def debuggers(specs):
    out = []
    for spec in specs:
        parts = spec.split(":")
        out.append(harness.Debugger(parts))
    return out


def stack(debugger, binary, core):
    triage = debugger.json("pm-triage --json", binary, core)
    return [(f["function"], f["pc"]) for f in triage["thread"]["frames"]], triage["bucket"]


def build_field(field, binary, core, token, password):
    """{file name: format} of the cores written into `field`."""
    formats = {}
    shutil.copy2(core, os.path.join(field, "secrets.core"))
    formats["secrets.core"] = "elf"
    for tool, suffix, kind in [(["zstd", "-q", "-c"], ".zst", "zstd"), (["lz4", "-q", "-c"], ".lz4", "lz4"),
                               (["xz", "-q", "-c", "-1"], ".xz", "xz")]:
        name = field_batch.systemd_name("secrets_everyw", 4242, os.stat(core).st_mtime, suffix)
        path = os.path.join(field, name)
        field_batch.compress(tool, core, path)
        formats[name] = kind
    zst = [n for n, k in formats.items() if k == "zstd"][0]
    field_batch.tag(os.path.join(field, zst), binary, core, 4242, 11)
    os.setxattr(os.path.join(field, zst), "user.coredump.cmdline", ("%s --token %s" % (binary, token)).encode())
    for compression in ("gzip", "zstd"):
        name = "_secrets_everywhere.%s.crash" % compression
        path = os.path.join(field, name)
        field_batch.apport_report(path, core, binary, compression)
        with open(path, "rb") as f:
            text = f.read()
        with open(path, "wb") as f:
            f.write(text.replace(("ProcCmdline: %s\n" % binary).encode(),
                                 ("ProcCmdline: %s --db postgres://billing:%s@db:5432/x\n" % (binary, password)).encode()))
        formats[name] = "apport"
    with open(os.path.join(field, "notes.txt"), "w") as f:
        f.write("not a core\n")
    return formats


def rows_of(stdout):
    return [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]


def check_scan(coroner, field, formats, expected, planted):
    status, out, err = harness.run([coroner, "secrets-scan", "--json", field])
    check(status == 1, "secrets-scan exited %d, not 1 (findings, and one input not a core):\n%s" % (status, err))
    errors = [line for line in err.splitlines() if line.strip()]
    check(len(errors) == 1 and "notes.txt" in errors[0] and "not a core dump" in errors[0],
          "the not-a-core gave not one error line:\n%s" % err)
    rows = {os.path.basename(r["input"]): r for r in rows_of(out)}
    check(set(rows) == set(formats), "rows for %s, cores %s" % (sorted(rows), sorted(formats)))
    for name, row in rows.items():
        check(row["schema"] == "coroner.secrets/1", "%s: schema %s" % (name, row["schema"]))
        check(row["program"]["path"] is not None, "%s: no program: %s" % (name, row["program"]))
        check(row["findings"] == expected, "%s: findings differ from the debuggers' (%d against %d)" %
              (name, len(row["findings"]), len(expected)))
    symbols = {f["symbol"] for f in rows["secrets.core"]["findings"]}
    check({"aws_key_id", "aws_config", "auth_header"} <= symbols, "variables not named: %s" % symbols)
    for value in planted:
        check(value not in out, "secrets-scan printed %s without --reveal" % value)
    status, out, err = harness.run([coroner, "secrets-scan", "--reveal", "--json", os.path.join(field, "secrets.core")])
    revealed = {f["value"] for f in rows_of(out)[0]["findings"]}
    check(set(planted) <= revealed, "--reveal does not show %s" % (set(planted) - revealed))
    status, out, err = harness.run([coroner, "secrets-scan", os.path.join(field, "secrets.core")])
    check(status == 1 and "aws_key_id" in out and "values are redacted" in out, "the text:\n%s\n%s" % (out, err))
    for value in planted:
        check(value not in out, "the text shows %s" % value)
    print("secrets-scan: %d cores, %d findings each, as GDB and LLDB find them" % (len(rows), len(expected)))


def check_copies(coroner, field, out_dir, formats, planted, binary, stacks, dbgs):
    for name, kind in formats.items():
        copy = os.path.join(out_dir, name)
        check(os.path.exists(copy), "no copy of %s" % name)
        check(stat.S_IMODE(os.stat(copy).st_mode) == 0o600, "%s: mode %o" % (name, os.stat(copy).st_mode))
        with open(copy, "rb") as f:
            stored = f.read()
        check(stored.startswith(MAGIC[kind]), "%s: the copy is not stored as %s" % (name, kind))
        plain = os.path.join(out_dir, name + ".plain")
        status, _, err = harness.run([coroner, "unpack", copy, "-o", plain])
        check(status == 0, "%s: the copy does not unpack: %s" % (name, err))
        with open(plain, "rb") as f:
            core_bytes = f.read()
        for value in planted:
            check(value.encode() not in core_bytes, "%s: the copy's core holds %s" % (name, value))
            check(value.encode() not in stored, "%s: the copy holds %s" % (name, value))
            check(value.encode("utf-16-le") not in core_bytes, "%s: the copy holds %s in UTF-16" % (name, value))
            try:
                attributes = [os.getxattr(copy, a) for a in os.listxattr(copy)]
            except OSError:
                attributes = []
            check(all(value.encode() not in a for a in attributes), "%s: an attribute holds %s" % (name, value))
        for debugger in dbgs:
            got = stack(debugger, binary, plain)
            check(got == stacks[debugger.kind + debugger.frontend],
                  "%s in %s: the copy's stack %s, the original's %s" %
                  (name, debugger.kind, got, stacks[debugger.kind + debugger.frontend]))
        os.unlink(plain)
    status, out, err = harness.run([coroner, "secrets-scan", "--json", out_dir])
    check(status == 0, "a scan of the copies exits %d:\n%s%s" % (status, out, err))
    check(all(r["findings"] == [] for r in rows_of(out)), "a copy still holds findings")


def test(argv):
    coroner, manifest, source = argv[:3]
    dbgs = debuggers(argv[3:])
    binary, core = field_batch.manifest(manifest)["secrets_everywhere"]
    planted = planted_values(source)
    check(len(planted) >= 6, "the program lists %d planted values" % len(planted))
    token, password = [v for v in planted if v.startswith("ghp_")][0], [v for v in planted if v.startswith("Xk9")][0]
    work = tempfile.mkdtemp(prefix="coroner-secrets-cli-")
    try:
        field, out_dir = os.path.join(work, "field"), os.path.join(work, "redacted")
        os.mkdir(field)
        formats = build_field(field, binary, core, token, password)
        before = {n: sha256(os.path.join(field, n)) for n in os.listdir(field)}
        expected, stacks = None, {}
        for debugger in dbgs:
            found = debugger.json("pm-secrets-scan --json", binary, core)["findings"]
            check(expected is None or found == expected, "%s finds otherwise than the first debugger" % debugger.kind)
            expected = found
            stacks[debugger.kind + debugger.frontend] = stack(debugger, binary, core)
        check_scan(coroner, field, formats, expected, planted)

        status, out, err = harness.run([coroner, "redact", "--json", field, "-o", out_dir])
        check(status == 1, "redact exited %d, not 1 (one input is not a core):\n%s" % (status, err))
        check("%d copies written" % len(formats) in err and "1 failed" in err, "the summary:\n%s" % err)
        rows = rows_of(out)
        check(len(rows) == len(formats) and all(r["findings_after"] == 0 and r["findings"] > 0 for r in rows),
              "redact rows: %s" % rows)
        check_copies(coroner, field, out_dir, formats, planted, binary, stacks, dbgs)
        after = {n: sha256(os.path.join(field, n)) for n in os.listdir(field)}
        check(before == after, "an input changed")

        # Errors: one line each, nothing written.
        copy = os.path.join(out_dir, "secrets.core")
        status, out, err = harness.run([coroner, "redact", os.path.join(field, "secrets.core"), "-o", copy])
        check(status == 1 and len(err.strip().splitlines()) == 1 and "exists" in err, "an existing output: %s" % err)
        status, out, err = harness.run([coroner, "redact", field, "-o", os.path.join(field, "inside")])
        check(status == 2 and "inside the input folder" in err and not os.path.exists(os.path.join(field, "inside")),
              "an output folder inside the input: %d %s" % (status, err))
        bad_rules = os.path.join(work, "rules.json")
        with open(bad_rules, "w") as f:
            f.write("{not json")
        status, out, err = harness.run([coroner, "secrets-scan", "--rules", bad_rules, field])
        check(status == 2 and len(err.strip().splitlines()) == 1 and out == "", "a bad rules file: %d %s" % (status, err))
        # A truncated core: scanned as far as it goes, and said so (a note, the JSON's "truncated").
        cut = os.path.join(work, "cut.core")
        with open(core, "rb") as f:
            data = f.read()
        with open(cut, "wb") as f:
            f.write(data[: len(data) * 2 // 3])
        status, out, err = harness.run([coroner, "secrets-scan", "--json", cut])
        rows = rows_of(out)
        check(len(rows) == 1 and rows[0]["truncated"] and "note: %s is truncated" % cut in err and "error" not in err,
              "a truncated core: %s %s" % (out[:300], err))
        print("redact: %d copies, stored as their inputs, none holding a planted value; inputs unchanged" % len(formats))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    harness.main(test)
