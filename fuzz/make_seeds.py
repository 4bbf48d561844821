#!/usr/bin/env python3
"""Writes the seed inputs of one fuzz target into a folder (bench/fuzz.sh runs this before fuzzing).

  make_seeds.py TARGET OUT [--cores DIR] [--rules DIR]

elf_core and commands (and dying_words, keeping more of each segment): each crash-lab core shrunk to its headers, its notes and the first bytes of each segment (a
whole ELF header where a segment starts with one), so a seed is kilobytes, not megabytes. module_file:
small executables built here with gcc (build-id, debuglink, stripped or not). secret_rules, blame_rules:
the rule files and each of their rules alone. secret_scan: stretches of the secrets core around likely
credentials. function_names: stacks made from the built-in rules' own names. go_panic, rust_panic: memory
laid out as the runtimes leave it, as the fuzz targets map it (see fuzz/go_panic.cpp, fuzz/rust_panic.cpp).
Writing the same seeds twice gives the same files.
"""
import argparse
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile


def write(out, name, data):
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)


def cores(directory):
    if not os.path.isdir(directory):
        print(f"make_seeds: no cores in {directory} (build the crash lab, or set CORONER_CORES)", file=sys.stderr)
        return []
    return sorted(os.path.join(directory, n) for n in os.listdir(directory) if n.endswith(".core"))


def shrink_core(data, keep=64, keep_elf=1024, most_segments=64, whole=()):
    """Headers, notes, and the first `keep` bytes of each PT_LOAD (`keep_elf` where an ELF header starts, all
    of the segments at the addresses in `whole`)."""
    phoff, = struct.unpack_from("<Q", data, 32)
    phnum, = struct.unpack_from("<H", data, 56)
    phdrs = [list(struct.unpack_from("<IIQQQQQQ", data, phoff + 56 * i)) for i in range(phnum)]
    loads = [p for p in phdrs if p[0] == 1][:most_segments]
    phdrs = [p for p in phdrs if p[0] != 1] + loads
    header = bytearray(data[:64])
    struct.pack_into("<Q", header, 32, 64)
    struct.pack_into("<H", header, 56, len(phdrs))
    body = bytearray()
    at = 64 + 56 * len(phdrs)
    for p in phdrs:
        offset, filesz = p[2], p[5]
        if p[0] == 1:
            chunk = data[offset:offset + filesz]
            if p[3] not in whole:
                filesz = min(filesz, keep_elf if chunk[:4] == b"\x7fELF" else keep)
        p[2], p[5] = at, filesz
        body += data[offset:offset + filesz]
        at += filesz
    out = header
    for p in phdrs:
        out += struct.pack("<IIQQQQQQ", *p)
    return bytes(out + body)


def elf_core(out, args):
    for path in cores(args.cores):
        with open(path, "rb") as f:
            data = f.read()
        name = os.path.basename(path)[:-5]
        write(out, name + ".core", shrink_core(data))
        write(out, name + ".bare.core", shrink_core(data, keep=0, keep_elf=0, most_segments=4))


def commands(out, args):
    elf_core(out, args)


def dying_words(out, args):
    # The exception object and glibc's message are in writable memory: keep more of each segment.
    for path in cores(args.cores):
        name = os.path.basename(path)[:-5]
        if not any(k in name for k in ("exception", "assert", "abort", "double_free", "pure_virtual", "fortify")):
            continue
        with open(path, "rb") as f:
            data = bytearray(f.read())
        marker = data.find(b"\x00++CCUNG")  # "GNUCC++\0", a thrown C++ exception's unwind header class
        phoff, = struct.unpack_from("<Q", data, 32)
        phnum, = struct.unpack_from("<H", data, 56)
        window = ()
        for i in range(phnum):
            at = phoff + 56 * i
            p = list(struct.unpack_from("<IIQQQQQQ", data, at))
            if p[0] == 1 and marker >= 0 and p[2] <= marker < p[2] + p[5]:
                # Only the 4 KiB around the exception, as a segment of its own.
                skip = max(0, (marker - p[2] - 2048) & ~7)
                p[2] += skip
                p[3] += skip
                p[5] = p[6] = min(4096, p[5] - skip)
                window = (p[3],)
                struct.pack_into("<IIQQQQQQ", data, at, *p)
        write(out, name + ".core", shrink_core(bytes(data), keep=4096, keep_elf=4096))
        if marker >= 0:  # and small: the exception's window whole, other segments cut short
            write(out, name + ".small.core", shrink_core(bytes(data), keep=64, keep_elf=64, whole=window))


def module_file(out, args):
    source = "int counter = 3; const char *name = \"x\"; int _start(void) { return counter; }\n"
    with tempfile.TemporaryDirectory() as tmp:
        c = os.path.join(tmp, "m.c")
        with open(c, "w") as f:
            f.write(source)
        variants = {"debug": ["-g"], "plain": [], "pie": ["-fPIE", "-pie"]}
        for name, flags in variants.items():
            exe = os.path.join(tmp, name)
            subprocess.run(["gcc", "-Os", "-nostdlib", "-static" if name != "pie" else "-fPIE",
                            "-Wl,--build-id", "-Wl,-z,noseparate-code", "-Wl,-z,max-page-size=16", *flags, c, "-o", exe],
                           check=True)
            shutil.copy(exe, os.path.join(out, name + ".elf"))
        subprocess.run(["objcopy", "--only-keep-debug", os.path.join(tmp, "debug"), os.path.join(tmp, "d.debug")],
                       check=True)
        subprocess.run(["objcopy", "--strip-debug", "--add-gnu-debuglink=" + os.path.join(tmp, "d.debug"),
                        os.path.join(tmp, "debug"), os.path.join(out, "debuglink.elf")], check=True)
        subprocess.run(["strip", "-o", os.path.join(out, "stripped.elf"), os.path.join(tmp, "plain")], check=True)


def rule_docs(out, path, schema, whole=True):
    with open(path) as f:
        doc = json.load(f)
    if whole:
        write(out, os.path.basename(path), json.dumps(doc))
    for i, rule in enumerate(doc["rules"]):
        write(out, f"{os.path.basename(path)[:-5]}.{i}.json", json.dumps({"schema": schema, "rules": [rule]}))


def secret_rules(out, args):
    # Rule by rule: compiling the whole file takes seconds under the sanitizers, near -timeout.
    rule_docs(out, os.path.join(args.rules, "secrets.json"), "coroner.secret-rules/1", whole=False)


def blame_rules(out, args):
    rule_docs(out, os.path.join(args.rules, "blame_skip.json"), "coroner.blame-rules/1")


def secret_scan(out, args):
    wanted = re.compile(rb"AKIA|ghp_|gh[ousr]_|xox[bpa]-|sk_live|eyJ|-----BEGIN|password|passwd|token|secret|"
                        rb"api[_-]?key|Bearer|[0-9]{4}[ -][0-9]{4}[ -][0-9]{4}", re.I)
    for path in cores(args.cores):
        if "secrets" not in os.path.basename(path):
            continue
        with open(path, "rb") as f:
            data = f.read()
        last = -4096
        count = 0
        for m in wanted.finditer(data):
            if m.start() < last + 1024 or count >= 200:
                continue
            last = m.start()
            count += 1
            write(out, f"secrets.{m.start():08x}", data[max(0, m.start() - 256):m.start() + 768])
    write(out, "text", "user=admin password=hunter2-Xq9v AKIAIOSFODNN7EXAMPLE "
                       "ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789 4111 1111 1111 1111\n")
    write(out, "utf16", "token=ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789".encode("utf-16-le"))


def function_names(out, args):
    names = set()
    for rules in ("blame_skip", "abort_causes", "thread_states", "function_aliases"):
        with open(os.path.join(args.rules, rules + ".json")) as f:
            text = f.read()
        names.update(re.findall(r"[A-Za-z_][A-Za-z0-9_:~.]{2,}", text))
    names = sorted(n for n in names if "_" in n or "::" in n)
    stacks = [
        ["__pthread_kill_implementation", "raise", "abort", "__assert_fail", "parse_config(char const*)", "main"],
        ["std::terminate()", "__cxa_throw", "std::vector<int, std::allocator<int> >::_M_range_check(unsigned long)",
         "main"],
        ["core::panicking::panic_fmt", "rust_panic::main::h0123456789abcdef", "std::rt::lang_start::{{closure}}"],
        ["runtime.raise.abi0", "runtime.fatalpanic", "runtime.gopanic", "main.main", "runtime.main"],
        ["__GI___futex_abstimed_wait_cancelable64", "pthread_cond_wait@@GLIBC_2.3.2", "worker", "start_thread"],
    ]
    for i, stack in enumerate(stacks):
        lines = []
        for name in stack:
            lines += [name, "/lib/x86_64-linux-gnu/libc.so.6", "./nptl/../sysdeps/x.c"]
        write(out, f"stack.{i}", bytes([i * 37 % 256]) + "\n".join(lines).encode())
    for i in range(0, len(names), 8):
        write(out, f"names.{i}", bytes([i % 256]) + "\n\n\n".join(names[i:i + 8]).encode())


def words(*values):
    return struct.pack(f"<{len(values)}Q", *values)


def go_panic(out, args):
    base = 0xc000000000
    for kind, type_name, message in ((24, b"runtime.errorString", b"index out of range [5] with length 3"),
                                     (22, b"*errors.errorString", b"quota exceeded"), (24, b"string", b"boom")):
        m = bytearray(0x400)
        m[0:16] = words(base + 0x20, 1)                        # runtime.allgs: slice (ptr, len)
        m[0x20:0x28] = words(base + 0x40)                      # the array of *g
        m[0x40:0x50] = words(base + 0x200, base + 0x400)       # g.stack {lo, hi}
        m[0x60:0x68] = words(base + 0x100)                     # g._panic
        m[0x78:0x80] = words(base + 0x300)                     # g.sched.sp
        m[0xa8:0xb0] = words(base + 0x310)                     # g.sched.bp
        m[0x108:0x118] = words(base + 0x140, base + 0x180)     # _panic.arg {type, data}
        m[0x140 + 20] = 2 if type_name.startswith(b"*") else 0  # tflag
        m[0x140 + 23] = kind
        m[0x140 + 40:0x140 + 44] = struct.pack("<I", 0x1c0)   # name offset from runtime.types
        m[0x1c1] = len(type_name)
        m[0x1c2:0x1c2 + len(type_name)] = type_name
        if kind == 24:
            m[0x180:0x190] = words(base + 0x1e0, len(message))
        else:
            m[0x180:0x188] = words(base + 0x1a0)
            m[0x1a0:0x1b0] = words(base + 0x1e0, len(message))
        m[0x1e0:0x1e0 + len(message)] = message
        m[0x300:0x308] = words(0x401234)
        m[0x310:0x320] = words(base + 0x330, 0x401100)
        m[0x330:0x340] = words(base + 0x350, 0x401200)
        m[0x350:0x360] = words(0, 0x401300)
        write(out, f"go.{type_name.decode().strip('*')}", bytes(m))


def rust_panic(out, args):
    base = 0x7ffd00000000
    for payload_size in (24, 16):
        m = bytearray(0x800)
        m[0x400:0x40b] = b"src/main.rs"
        m[0x500:0x518] = words(base + 0x400, 11, 3 | (9 << 32))   # Location {file, line, column}
        m[0x600:0x618] = words(0x1234, payload_size, 8)            # vtable {drop, size, align}
        m[0x700:0x70e] = b"quota exceeded"
        m[20 * 8:24 * 8] = words(base + 40 * 8, base + 0x600, 0, base + 0x500)  # PanicInfo
        if payload_size == 24:
            m[40 * 8:43 * 8] = words(base + 0x700, 32, 14)         # String {ptr, capacity, len}
        else:
            m[40 * 8:42 * 8] = words(base + 0x700, 14)             # &str {ptr, len}
        write(out, f"rust.payload{payload_size}", bytes(m))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("target")
    parser.add_argument("out")
    parser.add_argument("--cores", default="build/fixtures/cores")
    parser.add_argument("--rules", default="common/rules")
    args = parser.parse_args()
    makers = {f.__name__: f for f in (elf_core, commands, dying_words, module_file, secret_rules, blame_rules, secret_scan, function_names,
                                      go_panic, rust_panic)}
    if args.target not in makers:
        sys.exit(f"make_seeds: no seeds for target {args.target}")
    os.makedirs(args.out, exist_ok=True)
    makers[args.target](args.out, args)


if __name__ == "__main__":
    main()
