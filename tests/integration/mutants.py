"""Hostile cores through the real debuggers: crash-lab cores mutated in fixed, seeded ways (truncations, bit
flips in the ELF header, program headers and each note, absurd counts and sizes, overlapping or enormous
PT_LOADs, sparse cores claiming a terabyte), each run through every pm-* command in GDB and in LLDB, one
debugger process per mutant and debugger with a time limit.

Counted, and the test fails on any of them: debugger deaths (killed by a signal), hangs (time limit),
Python tracebacks, failed commands that do not print exactly one `pm-NAME: error: what (what to do)` line,
internal errors, and any change to the mutant file. A death the debugger also suffers without coroner (the
same file opened, a backtrace, no pm-* command) is the debugger's own and is reported apart.

The generator makes every mutant (>= 500) from the same seed; CI runs a fixed stratified sample of them
(every mutant kind, every base core: the first SAMPLE of each kind in generation order, which interleaves the
bases), `--all` runs them all.

usage: mutants.py GDB-SCRIPT LLDB-PLUGIN LLDB-EXECUTABLE CRASH-LAB-BIN CRASH-LAB-CORES
                  [--all] [--per-kind N] [--jobs N] [--timeout S] [--only gdb|lldb] [--kind K] [--show N]"""
import argparse
import collections
import concurrent.futures
import hashlib
import os
import random
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time

import harness

SEED = 11
BASES = ["null_field_read", "thread_crash", "uncaught_exception", "rust_panic_abort"]
COMMANDS = ["pm-triage", "pm-blame-frame --explain", "pm-threads", "pm-symbols", "pm-secrets-scan",
            "pm-redact {output}"]
TIB = 1 << 40
MARK = "@@coroner-mutant@@"
# The debugger alone (the core opened, a backtrace) takes about a second; one still busy after this
# long is stuck in its own reading of the core.
OWN_TIME_LIMIT = 10

NT_NAMES = {1: "PRSTATUS", 2: "FPREGSET", 3: "PRPSINFO", 6: "AUXV", 0x53494749: "SIGINFO", 0x46494c45: "FILE",
            0x202: "X86_XSTATE"}


class Core:
    """The layout of a base core: ELF header, program headers and the notes, as offsets into its bytes."""

    def __init__(self, name, path):
        self.name, self.path = name, path
        with open(path, "rb") as f:
            self.data = f.read()
        self.size = len(self.data)
        self.phoff, = struct.unpack_from("<Q", self.data, 0x20)
        self.phnum, = struct.unpack_from("<H", self.data, 0x38)
        self.phdrs = []  # (offset of the header, type, file offset, vaddr, filesz, memsz)
        for i in range(self.phnum):
            at = self.phoff + i * 56
            p_type, _, p_offset, p_vaddr, _, p_filesz, p_memsz, _ = struct.unpack_from("<IIQQQQQQ", self.data, at)
            self.phdrs.append((at, p_type, p_offset, p_vaddr, p_filesz, p_memsz))
        self.notes = []  # (offset of the note header, type, descsz, offset of desc)
        for at, p_type, p_offset, _, p_filesz, _ in self.phdrs:
            if p_type != 4:
                continue
            off, end = p_offset, p_offset + p_filesz
            while off + 12 <= end:
                namesz, descsz, n_type = struct.unpack_from("<III", self.data, off)
                desc = off + 12 + ((namesz + 3) & ~3)
                self.notes.append((off, n_type, descsz, desc))
                off = desc + ((descsz + 3) & ~3)
        self.loads = [p for p in self.phdrs if p[1] == 1]

    def notes_of(self, n_type):
        return [n for n in self.notes if n[1] == n_type]


class Mutant:
    """A base core with byte patches, optionally cut short or extended (sparsely) to a size."""

    def __init__(self, base, kind, what, patches=(), truncate=None, extend=None, append=b""):
        self.base, self.kind, self.what = base, kind, what
        self.patches, self.truncate, self.extend, self.append = list(patches), truncate, extend, append
        self.name = None

    def write(self, path):
        data = bytearray(self.base.data if self.truncate is None else self.base.data[: self.truncate])
        for offset, value in self.patches:
            if offset + len(value) <= len(data):
                data[offset: offset + len(value)] = value
        data += self.append
        with open(path, "wb") as f:
            f.write(data)
            if self.extend is not None and self.extend > len(data):
                f.truncate(self.extend)  # a hole: the file claims the size without holding the bytes
        os.chmod(path, 0o400)


def u16(v):
    return struct.pack("<H", v & 0xFFFF)


def u32(v):
    return struct.pack("<I", v & 0xFFFFFFFF)


def u64(v):
    return struct.pack("<Q", v & 0xFFFFFFFFFFFFFFFF)


def flip(core, rng, start, length, kind, what):
    offset = start + rng.randrange(length)
    bit = rng.randrange(8)
    return Mutant(core, kind, "%s: bit %d of byte %#x" % (what, bit, offset),
                  [(offset, bytes([core.data[offset] ^ (1 << bit)]))])


def truncations(core, rng):
    cuts = {0, 1, 4, 16, 52, 63, 64, core.phoff + 1, core.phoff + 56 * core.phnum // 2, core.phoff + 56 * core.phnum - 1,
            core.size - 1, core.size - 4096}
    for off, _, descsz, desc in core.notes:
        cuts |= {off + 6, desc + descsz // 2, desc + descsz - 1}
    for at, p_type, p_offset, _, p_filesz, _ in core.loads[:6]:
        if p_filesz:
            cuts |= {p_offset + p_filesz // 2}
    cuts |= {rng.randrange(64, core.size) for _ in range(6)}
    return [Mutant(core, "truncate", "cut at %d of %d bytes" % (cut, core.size), truncate=cut)
            for cut in sorted(c for c in cuts if 0 <= c < core.size)]


def header_mutants(core, rng):
    out = [flip(core, rng, 0, 64, "ehdr-flip", "ELF header") for _ in range(14)]
    fields = [(0x38, u16(0), "e_phnum 0"), (0x38, u16(0xFFFF), "e_phnum 0xffff (PN_XNUM, no section 0)"),
              (0x38, u16(core.phnum + 1), "e_phnum one too many"), (0x38, u16(1), "e_phnum 1"),
              (0x20, u64(0), "e_phoff 0"), (0x20, u64(core.size - 8), "e_phoff at the end"),
              (0x20, u64(1 << 63), "e_phoff 2^63"), (0x20, u64(-56), "e_phoff -56"),
              (0x36, u16(0), "e_phentsize 0"), (0x36, u16(55), "e_phentsize 55"), (0x36, u16(0xFFFF), "e_phentsize max"),
              (0x28, u64(64) + b"\0" * 0 , "e_shoff 64 (the program headers)"),
              (0x28, u64(1 << 62), "e_shoff 2^62"), (0x3C, u16(0xFFFF), "e_shnum 0xffff"),
              (0x10, u16(2), "e_type ET_EXEC"), (0x12, u16(183), "e_machine AArch64 on x86-64 notes"),
              (0x12, u16(3), "e_machine i386"), (0x04, bytes([1]), "EI_CLASS 32-bit"), (0x05, bytes([2]), "EI_DATA big-endian")]
    out += [Mutant(core, "ehdr-field", what, [(offset, value)]) for offset, value, what in fields]
    out.append(Mutant(core, "ehdr-field", "e_shoff 64 with e_shnum 3",
                      [(0x28, u64(64)), (0x3A, u16(64)), (0x3C, u16(3))]))
    return out


def phdr_mutants(core, rng):
    table = 56 * core.phnum
    out = [flip(core, rng, core.phoff, table, "phdr-flip", "program headers") for _ in range(16)]
    note = next(p for p in core.phdrs if p[1] == 4)
    loads = core.loads
    big = max(loads, key=lambda p: p[4])
    first, second = loads[0], loads[1]
    fields = [
        (note[0] + 32, u64(0), "PT_NOTE filesz 0"), (note[0] + 32, u64(1 << 62), "PT_NOTE filesz 2^62"),
        (note[0] + 8, u64(core.size + 4096), "PT_NOTE past the end"), (note[0] + 8, u64(core.size - 4), "PT_NOTE at the end"),
        (note[0] + 8, u64(-16), "PT_NOTE offset -16"),
        (note[0] + 8, u64(big[2]), "PT_NOTE over a memory segment"),
        (big[0] + 32, u64(big[5] + 1), "PT_LOAD filesz > memsz"), (big[0] + 32, u64(1 << 40), "PT_LOAD filesz 1 TiB, file short"),
        (big[0] + 8, u64(1 << 62), "PT_LOAD offset 2^62"), (big[0] + 8, u64(-4096), "PT_LOAD offset wraps"),
        (big[0] + 40, u64(1 << 47), "PT_LOAD memsz 2^47"), (big[0] + 40, u64(-1), "PT_LOAD memsz 2^64-1"),
        (big[0] + 16, u64(-4096), "PT_LOAD at the top of the address space"),
        (second[0] + 16, u64(first[3]), "two PT_LOADs at one address"),
        (second[0] + 16, u64(first[3] + 8), "PT_LOAD overlapping the one before"),
        (big[0], u32(4), "a PT_LOAD turned PT_NOTE"), (big[0], u32(0), "a PT_LOAD turned PT_NULL"),
        (note[0], u32(1), "the PT_NOTE turned PT_LOAD"),
        (big[0] + 4, u32(0), "PT_LOAD with no permissions"), (big[0] + 48, u64(3), "PT_LOAD align 3"),
    ]
    out += [Mutant(core, "phdr-field", what, [(offset, value)]) for offset, value, what in fields]
    # Every PT_LOAD at one address; every PT_LOAD sharing one file range.
    out.append(Mutant(core, "phdr-field", "every PT_LOAD at one address",
                      [(p[0] + 16, u64(first[3])) for p in loads]))
    out.append(Mutant(core, "phdr-field", "every PT_LOAD reading one file range",
                      [(p[0] + 8, u64(big[2])) for p in loads] + [(p[0] + 32, u64(min(p[5], big[4]))) for p in loads]))
    return out


def note_mutants(core, rng):
    out = []
    for off, n_type, descsz, desc in core.notes:
        name = NT_NAMES.get(n_type, "%#x" % n_type)
        if n_type == 1 and off != core.notes_of(1)[0][0] and rng.random() < 0.7:
            continue  # a few of the other threads' notes are enough
        for delta in (-4, 4, -1, 1):
            out.append(Mutant(core, "note-size", "NT_%s descsz %+d" % (name, delta), [(off + 4, u32(descsz + delta))]))
        for value in (0, 0xFFFFFFFF, 0x7FFFFFF0):
            out.append(Mutant(core, "note-size", "NT_%s descsz %#x" % (name, value), [(off + 4, u32(value))]))
        out.append(Mutant(core, "note-size", "NT_%s namesz 0xffffffff" % name, [(off, u32(0xFFFFFFFF))]))
        out.append(Mutant(core, "note-size", "NT_%s namesz 4 (no NUL)" % name, [(off, u32(4))]))
        out.append(Mutant(core, "note-size", "NT_%s type 0" % name, [(off + 8, u32(0))]))
        for _ in range(3):
            out.append(flip(core, rng, desc, max(descsz, 1), "note-flip", "NT_%s" % name))
        out.append(flip(core, rng, off, 12, "note-flip", "NT_%s header" % name))
    return out


def note_content_mutants(core, rng):
    out = []

    def add(what, patches):
        out.append(Mutant(core, "note-field", what, patches))

    for off, _, descsz, desc in core.notes_of(0x46494c45)[:1]:  # NT_FILE
        count, = struct.unpack_from("<Q", core.data, desc)
        for value, what in ((-1, "2^64-1"), (1 << 32, "2^32"), (count + 1, "one too many"), (count * 2, "double"),
                            (0, "0"), ((descsz - 16) // 24, "as many as the note could hold")):
            add("NT_FILE count %s" % what, [(desc, u64(value))])
        for value in (0, 1 << 63, -1):
            add("NT_FILE page size %#x" % (value & (2 ** 64 - 1)), [(desc + 8, u64(value))])
        add("NT_FILE first entry ends before it starts", [(desc + 16, u64(-4096)), (desc + 24, u64(0))])
        add("NT_FILE every entry the whole address space",
            [(desc + 16 + i * 24, u64(0) + u64(-1)) for i in range(count)])
        names = desc + 16 + count * 24
        add("NT_FILE names without NULs", [(names, bytes(b if b else 0x41 for b in core.data[names: desc + descsz]))])
        add("NT_FILE names all NULs", [(names, bytes(desc + descsz - names))])
        add("NT_FILE a name with a newline and ..", [(names, b"/../\n/x\0")])
    for off, _, descsz, desc in core.notes_of(3)[:1]:  # NT_PRPSINFO
        add("NT_PRPSINFO fname and psargs without NUL", [(desc + 40, b"\xff" * 96)])
        add("NT_PRPSINFO pid -1", [(desc + 24, u32(-1))])
        add("NT_PRPSINFO pid 0", [(desc + 24, u32(0))])
        add("NT_PRPSINFO pid of another thread", [(desc + 24, u32(12345678))])
    for off, _, descsz, desc in core.notes_of(0x53494749)[:1]:  # NT_SIGINFO
        for value in (0, -1, 65, 1000):
            add("NT_SIGINFO si_signo %d" % value, [(desc, u32(value))])
        for value in (-60, 0x7FFFFFFF, 0x80):
            add("NT_SIGINFO si_code %#x" % (value & 0xFFFFFFFF), [(desc + 8, u32(value))])
        add("NT_SIGINFO fault address 2^64-1", [(desc + 16, u64(-1))])
        add("NT_SIGINFO fault address in the stack guard", [(desc + 16, u64(core.loads[-2][3] - 8))])
    prstatus = core.notes_of(1)
    for off, _, descsz, desc in prstatus[:1]:
        add("NT_PRSTATUS cursig 1000", [(desc + 12, u16(1000))])
        add("NT_PRSTATUS pid 0", [(desc + 32, u32(0))])
        add("NT_PRSTATUS pid -1", [(desc + 32, u32(-1))])
        if len(prstatus) > 1:
            add("two NT_PRSTATUS with one tid", [(prstatus[1][3] + 32, core.data[desc + 32: desc + 36])])
        add("NT_PRSTATUS rip 0", [(desc + 112 + 16 * 8, u64(0))])
        add("NT_PRSTATUS rip 2^64-1", [(desc + 112 + 16 * 8, u64(-1))])
        add("NT_PRSTATUS rsp 0", [(desc + 112 + 19 * 8, u64(0))])
        add("NT_PRSTATUS rsp and rbp 2^64-8", [(desc + 112 + 19 * 8, u64(-8)), (desc + 112 + 4 * 8, u64(-8))])
        add("NT_PRSTATUS registers all 0xff", [(desc + 112, b"\xff" * 27 * 8)])
        add("NT_PRSTATUS rsp at a segment's last byte", [(desc + 112 + 19 * 8, u64(core.loads[-2][3] + core.loads[-2][5] - 1))])
    for off, _, descsz, desc in core.notes_of(6)[:1]:  # NT_AUXV
        pairs = descsz // 16
        add("NT_AUXV without AT_NULL", [(desc, b"\x21\0\0\0\0\0\0\0" + u64(-1)) ] +
            [(desc + 16 * i, u64(33 if i % 2 else 6) + u64(-1 - i)) for i in range(pairs)])
        for key, what in ((3, "AT_PHDR"), (9, "AT_ENTRY"), (33, "AT_SYSINFO_EHDR"), (31, "AT_EXECFN"), (25, "AT_RANDOM")):
            for i in range(pairs):
                k, = struct.unpack_from("<Q", core.data, desc + 16 * i)
                if k == key:
                    add("NT_AUXV %s 2^64-1" % what, [(desc + 16 * i + 8, u64(-1))])
                    add("NT_AUXV %s at the last byte of a segment" % what,
                        [(desc + 16 * i + 8, u64(core.loads[0][3] + core.loads[0][5] - 1))])
    return out


def sparse_mutants(core, rng):
    """Cores that claim far more than they hold: the file is extended with a hole, never written."""
    out = []
    end = (core.size + 4095) & ~4095
    big = max(core.loads, key=lambda p: p[4])
    for size, what in ((TIB, "1 TiB"), (30 << 30, "30 GiB")):
        # A PT_LOAD grown to the claimed size, its new part a hole at the end of the file.
        out.append(Mutant(core, "sparse", "PT_LOAD moved past the end and grown to %s" % what,
                          [(big[0] + 8, u64(end)), (big[0] + 32, u64(size)), (big[0] + 40, u64(size))],
                          extend=end + size))
    # Every PT_LOAD claiming a terabyte of the same hole (file ranges overlap, memory overlaps).
    out.append(Mutant(core, "sparse", "every PT_LOAD 1 TiB of one hole",
                      [(p[0] + 8, u64(end)) for p in core.loads] + [(p[0] + 32, u64(TIB)) for p in core.loads] +
                      [(p[0] + 40, u64(TIB)) for p in core.loads], extend=end + TIB))
    # A PT_LOAD claiming a terabyte that the file does not hold (a short core, not sparse).
    out.append(Mutant(core, "sparse", "PT_LOAD filesz 1 TiB past the end of a short file",
                      [(big[0] + 32, u64(TIB)), (big[0] + 40, u64(TIB))], extend=core.size + (1 << 20)))
    return out


def generate(cores):
    """Every mutant, in a fixed order: kinds interleaved over the base cores."""
    rng = random.Random(SEED)
    by_kind = collections.OrderedDict()
    makers = (truncations, header_mutants, phdr_mutants, note_mutants, note_content_mutants, sparse_mutants)
    per_core = [[m for make in makers for m in make(core, rng)] for core in cores]
    for i in range(max(len(ms) for ms in per_core)):
        for ms in per_core:
            if i < len(ms):
                by_kind.setdefault(ms[i].kind, []).append(ms[i])
    mutants = [m for ms in by_kind.values() for m in ms]
    for n, m in enumerate(mutants):
        m.name = "%03d-%s-%s" % (n, m.kind, m.base.name)
    return mutants


# Mutants that found a defect once, always in the sample: (base core, what).
REGRESSIONS = {("thread_crash", "two NT_PRSTATUS with one tid")}  # GDB: SystemError from selected_thread()


def stratified_sample(mutants, per_kind):
    """The first per_kind of each kind, spread over the base cores (generation interleaves them), and the
    regressions."""
    taken = collections.Counter()
    sample = []
    for m in mutants:
        if (m.base.name, m.what) in REGRESSIONS:
            sample.append(m)
        elif taken[m.kind] < per_kind:
            taken[m.kind] += 1
            sample.append(m)
    return sample


def file_state(path):
    """A digest of the file's bytes that never reads a hole: size, mtime and each data extent's contents."""
    st = os.stat(path)
    digest = hashlib.sha256(("%d %d %o" % (st.st_size, st.st_mtime_ns, st.st_mode)).encode())
    fd = os.open(path, os.O_RDONLY)
    try:
        offset = 0
        while offset < st.st_size:
            try:
                start = os.lseek(fd, offset, os.SEEK_DATA)
            except OSError:
                break
            end = os.lseek(fd, start, os.SEEK_HOLE)
            digest.update(str(start).encode())
            os.lseek(fd, start, os.SEEK_SET)
            left = end - start
            while left > 0:
                chunk = os.read(fd, min(left, 1 << 20))
                if not chunk:
                    break
                digest.update(chunk)
                left -= len(chunk)
            offset = end
    finally:
        os.close(fd)
    return digest.hexdigest()


class Runner:
    def __init__(self, args):
        self.args = args

    def argv(self, kind, binary, core, output, with_coroner=True):
        if kind == "gdb":
            argv = ["gdb", "-nx", "-batch"]
            if with_coroner:
                argv += ["-x", self.args.gdb_script]
                for command in COMMANDS:
                    argv += ["-ex", "echo \\n%s %s\\n" % (MARK, command.split()[0]), "-ex", command.format(output=output)]
            else:
                argv += ["-ex", "bt", "-ex", "info threads"]
            return argv + [binary, core]
        # lldb -b stops at the first failed command (the driver asks it to, whatever the settings say);
        # `command source -e false` runs every command of a file.
        lines = ['target create "%s" -c "%s"' % (binary, core)]
        lines += [command.format(output=output) for command in COMMANDS] if with_coroner else ["bt all"]
        script = output + (".lldb" if with_coroner else ".own.lldb")
        with open(script, "w") as f:
            f.write("\n".join(lines) + "\n")
        argv = [self.args.lldb_executable, "--no-lldbinit", "-b"]
        if with_coroner:
            argv += ["-o", "plugin load " + self.args.lldb_plugin]
        return argv + ["-o", "command source -e false " + script]

    def run(self, argv, timeout=None):
        """(exit status or None on a hang, combined output, seconds)."""
        timeout = timeout or self.args.timeout
        start = time.monotonic()
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             start_new_session=True)
        try:
            out, _ = p.communicate(timeout=timeout)
            status = p.returncode
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            out, _ = p.communicate()
            status = None
        return status, out.decode("utf-8", "replace"), time.monotonic() - start

    def one(self, mutant, kind, work):
        prefix = "%s-%s" % (mutant.name, kind)
        path = os.path.join(work, prefix + ".core")
        output = os.path.join(work, prefix + ".redacted")
        mutant.write(path)
        before = file_state(path)
        binary = os.path.join(self.args.bin_dir, mutant.base.name)
        status, out, seconds = self.run(self.argv(kind, binary, path, output))
        problems = []
        if status is None:
            own, _, _ = self.run(self.argv(kind, binary, path, output, with_coroner=False), OWN_TIME_LIMIT)
            if own is None:
                problems.append(("debugger's own hang", "no exit after %ds, also without coroner" % self.args.timeout))
            else:
                problems.append(("hang", "no exit after %ds" % self.args.timeout))
        elif status < 0 or status >= 128:
            own, _, _ = self.run(self.argv(kind, binary, path, output, with_coroner=False), OWN_TIME_LIMIT)
            if own is not None and (own < 0 or own >= 128):
                problems.append(("debugger's own death", "exit %d, also without coroner" % status))
            else:
                problems.append(("death", "exit %d" % status))
        if file_state(path) != before:
            problems.append(("input changed", "the mutant file changed"))
        text = harness.lldb_noise_removed(out) if kind == "lldb" else out
        if not any(p[0].startswith("debugger's own") for p in problems) and status is not None:
            problems += output_problems(kind, text)
        for leftover in os.listdir(work):
            if leftover.startswith(prefix):
                os.unlink(os.path.join(work, leftover))
        return mutant, kind, problems, text, seconds


def sections(kind, text):
    """The output of each command, by command name."""
    out = {}
    if kind == "gdb":
        parts = text.split("\n" + MARK + " ")
        for part in parts[1:]:
            name, _, body = part.partition("\n")
            out[name.strip()] = body
    else:
        current = None
        for line in text.splitlines():
            m = re.match(r"\(lldb\) (pm-[a-z-]+)", line)
            if m:
                current = m.group(1)
                out[current] = ""
            elif line.startswith("(lldb) "):
                current = None
            elif current:
                out[current] += line + "\n"
    return out


ERROR_LINE = re.compile(r"^(pm-[a-z-]+): error: .+ \(.+\)$")


def output_problems(kind, text):
    problems = []
    if re.search(r"Traceback|Error while executing Python|Python Exception|Error occurred in Python|^At:", text, re.M):
        problems.append(("traceback", "Python error text in the output"))
    found = sections(kind, text)
    for command in COMMANDS:
        name = command.split()[0]
        if name not in found:
            problems.append(("bad error lines", "%s did not run (the batch stopped?)" % name))
            continue
        body = found[name]
        errors = [line for line in body.splitlines() if ": error:" in line or line.startswith("error:")]
        if not errors:
            continue
        own = [line for line in errors if ERROR_LINE.match(line) and line.startswith(name + ":")]
        if len(errors) != 1 or len(own) != 1:
            problems.append(("bad error lines", "%s: %s" % (name, " | ".join(errors)[:300])))
        elif "internal error" in own[0]:
            problems.append(("internal error", own[0][:300]))
    return problems


KINDS = ["death", "hang", "traceback", "bad error lines", "internal error", "input changed"]


def test(argv):
    parser = argparse.ArgumentParser()
    for name in ("gdb_script", "lldb_plugin", "lldb_executable", "bin_dir", "core_dir"):
        parser.add_argument(name)
    parser.add_argument("--all", action="store_true", help="every mutant, not the CI sample")
    parser.add_argument("--per-kind", type=int, default=8, help="mutants of each kind in the sample")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--timeout", type=int, default=20)
    parser.add_argument("--only", choices=["gdb", "lldb"])
    parser.add_argument("--kind", help="only mutants of this kind")
    parser.add_argument("--show", type=int, default=3, help="problems printed per category")
    parser.add_argument("--progress", type=int, default=0, help="print the counts every N runs")
    args = parser.parse_args(argv)

    cores = [Core(name, os.path.join(args.core_dir, name + ".core")) for name in BASES]
    mutants = generate(cores)
    harness.check(len(mutants) >= 500, "only %d mutants generated" % len(mutants))
    chosen = mutants if args.all else stratified_sample(mutants, args.per_kind)
    if args.kind:
        chosen = [m for m in chosen if m.kind == args.kind]
    debuggers = [args.only] if args.only else ["gdb", "lldb"]
    kinds = collections.Counter(m.kind for m in chosen)
    print("%d mutants generated (seed %d), %d run (%s) in %s" % (
        len(mutants), SEED, len(chosen), ", ".join("%s %d" % kv for kv in kinds.items()), " and ".join(debuggers)))
    sys.stdout.flush()

    runner = Runner(args)
    work = tempfile.mkdtemp(prefix="coroner-mutants-")
    counts = {d: collections.Counter() for d in debuggers}
    examples = collections.defaultdict(list)
    started = time.monotonic()
    slowest = (0, None)
    try:
        with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
            jobs = [pool.submit(runner.one, m, d, work) for m in chosen for d in debuggers]
            for job in concurrent.futures.as_completed(jobs):
                mutant, kind, problems, text, seconds = job.result()
                counts[kind]["runs"] += 1
                slowest = max(slowest, (seconds, "%s in %s" % (mutant.name, kind)), key=lambda s: s[0])
                for category in sorted({p[0] for p in problems}):
                    counts[kind][category] += 1
                for category, detail in problems:
                    examples[(kind, category)].append("%s (%s): %s" % (mutant.name, mutant.what, detail))
                done = sum(c["runs"] for c in counts.values())
                if args.progress and done % args.progress == 0:
                    print("%d of %d runs, %.0f s: %s" % (done, len(jobs), time.monotonic() - started, "; ".join(
                        "%s %s" % (d, dict((k, v) for k, v in counts[d].items() if k != "runs")) for d in debuggers)))
                    sys.stdout.flush()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    elapsed = time.monotonic() - started

    failed = False
    for d in debuggers:
        c = counts[d]
        print("%s: %d runs, %s; the debugger's own deaths %d and hangs %d (without coroner too)" % (
            d, c["runs"], ", ".join("%s %d" % (k, c[k]) for k in KINDS), c["debugger's own death"],
            c["debugger's own hang"]))
        failed |= any(c[k] for k in KINDS)
    for (d, category), lines in sorted(examples.items()):
        print("  %s %s: %d, e.g." % (d, category, len(lines)))
        for line in sorted(lines)[: args.show]:
            print("    " + line)
    print("%.0f s in all (%d jobs); slowest run %.1f s: %s" % (elapsed, args.jobs, slowest[0], slowest[1]))
    harness.check(not failed, "hostile cores made coroner misbehave (counts above)")


if __name__ == "__main__":
    harness.main(test)
