"""The type stub gdb-scripts/_coroner.pyi says what the built _coroner module has: the same top-level
names, and for each class the same attributes and methods (read inside the GDB that loads the module);
for Debugger, the methods the stub lists are the ones the GDB adapter implements.

usage: module_stub.py GDB-SCRIPT STUB"""
import ast
import json

import harness
from harness import check

PROBE = ("python import json, _coroner, coroner_gdb.adapter; print('MODULE ' + json.dumps({n: sorted(a for a in "
         "dir(getattr(_coroner, n)) if not a.startswith('_')) if isinstance(getattr(_coroner, n), type) else None "
         "for n in dir(_coroner) if not n.startswith('_')})); print('ADAPTER ' + json.dumps(sorted(a for a in "
         "dir(coroner_gdb.adapter.GdbDebugger) if not a.startswith('_'))))")


def stub_names(path):
    tree = ast.parse(open(path).read())
    names = {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            members = set()
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and not item.name.startswith("_"):
                    members.add(item.name)
                elif isinstance(item, ast.AnnAssign):
                    members.add(item.target.id)
                elif isinstance(item, ast.Assign):
                    members.update(t.id for t in item.targets)
            names[node.name] = members
        elif isinstance(node, ast.FunctionDef):
            names[node.name] = None
        elif isinstance(node, ast.AnnAssign):
            names[node.target.id] = None
    return names


def test(argv):
    script, stub = argv
    status, out, err = harness.gdb(script, [PROBE])
    check(status == 0, "gdb failed: " + err)
    line = [l for l in out.splitlines() if l.startswith("MODULE ")]
    check(line, "the module did not load:\n" + out + err)
    module = json.loads(line[0][len("MODULE "):])
    # Debugger's methods are what libcoroner calls on the Python subclass: the GDB adapter implements them.
    adapter = [l for l in out.splitlines() if l.startswith("ADAPTER ")]
    check(adapter, "the adapter did not load:\n" + out + err)
    module["Debugger"] = sorted(set(module["Debugger"] or []) | set(json.loads(adapter[0][len("ADAPTER "):])))
    stub = stub_names(stub)
    check(set(module) == set(stub), "top-level names: only in the module %s, only in the stub %s" %
          (sorted(set(module) - set(stub)), sorted(set(stub) - set(module))))
    for name, members in stub.items():
        if members is None:
            continue
        # pybind11 enums also have name/value and their helpers; the stub lists the values.
        missing = members - set(module[name] or [])
        check(not missing, "%s: the stub lists %s, which the module lacks" % (name, sorted(missing)))
        if "Enum" not in name and not name.endswith("Kind") and name != "Debugger":
            extra = set(module[name] or []) - members
            check(not extra, "%s: the module has %s, which the stub lacks" % (name, sorted(extra)))
    print("%d names, %d classes agree" % (len(stub), sum(1 for m in stub.values() if m is not None)))


if __name__ == "__main__":
    harness.main(test)
