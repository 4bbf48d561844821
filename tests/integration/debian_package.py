"""The Debian package, as a user gets it: `cpack -G DEB` in the build folder writes coroner_<version>_amd64.deb,
lintian reports no error on it, its Depends names the libraries opened at first use, `dpkg -i` installs
it, and then with no -x, source or plugin load the commands are there:
`gdb -nh -batch -ex 'pm-triage --json' PROG CORE` (Debian's GDB reads /etc/gdb/gdbinit.d) and
`lldb -b -o 'target create PROG -c CORE' -o 'pm-triage --json'` (LLDB loads /usr/lib/lldb/plugins),
silently. `dpkg -r` then removes every file it installed (no conffile stays) and the commands are gone.
The machine is restored (dpkg -r) even when a check fails. Needs root; runs alone (RUN_SERIAL): while the
package is installed, any LLDB loads its plugin.

usage: debian_package.py BUILD-DIR VERSION PROGRAM CORE"""
import os
import tempfile

import harness
from harness import check

PACKAGE = "coroner"


def installed_state():
    status, out, _ = harness.run(["dpkg-query", "-W", "-f=${Status}", PACKAGE])
    return out.strip() if status == 0 else "not-installed"


def build_package(build, version):
    status, out, err = harness.run(["cpack", "-G", "DEB"], cwd=build)
    check(status == 0, "cpack failed:\n%s\n%s" % (out, err))
    deb = os.path.join(build, "%s_%s_amd64.deb" % (PACKAGE, version))
    check(os.path.isfile(deb), "cpack did not write %s:\n%s" % (deb, out))
    return deb


def lintian_errors(deb):
    status, out, err = harness.run(["lintian", deb])
    return [line for line in (out + err).splitlines() if line.startswith("E:")], out


def gdb_nh(binary, core, home):
    # -nh skips only ~/.gdbinit (HOME is an empty folder anyway): the system gdbinit folder is read.
    return harness.run(["gdb", "-nh", "-batch", "-ex", "pm-triage --json", binary, core], env={"HOME": home})


def lldb_plain(binary, core, home):
    status, out, err = harness.run(["lldb", "-b", "-o", 'target create "%s" -c "%s"' % (binary, core), "-o",
                                    "pm-triage --json"], env={"HOME": home, "XDG_DATA_HOME": home})
    return status, harness.lldb_noise_removed(out), harness.lldb_noise_removed(err)


def check_triage(out, what):
    report = harness.json_object(out)
    check(report.get("schema") == "coroner.triage/1", "%s: not a triage object: %s" % (what, report))
    check(report["cause"]["class"] == "null-deref", "%s: cause %s" % (what, report["cause"]))


def while_installed(binary, core, home):
    status, out, err = gdb_nh(binary, core, home)
    harness.no_traceback(out, err)
    check(status == 0, "gdb -nh exited %d with the package installed:\n%s\n%s" % (status, out, err))
    check("coroner" not in err, "the GDB loader is not silent:\n%s" % err)
    check_triage(out, "gdb -nh")
    status, out, err = lldb_plain(binary, core, home)
    harness.no_traceback(out, err)
    check(status == 0, "lldb exited %d with the package installed:\n%s\n%s" % (status, out, err))
    check("coroner" not in err, "the LLDB plugin is not silent:\n%s" % err)
    check_triage(out, "lldb")


def after_removal(files, binary, core, home):
    state = installed_state()
    check(state.endswith("not-installed"), "after dpkg -r the package is still '%s' (a conffile left?)" % state)
    left = [f for f in files if os.path.lexists(f) and not os.path.isdir(f)]
    left += [d for d in ("/usr/share/coroner", "/usr/lib/coroner", "/usr/share/doc/coroner") if os.path.lexists(d)]
    check(not left, "dpkg -r left these behind: %s" % left)
    status, out, err = gdb_nh(binary, core, home)
    check(status != 0 and 'Undefined command: "pm-triage"' in err, "pm-triage still in GDB:\n%s\n%s" % (out, err))
    status, out, err = lldb_plain(binary, core, home)
    check("'pm-triage' is not a valid command" in out + err, "pm-triage still in LLDB:\n%s\n%s" % (out, err))


def test(argv):
    build, version, binary, core = argv
    check(os.geteuid() == 0, "needs root to dpkg -i (CI runs as root)")
    state = installed_state()
    check(state.endswith("not-installed"), "coroner is '%s' here already: remove it first (dpkg -P coroner)" % state)
    deb = build_package(build, version)
    # capstone and libcrypto are opened at first use, not linked: dpkg-shlibdeps cannot see them, so the
    # package names them itself (libcrypto.so.3 is Debian's libssl3).
    status, depends, _ = harness.run(["dpkg-deb", "-f", deb, "Depends"])
    names = [d.strip().split(" ")[0] for d in depends.split(",")]
    for wanted in ("libcapstone", "libssl"):
        check(any(n.startswith(wanted) for n in names), "Depends names no %s package: %s" % (wanted, depends))
    errors, lintian_out = lintian_errors(deb)
    print("lintian:\n" + lintian_out.strip())
    check(not errors, "lintian reports errors: %s" % errors)
    home = tempfile.mkdtemp(prefix="coroner-deb-home-")
    files = []
    try:
        status, out, err = harness.run(["dpkg", "-i", deb])
        check(status == 0, "dpkg -i failed:\n%s\n%s" % (out, err))
        status, out, _ = harness.run(["dpkg", "-L", PACKAGE])
        files = [f for f in out.splitlines() if f.startswith("/")]
        check("/etc/gdb/gdbinit.d/coroner.py" in files and "/usr/lib/lldb/plugins/libcoroner-lldb.so" in files,
              "the loaders are not in the package: %s" % files)
        while_installed(binary, core, home)
    finally:
        removed = harness.run(["dpkg", "-r", PACKAGE])
    check(removed[0] == 0, "dpkg -r failed:\n%s\n%s" % removed[1:])
    after_removal(files, binary, core, home)
    os.rmdir(home)


if __name__ == "__main__":
    harness.main(test)
