"""AArch64 cores on this x86-64 machine, made here with a cross compiler and qemu-aarch64 (whose cores carry no
NT_SIGINFO, NT_FILE or NT_AUXV): in gdb-multiarch and in LLDB every command runs, and pm-triage gives the
reduced answer the core allows — SIGSEGV with no code and no fault address, "the core has no siginfo", class
unknown (never a guessed one), blame and signature from the frames, the (static, fixed-address) program's
mappings named from its program headers — the same in every debugger. A core of a
CPU coroner does not read (the same core marked RISC-V; only GDB opens it) is refused by every command in
one line naming its CPU. No traceback, the debugger exits normally, the core is left unchanged. Without the
tools to make the core, the test fails.

usage: foreign_arch.py gdb COROKER-GDB-SCRIPT
       foreign_arch.py lldb PLUGIN LLDB-EXECUTABLE"""
import glob
import hashlib
import json
import os
import shutil
import tempfile

import harness
from harness import check

COMMANDS = ["pm-triage", "pm-triage --json", "pm-blame-frame", "pm-threads", "pm-symbols", "pm-secrets-scan"]
REFUSAL = "is of a RISC-V (riscv) process; coroner reads x86-64 and AArch64 cores only ("
EM_RISCV = 243
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


def check_reduced_triage(kind, frontend, lldb_executable, program, core):
    status, out, err = run(kind, frontend, lldb_executable, "pm-triage --json", program, core)
    harness.no_traceback(out, err)
    reports = [json.loads(l) for l in out.splitlines() if l.startswith("{")]
    check(status == 0 and len(reports) == 1, "pm-triage --json gave no report (status %d):\n%s%s" % (status, out, err))
    r = reports[0]
    check(r["signal"]["name"] == "SIGSEGV" and r["signal"]["code"] is None and r["signal"]["code_name"] is None
          and r["signal"]["fault_address"] is None, "signal: %s" % r["signal"])
    check(r["cause"]["class"] == "unknown", "cause: %s" % r["cause"])
    check(r["cause"]["summary"] == "SIGSEGV with no fault address recorded (the core has no siginfo)",
          "summary: %s" % r["cause"]["summary"])
    check(r["blame"]["function"] == "main" and r["blame"]["file"].endswith("crash.c"), "blame: %s" % r["blame"])
    # No NT_FILE, but the program is loaded at fixed addresses: its mappings are named from its program headers.
    check(r["thread"]["frames"][0]["module"] == program, "frame 0's module: %s" % r["thread"]["frames"][0])
    check(r["blame"]["reason"] == "first frame in the program's own code", "blame reason: %s" % r["blame"])
    check(r["signature"] == "SIGSEGV unknown main", "signature: %s" % r["signature"])


def check_every_command(kind, frontend, lldb_executable, program, core, scratch):
    redacted = os.path.join(scratch, "redacted.core")
    for command in COMMANDS + ["pm-redact " + redacted]:
        status, out, err = run(kind, frontend, lldb_executable, command, program, core)
        harness.no_traceback(out, err)
        check(status == 0, "%s: the debugger exited %d:\n%s%s" % (command, status, out, err))
        errors = [l for l in (out + "\n" + err).splitlines() if l.startswith("pm-") and "error:" in l]
        check(not errors, "%s: %s" % (command, errors))
    check(os.path.exists(redacted), "pm-redact wrote no copy")


def check_refusal(frontend, program, core, scratch):
    other = os.path.join(scratch, "riscv.core")
    shutil.copyfile(core, other)
    with open(other, "r+b") as f:
        f.seek(18)  # e_machine
        f.write(EM_RISCV.to_bytes(2, "little"))
    before = sha256(other)
    redacted = os.path.join(scratch, "refused.core")
    for command in COMMANDS + ["pm-redact " + redacted]:
        name = command.split()[0]
        status, out, err = run("gdb", frontend, None, command, program, other)
        harness.no_traceback(out, err)
        check(0 < status < 128, "%s: the debugger did not exit normally with a failure (status %d):\n%s%s"
              % (command, status, out, err))
        lines = [l for l in (out + "\n" + err).splitlines() if "error:" in l and l.startswith("pm-")]
        check(len(lines) == 1, "%s: expected one error line, got %d:\n%s%s" % (command, len(lines), out, err))
        check(lines[0].startswith(name + ": error: core file " + other + " ") and REFUSAL in lines[0]
              and lines[0].rstrip().endswith(")"), "%s: not the refusal naming RISC-V: %s" % (command, lines[0]))
        check("internal error" not in out + err, "%s: an internal error:\n%s%s" % (command, out, err))
        check(not out.lstrip().startswith("{") and "\n{" not in out, "%s printed a report:\n%s" % (command, out))
    check(not os.path.exists(redacted), "pm-redact wrote a copy of a core it refused")
    check(sha256(other) == before, "the refused core was modified")


def test(argv):
    kind, frontend = argv[0], argv[1]
    lldb_executable = argv[2] if kind == "lldb" else None
    scratch = tempfile.mkdtemp(prefix="coroner-it-aarch64-")
    try:
        program, core = make_aarch64_core(scratch)
        before = sha256(core)
        check_reduced_triage(kind, frontend, lldb_executable, program, core)
        check_every_command(kind, frontend, lldb_executable, program, core, scratch)
        if kind == "gdb":  # LLDB opens no RISC-V core at all
            check_refusal(frontend, program, core, scratch)
        check(sha256(core) == before, "the AArch64 core was modified")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    harness.main(test)
