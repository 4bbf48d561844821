"""`cmake --install` into a temporary DESTDIR, under a prefix other than the configured one, then SPEC's
loading lines from that prefix: `source <prefix>/share/coroner/coroner-gdb.py` in GDB and `plugin load
<prefix>/lib/coroner/libcoroner-lldb.so` in LLDB (each LLDB the plugin was built for: the extra ones are
the `lldb-MAJOR` components), each running pm-triage --json over a crash-lab core; then the installed
`coroner triage` through GDB and LLDB, which must find the frontends installed beside it. Also: every file
lands under DESTDIR/prefix, the GDB module comes from the install (not the build tree), and the docs are
there, and the manual pages.

usage: install_tree.py BUILD-DIR CRASH-LAB-BIN CORES PRIMARY-MAJOR MAJOR,PLUGIN,LLDB..."""
import glob
import json
import os
import shutil
import tempfile

import harness
from harness import check

PREFIX = "/opt/coroner-install-test"  # not the configured prefix: the install must be relocatable
CASE = "null_field_read"


def install(build, destdir, component=None):
    argv = ["cmake", "--install", build, "--prefix", PREFIX]
    if component:
        argv += ["--component", component]
    status, out, err = harness.run(argv, env={"DESTDIR": destdir})
    check(status == 0, "%s failed:\n%s\n%s" % (" ".join(argv), out, err))


def files_under(folder):
    return sorted(os.path.relpath(os.path.join(d, f), folder) for d, _, names in os.walk(folder) for f in names)


def check_layout(destdir, primary, extra_majors):
    root = destdir + PREFIX
    outside = [f for f in files_under(destdir) if not ("/" + f).startswith(PREFIX + "/")]
    check(not outside, "installed outside the prefix: %s" % outside)
    expected = ["bin/coroner", "share/coroner/coroner-gdb.py", "share/coroner/python/coroner_gdb/__init__.py",
                "share/coroner/python/coroner_gdb/adapter.py", "lib/coroner/libcoroner-lldb.so",
                "share/doc/coroner/README.md", "share/doc/coroner/commands.md", "share/man/man1/coroner.1.gz",
                "share/man/man7/coroner-commands.7.gz"]
    expected += ["lib/coroner/lldb-%s/libcoroner-lldb.so" % major for major in [primary] + extra_majors]
    missing = [f for f in expected if not os.path.isfile(os.path.join(root, f))]
    check(not missing, "not installed: %s; installed: %s" % (missing, files_under(root)))
    modules = glob.glob(os.path.join(root, "lib/coroner/python/_coroner*.so"))
    check(len(modules) == 1, "the GDB module is not in lib/coroner/python: %s" % files_under(root))
    check(not glob.glob(os.path.join(root, "share/**/*.so"), recursive=True), "an ELF file under share/")
    check(os.access(os.path.join(root, "bin/coroner"), os.X_OK), "bin/coroner is not executable")
    return root, modules[0]


def check_triage(report, what):
    check(report.get("schema") == "coroner.triage/1", "%s: not a triage object: %s" % (what, report))
    check(report["cause"]["class"] == "null-deref", "%s: cause %s, expected null-deref" % (what, report["cause"]))
    check(report["signal"]["name"] == "SIGSEGV", "%s: signal %s" % (what, report["signal"]))


def gdb_from_prefix(root, module, binary, core):
    script = os.path.join(root, "share/coroner/coroner-gdb.py")
    status, out, err = harness.run(["gdb", "-nx", "-batch", "-ex", "source " + script, "-ex",
                                    "python import _coroner; print('MODULE ' + _coroner.__file__)", "-ex",
                                    "pm-triage --json", binary, core])
    harness.no_traceback(out, err)
    check(status == 0, "gdb exited %d:\n%s\n%s" % (status, out, err))
    check("MODULE %s\n" % module in out, "GDB did not load the installed module %s:\n%s" % (module, out))
    check_triage(harness.json_object(out), "gdb, installed script")


def lldb_from_prefix(plugin, lldb, binary, core, home):
    # XDG_DATA_HOME empty: no plugin in the user's plugin folder is loaded beside this one.
    status, out, err = harness.lldb(plugin, ["pm-triage --json"], binary, core, lldb, env={"XDG_DATA_HOME": home})
    out, err = harness.lldb_noise_removed(out), harness.lldb_noise_removed(err)
    harness.no_traceback(out, err)
    check(status == 0, "%s exited %d:\n%s\n%s" % (lldb, status, out, err))
    check("error" not in err.lower(), "%s printed an error:\n%s" % (lldb, err))
    check_triage(harness.json_object(out), "%s, %s" % (lldb, plugin))


def coroner_triage(root, debugger, lldb, binary, core, work):
    out_file = os.path.join(work, "rows-%s.jsonl" % debugger)
    argv = [os.path.join(root, "bin/coroner"), "triage", "--debugger", debugger, "--exe", binary, "-o", out_file, core]
    if debugger == "lldb":
        argv += ["--lldb", lldb]
    status, out, err = harness.run(argv, cwd=work, env={"XDG_DATA_HOME": work})
    check(status == 0, "installed coroner triage (%s) exited %d:\n%s\n%s" % (debugger, status, out, err))
    with open(out_file) as f:
        rows = [json.loads(line) for line in f if line.strip()]
    check(len(rows) == 1, "%d rows, expected 1" % len(rows))
    row = rows[0]
    check(row.get("status") == "ok", "coroner triage (%s): row status %s: %s" % (debugger, row.get("status"), row))
    text = json.dumps(row)
    check('"null-deref"' in text, "coroner triage (%s): no null-deref in the row: %s" % (debugger, text[:2000]))


def test(argv):
    build, bin_dir, cores, primary, plugins = argv[0], argv[1], argv[2], argv[3], argv[4:]
    lldbs = dict(entry.split(",", 1) for entry in plugins)
    extra = [major for major in lldbs if major != primary]
    binary, core = os.path.join(bin_dir, CASE), os.path.join(cores, CASE + ".core")
    work = tempfile.mkdtemp(prefix="coroner-install-")
    try:
        destdir = os.path.join(work, "destdir")
        install(build, destdir)
        for major in extra:
            install(build, destdir, "lldb-" + major)
        root, module = check_layout(destdir, primary, extra)
        gdb_from_prefix(root, module, binary, core)
        lldb_from_prefix(os.path.join(root, "lib/coroner/libcoroner-lldb.so"), lldbs[primary], binary, core, work)
        for major in extra:
            plugin = os.path.join(root, "lib/coroner/lldb-%s/libcoroner-lldb.so" % major)
            lldb_from_prefix(plugin, lldbs[major], binary, core, work)
        coroner_triage(root, "gdb", None, binary, core, work)
        coroner_triage(root, "lldb", lldbs[primary], binary, core, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    harness.main(test)
