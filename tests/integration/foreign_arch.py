"""A core of another CPU (AArch64, made here with a cross compiler and qemu-aarch64) is refused by every
command in one line naming its CPU: never a wrong answer decoded as x86-64, never a traceback; the debugger
exits normally and the core is left unchanged. Without the tools to make the core, the test fails.

usage: foreign_arch.py gdb COROKER-GDB-SCRIPT
       foreign_arch.py lldb PLUGIN LLDB-EXECUTABLE"""
import glob
import hashlib
import os
import shutil
import tempfile

import harness
from harness import check

COMMANDS = ["pm-triage", "pm-triage --json", "pm-blame-frame", "pm-threads", "pm-symbols", "pm-secrets-scan"]
REFUSAL = "is of an AArch64 (aarch64) process; coroner reads x86-64 cores only ("
CRASH = "int main(void) { volatile int *p = 0; *p = 42; return 0; }\n"


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def make_aarch64_core(scratch):
    """(program, core): a static AArch64 program that writes through NULL, and the core qemu-aarch64 wrote."""
    for tool in ("aarch64-linux-gnu-gcc", "qemu-aarch64"):
        check(shutil.which(tool), "%s is missing: scripts/install-deps.sh installs it" % tool)
    source, program = os.path.join(scratch, "crash.c"), os.path.join(scratch, "crash")
    with open(source, "w") as f:
        f.write(CRASH)
    status, out, err = harness.run(["aarch64-linux-gnu-gcc", "-static", "-g", "-O0", "-o", program, source])
    check(status == 0, "the cross compiler failed:\n" + out + err)
    # qemu writes the guest's core as qemu_<prog>_<time>_<pid>.core in the working folder, if the limit allows.
    status, out, err = harness.run(["bash", "-c", "ulimit -c unlimited; exec qemu-aarch64 ./crash"], cwd=scratch)
    check(status != 0, "the AArch64 program did not crash under qemu")
    cores = glob.glob(os.path.join(scratch, "qemu_crash_*.core"))
    check(len(cores) == 1, "qemu-aarch64 wrote no core (%s): %s" % (os.listdir(scratch), err))
    status, out, err = harness.run(["eu-readelf", "--file-header", cores[0]])
    check(status == 0 and "AARCH64" in out.upper(), "not an AArch64 core:\n" + out + err)
    return program, cores[0]


def run(kind, frontend, lldb_executable, command, program, core):
    if kind == "gdb":
        # Debian's plain gdb is built for x86 only: gdb-multiarch is what opens an AArch64 core.
        argv = ["gdb-multiarch", "-nx", "-batch", "-x", frontend, "-ex", command, program, core]
        return harness.run(argv)
    status, out, err = harness.lldb(frontend, [command], program, core, lldb_executable)
    return status, harness.lldb_noise_removed(out), harness.lldb_noise_removed(err)


def test(argv):
    kind, frontend = argv[0], argv[1]
    lldb_executable = argv[2] if kind == "lldb" else None
    scratch = tempfile.mkdtemp(prefix="coroner-it-aarch64-")
    try:
        program, core = make_aarch64_core(scratch)
        before = sha256(core)
        redacted = os.path.join(scratch, "redacted.core")
        for command in COMMANDS + ["pm-redact " + redacted]:
            name = command.split()[0]
            status, out, err = run(kind, frontend, lldb_executable, command, program, core)
            harness.no_traceback(out, err)
            check(0 < status < 128, "%s: the debugger did not exit normally with a failure (status %d):\n%s%s"
                  % (command, status, out, err))
            lines = [l for l in (out + "\n" + err).splitlines() if "error:" in l and l.startswith("pm-")]
            check(len(lines) == 1, "%s: expected one error line, got %d:\n%s%s" % (command, len(lines), out, err))
            check(lines[0].startswith(name + ": error: core file " + core + " ") and REFUSAL in lines[0]
                  and lines[0].rstrip().endswith(")"), "%s: not the refusal naming AArch64: %s" % (command, lines[0]))
            check("internal error" not in out + err, "%s: an internal error:\n%s%s" % (command, out, err))
            check(not out.lstrip().startswith("{") and "\n{" not in out, "%s printed a report:\n%s" % (command, out))
        check(not os.path.exists(redacted), "pm-redact wrote a copy of a core it refused")
        check(sha256(core) == before, "the AArch64 core was modified")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    harness.main(test)
