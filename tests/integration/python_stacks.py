"""Crashes under Debian's CPython (/usr/bin/python3, stripped, no debug info): the crash-lab Python programs
(fixtures/python) run here, each writing its own stack (traceback.extract_stack) just before it dies on the
same line, and their cores are read in GDB and in every LLDB given. pm-triage's Python frames are the
program's own stack, among the native frames just inside the evaluation loop; blame names the extension's
function and the Python line that called it (or the Python line itself when the native code has no symbols);
two scripts crashing in the same C function have different buckets, the same script run from two folders
one bucket; pm-triage, pm-blame-frame and pm-threads give the same JSON in every debugger. A Python function and
module named like credentials are shown redacted by every command unless asked with --reveal.

pm-blame-frame --select on a blamed Python frame is one error line. A program laid out like CPython 3.11
whose interpreter, thread and frame are their own successors gives its one frame and ends; one that says it is
3.12, or has no Py_Version, gives one line saying so and native frames only. The hint for the interpreter without debug info names its Debian -dbgsym package.

usage: python_stacks.py GDB-SCRIPT FIXTURES-PYTHON COLLECT-CORE [LLDB-PLUGIN LLDB-EXECUTABLE]..."""
import json
import os
import shutil
import tempfile

import harness
from harness import check

PYTHON = "/usr/bin/python3"
COMMANDS = ["pm-triage --json", "pm-blame-frame --json", "pm-threads --json", "pm-symbols --json"]
EVAL = "_PyEval_EvalFrameDefault"
STDLIB = "/usr/lib/python3.11/"

# program: (the native function blamed, or None when the Python line itself is, and the Python frames inside
# the recorded stack, innermost first: (file, function), run after the recording).
CASES = {
    "py_ctypes_null": (None, [(STDLIB + "ctypes/__init__.py", "string_at")]),
    "py_ext_method": ("write_null", []),
    "py_ext_plain": ("write_null", []),
    "py_ext_abort": ("call_abort", []),
    "py_thread": ("write_null", []),
    "py_os_abort": (None, []),
}


def make_folder(fixtures, folder):
    """The crash-lab programs and their C extension, built here, in `folder`."""
    os.makedirs(folder)
    for name in os.listdir(fixtures):
        shutil.copy(os.path.join(fixtures, name), folder)
    status, out, err = harness.run(["gcc", "-shared", "-fPIC", "-g", "-O0", "-I/usr/include/python3.11", "-o",
                                    os.path.join(folder, "crashext.cpython-311-x86_64-linux-gnu.so"),
                                    os.path.join(folder, "crashext.c")])
    check(status == 0, "the C extension does not build (python3.11-dev?):\n" + out + err)


def crash(collect, folder, name):
    """(core, the program's own stack outermost first) of program `name` run in `folder`."""
    core, stack = os.path.join(folder, name + ".core"), os.path.join(folder, name + ".stack")
    status, out, err = harness.run(["bash", collect, core, PYTHON, os.path.join(folder, name + ".py"), stack])
    check(status == 0 and os.path.exists(core), "%s left no core:\n%s%s" % (name, out, err))
    with open(stack) as f:
        return core, json.load(f)


def json_objects(debugger, core, program=PYTHON):
    status, out, err = debugger.run(COMMANDS, program, core)
    check(status == 0, "%s exited %d:\n%s\n%s" % (debugger.kind, status, out, err))
    lines = [line for line in out.splitlines() if line.startswith("{")]
    check(len(lines) == len(COMMANDS), "%d JSON lines for %d commands:\n%s" % (len(lines), len(COMMANDS), out))
    return [json.loads(line) for line in lines]


def check_stack(name, frames, recorded, inner):
    """The Python frames (innermost first) are the recorded stack's, reversed, after `inner`; each run of them
    sits just inside a native frame of the evaluation loop."""
    python = [f for f in frames if f["language"] == "python"]
    got = [(f["file"], f["line"], f["function"]) for f in python]
    want = [(r["file"], r["line"], r["qualname"]) for r in reversed(recorded)]
    check([(f, fn) for f, _, fn in got[:len(inner)]] == inner,
          "%s: the innermost Python frames are %s, not %s" % (name, got[:len(inner)], inner))
    check(got[len(inner):] == want, "%s: pm-triage's Python frames\n  %s\nare not the program's own\n  %s"
          % (name, got[len(inner):], want))
    for f in python:
        check(f["pc"] is None and f["module"] is None, "%s: a Python frame with a pc or module: %s" % (name, f))
    for i, f in enumerate(frames):
        if f["language"] == "python" and (i + 1 == len(frames) or frames[i + 1]["language"] == "native"):
            check(i + 1 < len(frames) and frames[i + 1]["function"] == EVAL,
                  "%s: Python frame #%d is not just inside %s: %s" % (name, i, EVAL, frames[i + 1:i + 2]))
    return python


def check_blame(name, triage, blame, recorded, native_function):
    caller = recorded[-1]
    b = triage["blame"]
    check(b is not None, "%s: nothing blamed" % name)
    frame = triage["thread"]["frames"][b["frame"]]
    if native_function:
        check(frame["language"] == "native" and b["function"] == native_function,
              "%s: blamed %s, not the extension's %s" % (name, b, native_function))
        pc = b["python_caller"]
        check(pc and (pc["file"], pc["line"], pc["function"]) == (caller["file"], caller["line"], caller["qualname"]),
              "%s: the Python caller named is %s, not %s" % (name, pc, caller))
        check("%s at %s:%d" % (caller["qualname"], os.path.basename(caller["file"]), caller["line"]) in b["reason"],
              "%s: the reason does not name the Python line: %s" % (name, b["reason"]))
    else:
        check(frame["language"] == "python" and (b["file"], b["line"], b["function"]) ==
              (caller["file"], caller["line"], caller["qualname"]),
              "%s: blamed %s, not the program's Python line %s" % (name, b, caller))
        check(b["python_caller"] is None, "%s: a Python caller of a Python frame: %s" % (name, b))
    check(blame["frame"] == b["frame"] and blame["python_caller"] == b["python_caller"],
          "%s: pm-blame-frame blames %s, pm-triage %s" % (name, blame, b))
    check(triage["python"] == {"version": "3.11.2", "note": None}, "%s: python is %s" % (name, triage["python"]))


# A program that is not CPython but looks like one to coroner: it exports _PyRuntime (and Py_Version unless
# NO_VERSION), laid out as rules/cpython_3_11.json says, with an interpreter, a thread and a frame that are each
# their own successor (a corrupt core's cycles), and dies in a function named like the evaluation loop.
FAKE_PYTHON = r"""
#include <unistd.h>
#include <sys/syscall.h>
unsigned char _PyRuntime[4096];
#ifndef NO_VERSION
const unsigned long Py_Version = VERSION;
#endif
static unsigned char interp[4096], tstate[4096], cframe[64], frame[256], code[1024], name[128], table[64];
#define AT(object, offset, type) (*(type *)((object) + (offset)))
__attribute__((noinline)) void _PyEval_EvalFrameDefault(void) {
    volatile int *p = 0;
    *p = 1;
}
int main(void) {
    AT(_PyRuntime, RUNTIME_INTERPRETERS_HEAD, void *) = interp;
    AT(interp, INTERPRETER_NEXT, void *) = interp;
    AT(interp, INTERPRETER_THREADS_HEAD, void *) = tstate;
    AT(tstate, THREAD_NEXT, void *) = tstate;
    AT(tstate, THREAD_NATIVE_THREAD_ID, unsigned long) = syscall(SYS_gettid);
    AT(tstate, THREAD_CFRAME, void *) = cframe;
    AT(cframe, CFRAME_CURRENT_FRAME, void *) = frame;
    AT(frame, FRAME_CODE, void *) = code;
    AT(frame, FRAME_PREVIOUS, void *) = frame;
    AT(frame, FRAME_PREV_INSTR, void *) = code + CODE_CODE_ADAPTIVE;
    AT(code, CODE_FILENAME, void *) = name;
    AT(code, CODE_QUALNAME, void *) = name;
    AT(code, CODE_FIRSTLINENO, int) = 7;
    AT(code, CODE_LINETABLE, void *) = table;
    AT(name, UNICODE_LENGTH, long) = 4;
    AT(name, UNICODE_STATE, unsigned) = (1u << UNICODE_COMPACT_BIT) | (1u << UNICODE_ASCII_BIT);
    __builtin_memcpy(name + UNICODE_ASCII_DATA, "loop", 5);
    AT(table, BYTES_SIZE, long) = 1;
    table[BYTES_DATA] = 0x80;  /* one code unit, same line */
    _PyEval_EvalFrameDefault();
    return 0;
}
"""


def fake_python(folder, name, version, layout):
    source, program = os.path.join(folder, "fake_python.c"), os.path.join(folder, name)
    with open(source, "w") as f:
        f.write(FAKE_PYTHON)
    defines = ["-D%s=%d" % (key.upper(), value) for key, value in layout.items() if isinstance(value, int)]
    defines.append("-DVERSION=%d" % version if version else "-DNO_VERSION")
    status, out, err = harness.run(["gcc", "-g", "-O0", "-o", program, source] + defines)
    check(status == 0, "the fake interpreter does not build:\n" + out + err)
    return program


def check_fakes(debugger, fakes):
    """The cyclic 3.11 one: one Python frame, and the walk ends; another version: one line, native frames only."""
    program, core = fakes["3.11"]
    triage = json_objects(debugger, core, program)[0]
    got = [(f["language"], f["function"], f["file"], f["line"]) for f in triage["thread"]["frames"]][:2]
    check(got[0] == ("python", "loop", "loop", 7) and got[1][:2] == ("native", EVAL) and triage["python"]["note"] is None,
          "%s: the cyclic interpreter gives %s" % (debugger.kind, got))
    for version, note in (("3.12", "CPython 3.12.1 has no layout in coroner (rules/cpython_3_12.json): native "
                                   "frames only"),
                          ("old", "fake_python_old is a CPython older than 3.11 (it has no Py_Version): coroner "
                                  "reads no Python frames of it, native frames only")):
        program, core = fakes[version]
        status, out, err = debugger.run(["pm-triage", "pm-triage --json"], program, core)
        check(status == 0, "%s exited %d:\n%s\n%s" % (debugger.kind, status, out, err))
        triage = harness.json_object(out)
        check(triage["python"]["note"] == note and all(f["language"] == "native" for f in triage["thread"]["frames"]),
              "%s, %s: python %s, frames %s" % (debugger.kind, version, triage["python"], triage["thread"]["frames"]))
        check(out.count("python   " + note + "\n") == 1, "%s, %s: no line says why:\n%s" % (debugger.kind, version, out))


TOKEN, KEY_ID = "ghp_R7kQm2XvT9pLw4ZsN8bYc3HdJ6fGa1Ue5Vio", "AKIAZ7QW4RTY2UIO9PLK"
TOKEN_COMMANDS = ["pm-triage", "pm-triage --json", "pm-blame-frame --explain", "pm-blame-frame --explain --json",
                  "pm-threads", "pm-threads --json", "pm-symbols", "pm-secrets-scan", "pm-report"]


def check_token_names(debugger, core):
    """py_token_names.py's function is named like a GitHub token, its module like an AWS key id: names that came
    from the core, which no command prints unless asked with --reveal, and the bucket is the same either way."""
    status, out, err = debugger.run(TOKEN_COMMANDS, PYTHON, core)
    check(status == 0, "%s: a command failed on py_token_names:\n%s%s" % (debugger.kind, out, err))
    for secret in (TOKEN, KEY_ID):
        check(secret not in out + err, "%s printed %s from a Python frame's name" % (debugger.kind, secret))
    hidden = debugger.json("pm-triage --json", PYTHON, core)
    frame = [f for f in hidden["thread"]["frames"] if f["language"] == "python"][0]
    check(frame["function"] == "ghp_…5Vio" and os.path.basename(frame["file"]) == "AK…LK.py",
          "%s: the Python frame is not shown redacted: %s" % (debugger.kind, frame))
    shown = debugger.json("pm-triage --json --reveal", PYTHON, core)
    check(TOKEN in shown["signature"] and KEY_ID in shown["signature"],
          "%s: --reveal does not show the names: %s" % (debugger.kind, shown["signature"]))
    check(hidden["bucket"] == shown["bucket"], "%s: --reveal changed the bucket" % debugger.kind)


def test(argv):
    script, fixtures, collect = argv[:3]
    debuggers = [harness.Debugger(["gdb", script])]
    rest = argv[3:]
    while rest:
        debuggers.append(harness.Debugger(["lldb", rest[0], rest[1]]))
        rest = rest[2:]
    scratch = tempfile.mkdtemp(prefix="coroner-python-")
    try:
        here, elsewhere = os.path.join(scratch, "here"), os.path.join(scratch, "else", "where")
        make_folder(fixtures, here)
        make_folder(fixtures, elsewhere)
        cores = {name: crash(collect, here, name) for name in CASES}
        moved_core, moved_stack = crash(collect, elsewhere, "py_ext_method")
        token_core = os.path.join(here, "py_token_names.core")
        status, out, err = harness.run(["bash", collect, token_core, PYTHON, os.path.join(here, "py_token_names.py")])
        check(status == 0, "py_token_names left no core:\n" + out + err)
        with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "common", "rules",
                               "cpython_3_11.json")) as f:
            layout = json.load(f)["rules"][0]
        fakes = {}
        for version, hex_version in (("3.11", 0x030B02F0), ("3.12", 0x030C01F0), ("old", None)):
            program = fake_python(here, "fake_python_" + version.replace(".", "_"), hex_version, layout)
            core = os.path.join(here, os.path.basename(program) + ".core")
            status, out, err = harness.run(["bash", collect, core, program])
            check(status == 0, "the fake interpreter left no core:\n" + out + err)
            fakes[version] = (program, core)
        first = None
        for debugger in debuggers:
            check_fakes(debugger, fakes)
            check_token_names(debugger, token_core)
            answers = {}
            for name, (native_function, inner) in CASES.items():
                core, recorded = cores[name]
                triage, blame, threads, symbols = answers[name] = json_objects(debugger, core)
                check_stack(name, triage["thread"]["frames"], recorded, inner)
                check_blame(name, triage, blame, recorded, native_function)
                crashing = [g for g in threads["groups"] if g["crashing"]][0]
                check([f["language"] for f in crashing["frames"]].count("python") ==
                      len(recorded) + len(inner), "%s: pm-threads lacks Python frames: %s" % (name, crashing))
            status, out, err = debugger.run(["pm-blame-frame --select"], PYTHON, cores["py_os_abort"][0])
            errors = [line for line in (out + err).splitlines() if line.startswith("pm-blame-frame: error:")]
            check(len(errors) == 1 and "is a Python frame (shutdown at py_os_abort.py:9)" in errors[0],
                  "%s: --select on a Python frame: %s%s" % (debugger.kind, out, err))
            program = [m for m in answers["py_os_abort"][3]["modules"] if m["path"] == "/usr/bin/python3.11"]
            check(program and "apt-get install python3.11-minimal-dbgsym" in (program[0]["hint"] or ""),
                  "the hint for Debian's python3.11 does not name its -dbgsym package: %s" % program)
            check(answers["py_thread"][0]["thread"]["name"] is None, "py_thread: the main thread crashed")
            buckets = {name: a[0]["bucket"] for name, a in answers.items()}
            check(buckets["py_ext_method"] != buckets["py_ext_plain"],
                  "two scripts crashing in write_null share a bucket: %s" % answers["py_ext_method"][0]["signature"])
            moved = json_objects(debugger, moved_core)[0]
            check(moved["bucket"] == buckets["py_ext_method"], "the same script run from %s has another bucket: %s != %s"
                  % (elsewhere, moved["signature"], answers["py_ext_method"][0]["signature"]))
            for a in answers.values():
                del a[0]["debugger"]
            if first is None:
                first = answers
            else:
                for name in CASES:
                    check(answers[name] == first[name], "%s: %s's JSON differs from GDB's:\n%s\n%s"
                          % (name, debugger.kind, json.dumps(first[name]), json.dumps(answers[name])))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    harness.main(test)
