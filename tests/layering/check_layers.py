#!/usr/bin/python3
"""The layers of common/ link in one direction only (common/README.md). Checked on what the build really
hands the compiler (compile_commands.json):
  1. every source of a layer is compiled with the include folders of that layer and the layers it may use,
     and of no other layer;
  2. with those very flags, a file of the layer that includes a header of a layer it may not use does not
     compile (and the same file including one of its own headers does: the flags work).

usage: check_layers.py SOURCE-DIR BUILD-DIR"""
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile


def layer_uses(common):
    text = open(os.path.join(common, "CMakeLists.txt")).read()
    layers = re.search(r"set\(CORONER_LAYERS ([a-z ]+)\)", text).group(1).split()
    uses = {}
    for layer in layers:
        match = re.search(r"set\(layer_%s_uses ([^)]*)\)" % layer, text)
        uses[layer] = set(match.group(1).replace('""', "").split()) if match else set()
    # A layer reaches what the layers it uses reach (their headers include their own lower layers').
    for layer in layers:
        for lower in list(uses[layer]):
            uses[layer] |= uses[lower]
    return layers, uses


def a_header(common, layer):
    root = os.path.join(common, layer, "include", "coroner")
    for folder, _, files in sorted(os.walk(root)):
        for name in sorted(files):
            if name.endswith(".hpp"):
                return os.path.relpath(os.path.join(folder, name), root)
    raise SystemExit("no header in " + root)


def main(source_dir, build_dir):
    common = os.path.join(source_dir, "common")
    layers, uses = layer_uses(common)
    commands = json.load(open(os.path.join(build_dir, "compile_commands.json")))
    include_of = {os.path.join(common, layer, "include"): layer for layer in layers}
    failures, checked, flags_of = [], 0, {}
    for entry in commands:
        path = os.path.realpath(entry["file"])
        if not path.startswith(common + "/") or "/tools/" in path:
            continue
        layer = os.path.relpath(path, common).split("/")[0]
        if layer not in uses:
            continue
        argv = shlex.split(entry["command"]) if "command" in entry else entry["arguments"]
        # The product's layers only: not the sanitized and fuzzing copies, nor the build-time rule compiler.
        output = argv[argv.index("-o") + 1] if "-o" in argv else ""
        if any(other in output for other in ("_sanitized", "_fuzz", "serialize_secret_rules")):
            continue
        dirs = [a[2:] for a in argv if a.startswith("-I")] + [argv[i + 1] for i, a in enumerate(argv[:-1])
                                                                 if a in ("-I", "-isystem")]
        seen = {include_of[os.path.realpath(d)] for d in dirs if os.path.realpath(d) in include_of}
        allowed = uses[layer] | {layer}
        checked += 1
        if not seen <= allowed:
            failures.append("%s (layer %s) is compiled with the headers of %s" %
                            (os.path.relpath(path, source_dir), layer, ", ".join(sorted(seen - allowed))))
        flags_of.setdefault(layer, (argv, entry["directory"]))
    if set(flags_of) != set(layers):
        failures.append("no compile command for the layers " + ", ".join(sorted(set(layers) - set(flags_of))))
    probes = 0
    with tempfile.TemporaryDirectory() as scratch:
        for layer, (argv, directory) in sorted(flags_of.items()):
            flags = [a for i, a in enumerate(argv[1:]) if a.startswith(("-I", "-D", "-std", "-isystem"))
                     or (i > 0 and argv[i] in ("-isystem", "-I"))]

            def compiles(header):
                probe = os.path.join(scratch, "probe_%s.cpp" % layer)
                with open(probe, "w") as f:
                    f.write('#include "coroner/%s"\n' % header)
                p = subprocess.run([argv[0], "-fsyntax-only"] + flags + [probe], cwd=directory,
                                   capture_output=True, text=True)
                return p.returncode == 0, p.stderr

            ok, err = compiles(a_header(common, layer))
            if not ok:
                failures.append("layer %s: its own header does not compile with its flags:\n%s" % (layer, err))
                continue
            for other in layers:
                if other in uses[layer] or other == layer:
                    continue
                ok, err = compiles(a_header(common, other))
                probes += 1
                if ok or "No such file" not in err:
                    failures.append("layer %s can include layer %s's headers" % (layer, other))
    for failure in failures:
        print("FAIL: " + failure)
    print("%d sources checked, %d forbidden includes tried, %d failures" % (checked, probes, len(failures)))
    return 1 if failures or checked == 0 or probes == 0 else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(os.path.realpath(sys.argv[1]), os.path.realpath(sys.argv[2])))
