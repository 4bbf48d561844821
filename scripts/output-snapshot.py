#!/usr/bin/python3
"""Every command's output on every crash-lab core, in GDB and in each LLDB the plugin was built for, kept
in a folder so that a refactoring can prove it changed nothing a user or a script sees.

usage: output-snapshot.py take BUILD-DIR OUT-DIR [FIXTURES-DIR]
           runs the debuggers of BUILD-DIR (its GDB module, its LLDB plugins) over the crash lab of
           FIXTURES-DIR (default BUILD-DIR/fixtures; give the same one to both snapshots: the cores, their
           paths and times are in the output); one file per debugger and core
       output-snapshot.py compare BEFORE-DIR AFTER-DIR [--new-field NAME]...
           (exit 1 and the differences if any; a field NAME that a change added on purpose is left out of
           every JSON object, at any depth, before comparing)

JSON is compared exactly except timing ("seconds"); text output is kept too and compared with the
timing line ("scanned N bytes ... in S s") aside."""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
import harness  # noqa: E402

COMMANDS = ["pm-triage", "pm-blame-frame --explain", "pm-threads", "pm-symbols", "pm-secrets-scan", "pm-redact"]
TIMING_JSON = {"seconds"}
TIMING_TEXT = re.compile(r"\b\d+(\.\d+)? s\b|\d+(\.\d+)? MiB/s")


def debuggers(build):
    """(name, run) for GDB and every LLDB whose plugin the build made (Debian's, and CORONER_EXTRA_LLDB_ROOTS)."""
    script = os.path.join(build, "coroner-gdb.py")
    found = [("gdb", lambda cmds, binary, core: harness.gdb(script, cmds, binary, core))]
    if os.path.exists(os.path.join(build, "libcoroner-lldb.so")):
        found.append(("lldb14", lambda cmds, binary, core: lldb_run(os.path.join(build, "libcoroner-lldb.so"),
                                                                    "lldb", cmds, binary, core)))
    cache = open(os.path.join(build, "CMakeCache.txt")).read()
    match = re.search(r"^CORONER_EXTRA_LLDB_ROOTS:STRING=(.*)$", cache, re.M)
    for root in (match.group(1).split(";") if match and match.group(1) else []):
        major = re.search(r"llvm-(\d+)", root).group(1)
        plugin = os.path.join(build, "lldb-" + major, "libcoroner-lldb.so")
        lldb = os.path.join(root, "bin", "lldb-with-libs")
        found.append(("lldb" + major, lambda cmds, binary, core, p=plugin, l=lldb: lldb_run(p, l, cmds, binary, core)))
    return found


def lldb_run(plugin, lldb, commands, binary, core):
    status, out, err = harness.lldb(plugin, commands, binary, core, lldb)
    return status, harness.lldb_noise_removed(out), harness.lldb_noise_removed(err)


def command_line(command, json_form, scratch, name):
    if command == "pm-redact":
        return "pm-redact %s/%s.%s.redacted --force%s" % (scratch, name, "json" if json_form else "text",
                                                        " --json" if json_form else "")
    return command + (" --json" if json_form else "")


def take(build, out_dir, fixtures=None):
    fixtures = fixtures or os.path.join(build, "fixtures")
    manifest = [line.split("\t") for line in open(os.path.join(fixtures, "manifest.tsv")).read().splitlines()]
    os.makedirs(out_dir, exist_ok=True)
    # The redacted copies' folder is in pm-redact's output; compare() reads it as <scratch>.
    scratch = tempfile.mkdtemp(prefix="coroner-snapshot-")
    jobs = []
    for debugger, run in debuggers(build):
        for name, binary, core, _source in manifest:
            jobs.append((debugger, run, name, binary, core))

    def one(job):
        debugger, run, name, binary, core = job
        work = os.path.join(scratch, debugger)
        os.makedirs(work, exist_ok=True)
        cmds = []
        for command in COMMANDS:
            cmds += [command_line(command, True, work, name), command_line(command, False, work, name)]
        status, out, err = run(cmds, binary, core)
        with open(os.path.join(out_dir, "%s.%s.out" % (debugger, name)), "w") as f:
            f.write("exit %d\n%s\n--- stderr\n%s" % (status, out, err))
        return debugger, name

    with ThreadPoolExecutor(max_workers=int(os.environ.get("JOBS", "2"))) as pool:
        for debugger, name in pool.map(one, jobs):
            print("%s %s" % (debugger, name), flush=True)
    shutil.rmtree(scratch, ignore_errors=True)


SCRATCH = re.compile(r"/tmp/coroner-snapshot-(redact|[A-Za-z0-9_]{8})/")


def without_fields(value, fields):
    if isinstance(value, dict):
        return {k: without_fields(v, fields) for k, v in value.items() if k not in fields}
    if isinstance(value, list):
        return [without_fields(v, fields) for v in value]
    return value


def normalised(text, new_fields=()):
    lines = []
    for line in SCRATCH.sub("<scratch>/", text).splitlines():
        if line.startswith("{"):
            try:
                value = json.loads(line)
            except ValueError:
                lines.append(line)
                continue
            for key in TIMING_JSON:
                value.pop(key, None)
            value = without_fields(value, set(new_fields))
            lines.append(json.dumps(value, sort_keys=False))
        else:
            lines.append(TIMING_TEXT.sub("<time>", line))
    return lines


def compare(before, after, new_fields=()):
    names = sorted(set(os.listdir(before)) | set(os.listdir(after)))
    differences, json_lines = 0, 0
    for name in names:
        a_path, b_path = os.path.join(before, name), os.path.join(after, name)
        if not (os.path.exists(a_path) and os.path.exists(b_path)):
            print("%s: only in %s" % (name, before if os.path.exists(a_path) else after))
            differences += 1
            continue
        a, b = normalised(open(a_path).read(), new_fields), normalised(open(b_path).read(), new_fields)
        json_lines += sum(1 for line in a if line.startswith("{"))
        if a != b:
            differences += 1
            print("%s differs:" % name)
            for x, y in zip(a, b):
                if x != y:
                    print("  - %s\n  + %s" % (x[:400], y[:400]))
            if len(a) != len(b):
                print("  %d lines before, %d after" % (len(a), len(b)))
    print("%d files, %d JSON objects compared, %d differ" % (len(names), json_lines, differences))
    return 1 if differences else 0


if __name__ == "__main__":
    if len(sys.argv) in (4, 5) and sys.argv[1] == "take":
        take(*sys.argv[2:])
    elif len(sys.argv) >= 4 and sys.argv[1] == "compare" and sys.argv[4::2] == ["--new-field"] * len(sys.argv[4::2]) \
            and len(sys.argv) % 2 == 0:
        sys.exit(compare(sys.argv[2], sys.argv[3], sys.argv[5::2]))
    else:
        sys.exit(__doc__)
