"""The manual pages coroner(1) and coroner-commands(7): man renders both without a warning, and every option
that `--help` shows — each `coroner SUBCOMMAND --help`, and each pm-* command's `--help` in GDB and in LLDB —
is in its page with the same description (they are written from the same tables; this proves it stays so).

usage: man_pages.py BUILD-DIR GDB-SCRIPT LLDB-PLUGIN"""
import gzip
import os
import re

import harness
from harness import check

SUBCOMMANDS = ["triage", "unpack", "buckets", "check-postmortem", "report"]
OPTION = re.compile(r"^\s+((?:-[a-z],)?--[a-z-]+)\S*\s", re.M)


def rendered(page):
    status, out, err = harness.run(["man", "--warnings", "-l", page], env={"MANWIDTH": "200", "LC_ALL": "C.UTF-8"})
    check(status == 0, "man -l %s failed: %s" % (page, err))
    check(not err.strip(), "man warns about %s:\n%s" % (page, err))
    return out


def options_in(help_text):
    return sorted(set(OPTION.findall(help_text)))


def check_options(page_text, page, command, help_text):
    options = options_in(help_text)
    check(options, "no options found in %s --help:\n%s" % (command, help_text))
    section = page_text.split(command, 1)
    check(len(section) == 2, "%s is not in %s" % (command, page))
    for option in options:
        check(option in page_text, "%s of %s is in --help but not in %s" % (option, command, page))


def pm_helps(build, gdb_script, plugin):
    commands = ["pm-triage", "pm-blame-frame", "pm-threads", "pm-secrets-scan", "pm-redact", "pm-symbols", "pm-report"]
    status, out, err = harness.gdb(gdb_script, ["%s --help" % c for c in commands])
    check(status == 0, "gdb failed: %s" % err)
    gdb_parts = out.split("Usage: ")[1:]
    check(len(gdb_parts) == len(commands), "GDB printed %d helps for %d commands:\n%s" % (len(gdb_parts),
                                                                                          len(commands), out))
    status, lldb_out, err = harness.lldb(plugin, ["%s --help" % c for c in commands])
    check(status == 0, "lldb failed: %s" % err)
    return commands, gdb_parts, lldb_out.split("Usage: ")[1:]


def test(argv):
    build, gdb_script, plugin = argv
    program_page = os.path.join(build, "man/coroner.1.gz")
    commands_page = os.path.join(build, "man/coroner-commands.7.gz")
    for page in (program_page, commands_page):
        check(gzip.open(page).read().startswith(b".TH CORONER"), "%s is not a compressed manual page" % page)
    program_text, commands_text = rendered(program_page), rendered(commands_page)
    for sub in SUBCOMMANDS:
        status, out, err = harness.run([os.path.join(build, "coroner"), sub, "--help"])
        check(status == 0, "coroner %s --help failed: %s" % (sub, err))
        check_options(program_text, "coroner(1)", "coroner " + sub, out)
        description = out.splitlines()[0].strip()
        check(" ".join(description.split()) in " ".join(program_text.split()),
              "coroner %s's description %r is not in coroner(1)" % (sub, description))
    commands, gdb_helps, lldb_helps = pm_helps(build, gdb_script, plugin)
    check(len(lldb_helps) == len(commands), "LLDB printed %d helps: %s" % (len(lldb_helps), lldb_helps))
    for command, gdb_help, lldb_help in zip(commands, gdb_helps, lldb_helps):
        check(gdb_help.split()[0] == command, "GDB help out of order: %s" % gdb_help[:80])
        check(options_in(gdb_help) == options_in(lldb_help), "%s: GDB and LLDB help differ" % command)
        check_options(commands_text, "coroner-commands(7)", command, gdb_help)
    check("coroner-commands(7)" in program_text and "coroner(1)" in commands_text, "the pages do not name each other")


if __name__ == "__main__":
    harness.main(test)
