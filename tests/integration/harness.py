"""Shared helpers of the integration tests: run a real debugger over a real core, pull the JSON
object out of its chatter, read what the kernel wrote into the core (with eu-readelf, independently
of coroner's own reader), and read a crash-lab program's expectations from its comment."""
import json
import os
import re
import shlex
import struct
import subprocess
import sys

TIMEOUT = 300


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


def run(argv, timeout=TIMEOUT, cwd=None, env=None):
    """Runs argv with no standard input (and `env` added to the environment); returns (exit status, stdout,
    stderr)."""
    try:
        p = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True, errors="replace",
                           timeout=timeout, cwd=cwd, env=dict(os.environ, **env) if env else None)
    except subprocess.TimeoutExpired:
        raise Failure("timed out after %ds (a wedged debugger?): %s" % (timeout, " ".join(argv)))
    return p.returncode, p.stdout, p.stderr


def gdb(script, commands, binary=None, core=None, extra=(), env=None, timeout=TIMEOUT):
    argv = ["gdb", "-nx", "-batch", "-x", script]
    for command in commands:
        argv += ["-ex", command]
    argv += list(extra)
    if binary:
        argv.append(binary)
    if core:
        argv.append(core)
    return run(argv, timeout, env=env)


def lldb(plugin, commands, binary=None, core=None, lldb_executable="lldb", env=None, timeout=TIMEOUT):
    """lldb in batch mode with the plugin loaded; the target is created after the plugin loads."""
    argv = [lldb_executable, "--no-lldbinit", "-b", "-o", "plugin load " + plugin]
    if binary or core:
        create = "target create"
        if binary:
            create += ' "%s"' % binary
        if core:
            create += ' -c "%s"' % core
        argv += ["-o", create]
    for command in commands:
        argv += ["-o", command]
    return run(argv, timeout, env=env)


def lldb_noise_removed(text):
    """Debian's lldb-14 and the unpacked lldb-19 lack their Python module and print tracebacks of their
    own on start-up and for every command; those are LLDB's, not coroner's, and are removed here."""
    out, skip = [], False
    for line in text.splitlines():
        if line.startswith("Traceback (most recent call last):"):
            skip = True
            continue
        if skip and (line.startswith("  ") or re.match(r"(ModuleNotFoundError|NameError|ImportError)\b", line)):
            if not line.startswith("  "):
                skip = False
            continue
        skip = False
        out.append(line)
    return "\n".join(out)


def json_object(stdout):
    """The command's JSON: the last line starting with '{'."""
    lines = [line for line in stdout.splitlines() if line.startswith("{")]
    check(lines, "no line starting with '{' in the output:\n" + stdout)
    try:
        return json.loads(lines[-1])
    except ValueError as error:
        raise Failure("the JSON line does not parse (%s): %s" % (error, lines[-1]))


def no_traceback(*texts):
    for text in texts:
        check("Traceback" not in text and "Error while executing Python" not in text,
              "a Python traceback reached the user:\n" + text)


def core_notes(core):
    """What the kernel recorded, as eu-readelf decodes it: threads (tids in note order), signal, pid."""
    status, out, err = run(["eu-readelf", "--notes", core])
    check(status == 0, "eu-readelf failed on %s: %s" % (core, err))
    notes = {"tids": [], "signo": None, "code": None, "fault": None, "sender_pid": None, "sender_uid": None,
             "pid": None}
    section = None
    for line in out.splitlines():
        head = re.match(r"\s+CORE\s+\d+\s+(\w+)", line)
        if head:
            section = head.group(1)
            continue
        if section == "PRSTATUS":
            m = re.search(r"^\s+pid: (\d+),", line)
            if m:
                notes["tids"].append(int(m.group(1)))
        elif section == "PRPSINFO":
            m = re.search(r"\bpid: (\d+),", line)
            if m:
                notes["pid"] = int(m.group(1))
        elif section == "SIGINFO":
            m = re.search(r"si_signo: (-?\d+), si_errno: -?\d+, si_code: (-?\d+)", line)
            if m:
                notes["signo"], notes["code"] = int(m.group(1)), int(m.group(2))
            m = re.search(r"fault address: (0x[0-9a-f]+|0)\b", line)
            if m:
                notes["fault"] = int(m.group(1), 16)
            m = re.search(r"sender PID: (\d+), sender UID: (\d+)", line)
            if m:
                notes["sender_pid"], notes["sender_uid"] = int(m.group(1)), int(m.group(2))
    # SI_KERNEL faults (a general protection fault) carry no address: the kernel writes 0 there.
    if notes["code"] == 0x80:
        notes["fault"] = None
    # eu-readelf decodes the sender only for SI_USER; for SI_TKILL and SI_QUEUE read the note's bytes.
    if notes["code"] in (-1, -6) and notes["sender_pid"] is None:
        notes["sender_pid"], notes["sender_uid"] = raw_siginfo_sender(core)
    return notes


def raw_siginfo_sender(core):
    """si_pid and si_uid of the NT_SIGINFO note, found by walking the ELF program headers."""
    with open(core, "rb") as f:
        data = f.read()
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    for i in range(phnum):
        p_type, _, p_offset, _, _, p_filesz = struct.unpack_from("<IIQQQQ", data, phoff + i * phentsize)
        if p_type != 4:  # PT_NOTE
            continue
        off, end = p_offset, p_offset + p_filesz
        while off + 12 <= end:
            namesz, descsz, n_type = struct.unpack_from("<III", data, off)
            desc = off + 12 + ((namesz + 3) & ~3)
            if n_type == 0x53494749:  # NT_SIGINFO
                return struct.unpack_from("<iI", data, desc + 16)
            off = desc + ((descsz + 3) & ~3)
    raise Failure("no NT_SIGINFO note in " + core)


def expectations(source):
    """The `coroner-expect:` line of a crash-lab program, as a dict of strings."""
    with open(source) as f:
        for line in f:
            m = re.search(r"coroner-expect:\s*(.*)", line)
            if m:
                # key=value, or key~"text" for "contains"; the values may be quoted.
                out = {}
                for item in shlex.split(m.group(1)):
                    key, op, value = re.match(r"([a-z_]+)([=~])(.*)", item).groups()
                    out[key if op == "=" else key + "~"] = value
                return out
    raise Failure("%s has no coroner-expect: line" % source)


def main(test):
    """Runs test(argv) and turns a Failure into one message and exit status 1."""
    try:
        test(sys.argv[1:])
    except Failure as failure:
        print("FAIL: %s" % failure)
        sys.exit(1)
    print("ok")


class Debugger:
    """One debugger with coroner loaded: `gdb SCRIPT` or `lldb PLUGIN LLDB-EXECUTABLE`, from argv. Every
    test script runs its debugger through this."""

    def __init__(self, argv):
        self.kind = argv[0]
        if self.kind == "gdb":
            self.script, rest = argv[1], argv[2:]
        else:
            self.plugin, self.executable, rest = argv[1], argv[2], argv[3:]
        self.rest = rest

    @property
    def frontend(self):
        """What loads coroner: the GDB script or the LLDB plugin."""
        return self.script if self.kind == "gdb" else self.plugin

    def run(self, commands, binary=None, core=None, frontend=None, env=None, timeout=TIMEOUT):
        """(exit status, stdout, stderr) with LLDB's own Python noise removed; fails on a traceback.
        `frontend` loads another build of coroner instead (a mismatched module or plugin)."""
        if self.kind == "gdb":
            status, out, err = gdb(frontend or self.script, commands, binary, core, env=env, timeout=timeout)
        else:
            status, out, err = lldb(frontend or self.plugin, commands, binary, core, self.executable, env, timeout)
            out, err = lldb_noise_removed(out), lldb_noise_removed(err)
        no_traceback(out, err)
        return status, out, err

    def json(self, commands, binary, core):
        """The JSON the last of `commands` (one command, or a list) prints; fails if the debugger does."""
        commands = [commands] if isinstance(commands, str) else commands
        status, out, err = self.run(commands, binary, core)
        check(status == 0, "%s exited %d on %s:\n%s\n%s" % (self.kind, status, commands, out, err))
        return json_object(out)

    def live_json(self, command, binary):
        """The JSON `command` prints on `binary` run live in the debugger, stopped by the signal it dies of."""
        if self.kind == "gdb":
            status, out, err = gdb(self.script, ["run", command], binary)
        else:
            # lldb -b runs -k commands when the launched process crashes.
            status, out, err = run([self.executable, "--no-lldbinit", "-b", "-o", "plugin load " + self.plugin,
                                    "-o", 'target create "%s"' % binary, "-o", "process launch", "-k", command])
            out, err = lldb_noise_removed(out), lldb_noise_removed(err)
        no_traceback(out, err)
        check(status == 0, "%s failed on the live process:\n%s" % (command, err))
        return json_object(out)


def core_with_mapped_file(work, collect):
    """A program built in `work` that maps a data file and dies of a NULL read, and its core.
    Returns (program, core, data file)."""
    data = os.path.join(work, "table.bin")
    with open(data, "wb") as f:
        f.write(b"rows" * 4096)
    with open(os.path.join(work, "main.c"), "w") as f:
        f.write('#include <fcntl.h>\n#include <sys/mman.h>\n'
                'int main(int c, char **v) { int fd = open(v[1], O_RDONLY);\n'
                '  volatile char *t = mmap(0, 16384, PROT_READ, MAP_PRIVATE, fd, 0); (void)t;\n'
                '  return *(volatile int *)0; }\n')
    prog, core = os.path.join(work, "prog"), os.path.join(work, "prog.core")
    status, _, err = run(["gcc", "-g", "-o", prog, os.path.join(work, "main.c")])
    check(status == 0, err)
    status, _, err = run([collect, core, prog, data])
    check(status == 0, "no core: " + err)
    return prog, core, data


def build_id(path):
    """The GNU build-id of an ELF file, as eu-readelf prints it (an oracle independent of coroner)."""
    status, out, err = run(["eu-readelf", "--notes", path])
    check(status == 0, "eu-readelf failed on %s: %s" % (path, err))
    m = re.search(r"Build ID: ([0-9a-f]+)", out)
    return m.group(1) if m else None
