"""The crash lab's C and C++ programs cross-built for AArch64 (static, -O0, frame pointers), each run under
qemu-aarch64 to collect its core, and triaged in gdb-multiarch: for each, the same cause class, blamed
function and signature as the x86-64 build's core in GDB, unless DIFFERENT says why not (a difference of the
CPU or of qemu's cores, which lack siginfo); and LLDB 14 and 19 give gdb-multiarch's class, blame and
signature on every AArch64 core, and indeed the whole pm-triage JSON (as the x86-64 parity tests ask), unless
PARITY_DIFFERENT says why not. Programs that cannot exist on AArch64 are in NOT_ON_AARCH64, with the reason.

usage: aarch64_crash_lab.py MANIFEST GDB-SCRIPT MAJOR,PLUGIN,LLDB..."""
import glob
import json
import os
import re
import shutil
import tempfile

import harness
from parity_case import diff
from harness import check

NOT_ON_AARCH64 = {
    "block_move_wild": "x86 assembly (rep movsb)",
    "branch_wild": "x86 assembly (call through memory)",
    "breakpoint_trap": "x86 assembly (int3)",
    "divide_by_zero": "AArch64's integer division does not trap: the program runs to its end",
    "fp_exception": "AArch64 does not trap floating-point exceptions: the program runs to its end",
    "self_signal": "a SIGSYS the program raises kills qemu-aarch64 itself: the core is qemu's, not the guest's",
    "nocfi_signal_handler": "gdb-multiarch 13.1 itself never returns from `bt 3` on its qemu core (unwinding the "
                            "handler without unwind tables): nothing coroner could be tested in",
}

# (class, blame, signature) that differ from the x86-64 build's, and why.
DIFFERENT = {
    "builtin_trap": "__builtin_trap is brk #0x3e8 on AArch64: the class is x86-64's (illegal-instruction), but the "
                    "signal is SIGTRAP, not ud2's SIGILL, and the signature starts with the signal",
    "bus_error": "qemu-aarch64 writes the mapping past the file's end one page short: the core is truncated",
    "nocfi_no_frame_pointers": "gdb-multiarch unwinds read_field, decode_record and load_table (then load_table "
                               "again and again, which coroner cuts) and coroner's scan finds main; on x86-64 GDB "
                               "stops at read_field and the scan finds the rest: scanned frames stay out of the "
                               "signature, so the two signatures differ in length",
    "return_smashed": "ret has already loaded the smashed x30: the pc is garbage and no frame is left to blame",
    "stack_smashing": "the frame record survives on AArch64: the stack continues to main, which x86-64's loses",
}

# The reduced answer where a qemu core's missing siginfo is the only difference (issue 17 allows it): the class
# it gives instead of x86-64's; blame and the rest of the signature stay x86-64's.
REDUCED = {
    "killed_by_sigquit": ("unknown", "a qemu core has no siginfo: no sender, so not external-signal"),
}

# Where LLDB's pm-triage JSON differs from gdb-multiarch's on the AArch64 core, and why.
PARITY_DIFFERENT = {
    "nocfi_no_frame_pointers": "the same frames, but main is scanned in gdb-multiarch (out of the signature) and "
                               "unwound by LLDB's assembly inspection (in it)",
}


def directive(text, key):
    m = re.search(key + r":\s*(.*)", text)
    return m.group(1).split() if m else []


def cross_build(source, program):
    text = open(source).read()
    compiler = "aarch64-linux-gnu-g++" if source.endswith(".cpp") else "aarch64-linux-gnu-gcc"
    argv = [compiler, "-static", "-g", "-O0", "-UNDEBUG", "-fno-omit-frame-pointer", "-fno-stack-protector",
            "-pthread"] + directive(text, "coroner-build") + ["-o", program, source]
    argv += ["-l" + lib for lib in directive(text, "coroner-link")]
    if source.endswith(".cpp"):
        # The vtable names __cxa_pure_virtual weakly: a static link leaves the slot NULL (a jump to 0) unless the
        # symbol is asked for, where the x86-64 build's shared libstdc++ always has it.
        argv.append("-Wl,--undefined=__cxa_pure_virtual")
    status, out, err = harness.run(argv)
    check(status == 0, "%s: the cross compiler failed:\n%s%s" % (source, out, err))
    for section in directive(text, "coroner-remove-sections"):
        status, out, err = harness.run(["aarch64-linux-gnu-objcopy", "--remove-section", section, program])
        check(status == 0, "%s: objcopy failed:\n%s%s" % (program, out, err))
    return directive(text, "coroner-args")


def qemu_core(program, args, work):
    os.makedirs(work)
    harness.run(["bash", "-c", 'ulimit -c unlimited; exec qemu-aarch64 "$@"', "qemu", program] + args, cwd=work)
    cores = glob.glob(os.path.join(work, "qemu_*.core"))
    check(len(cores) == 1, "%s: qemu-aarch64 wrote no core: %s" % (program, os.listdir(work)))
    return cores[0]


def facts(report):
    return (report["cause"]["class"], (report["blame"] or {}).get("function"), report["signature"])


def triage_gdb(gdb, script, program, core):
    status, out, err = harness.run([gdb, "-nx", "-batch", "-x", script, "-ex", "pm-triage --json", program, core])
    harness.no_traceback(out, err)
    reports = [json.loads(l) for l in out.splitlines() if l.startswith("{")]
    return reports[0] if reports else None, out + err


def triage_lldb(plugin, lldb, program, core):
    status, out, err = harness.lldb(plugin, ["pm-triage --json"], program, core, lldb)
    out, err = harness.lldb_noise_removed(out), harness.lldb_noise_removed(err)
    harness.no_traceback(out, err)
    reports = [json.loads(l) for l in out.splitlines() if l.startswith("{")]
    return reports[0] if reports else None, out + err


def without_found_by(report):
    """The report but "debugger" and how each frame was found (LLDB may unwind frames GDB's unwinder leaves to
    coroner's recovery: the frames must be the same, found_by may differ), which is printed."""
    out = json.loads(json.dumps({k: v for k, v in report.items() if k != "debugger"}))
    found_by = [f.pop("found_by") for f in out["thread"]["frames"]]
    if any(how != "debugger" for how in found_by):
        print("%s found the frames by %s" % (report["debugger"]["name"], found_by))
    return out


def check_parity(name, arm, program, core, lldbs):
    """Every LLDB gives gdb-multiarch's pm-triage JSON (but "debugger"), or PARITY_DIFFERENT says why not."""
    ours = without_found_by(arm)
    for major, plugin, lldb in lldbs:
        report, lldb_said = triage_lldb(plugin, lldb, program, core)
        check(report, "%s: LLDB %s gave no report:\n%s" % (name, major, lldb_said))
        differences = diff(ours, without_found_by(report))
        if name in PARITY_DIFFERENT:
            check(differences, "%s: LLDB %s now gives gdb-multiarch's JSON: remove it from PARITY_DIFFERENT" %
                  (name, major))
        else:
            check(not differences, "%s: LLDB %s differs from gdb-multiarch:\n  %s" % (name, major,
                                                                                    "\n  ".join(differences)))
    PARITY_SEEN.add(name)


PARITY_SEEN = set()


def test(argv):
    manifest, script, lldbs = argv[0], argv[1], [entry.split(",") for entry in argv[2:]]
    for tool in ("aarch64-linux-gnu-gcc", "aarch64-linux-gnu-g++", "qemu-aarch64", "gdb-multiarch"):
        check(shutil.which(tool), "%s is missing: scripts/install-deps.sh installs it" % tool)
    scratch = tempfile.mkdtemp(prefix="coroner-it-aarch64-lab-")
    same, reduced, different = [], [], []
    try:
        for row in open(manifest):
            name, binary, x86_core, source = row.rstrip("\n").split("\t")
            if not source.endswith((".c", ".cpp")) or name in NOT_ON_AARCH64 or not os.path.exists(source):
                continue
            program = os.path.join(scratch, name)
            core = qemu_core(program, cross_build(source, program), os.path.join(scratch, name + ".d"))
            arm, said = triage_gdb("gdb-multiarch", script, program, core)
            x86, x86_said = triage_gdb("gdb", script, binary, x86_core)
            check(x86, "%s: no x86-64 report:\n%s" % (name, x86_said))
            if arm:
                check_parity(name, arm, program, core, lldbs)
            if name in DIFFERENT:
                different.append(name)
                check(not arm or facts(arm) != facts(x86),
                      "%s: now the same as x86-64 (%s): remove it from DIFFERENT" % (name, facts(x86)))
                continue
            check(arm, "%s: no AArch64 report:\n%s" % (name, said))
            if name in REDUCED:
                reduced_class = REDUCED[name][0]
                x86_class, x86_blame, x86_signature = facts(x86)
                expected = (reduced_class, x86_blame, x86_signature.replace(" %s " % x86_class, " %s " % reduced_class))
                check(facts(arm) == expected, "%s: AArch64 %s, expected the reduced %s" % (name, facts(arm), expected))
                reduced.append(name)
                continue
            check(facts(arm) == facts(x86), "%s: AArch64 %s, x86-64 %s" % (name, facts(arm), facts(x86)))
            same.append(name)
        check(len(same) >= 15, "only %d programs compared: %s" % (len(same), same))  # 18 when this was written
        check(sorted(reduced) == sorted(REDUCED), "REDUCED names programs not in the lab: %s" %
              sorted(set(REDUCED) - set(reduced)))
        check(sorted(different) == sorted(DIFFERENT), "DIFFERENT names programs not in the lab: %s" %
              sorted(set(DIFFERENT) - set(different)))
        check(set(PARITY_DIFFERENT) <= PARITY_SEEN, "PARITY_DIFFERENT names programs without a report: %s" %
              sorted(set(PARITY_DIFFERENT) - PARITY_SEEN))
        print("LLDB %s give gdb-multiarch's whole pm-triage JSON on %d of %d AArch64 cores (%s: %s)" %
              (", ".join(major for major, _, _ in lldbs), len(PARITY_SEEN) - len(PARITY_DIFFERENT), len(PARITY_SEEN),
               ", ".join(sorted(PARITY_DIFFERENT)), "see PARITY_DIFFERENT"))
        print("same on AArch64 as on x86-64 in gdb-multiarch, LLDB %s: %d programs; reduced answers (no siginfo): %d; "
              "known differences: %d" % (", ".join(major for major, _, _ in lldbs), len(same), len(reduced), len(different)))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    harness.main(test)
