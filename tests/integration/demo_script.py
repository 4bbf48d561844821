"""The README's first command, `bash scripts/demo.sh`, run as a user runs it: it builds its own small tree
(a unity build at -O1, which also proves the sources still build that way), crashes the bundled program and
must show the pm-triage screen in GDB and in LLDB, the JSON line, and its timing line.

usage: demo_script.py SOURCE-DIR WORK-DIR"""
import json
import os
import re
import shutil

import harness
from harness import check

SCREEN = ["SIGSEGV (SEGV_MAPERR, segmentation fault): null-deref",
          "blame    #0 get_total at null_field_read.c:13: first frame in the program's own code",
          "  #2   0x"]


def test(argv):
    source, work = argv
    shutil.rmtree(work, ignore_errors=True)
    try:
        status, out, err = harness.run(["bash", os.path.join(source, "scripts/demo.sh")], timeout=1200,
                                       env={"DEMO_BUILD_DIR": work})
        check(status == 0, "demo.sh exited %d:\n%s\n%s" % (status, out[-3000:], err[-3000:]))
        gdb_part, _, lldb_part = out.partition("(lldb) pm-triage")
        check(lldb_part, "no LLDB pm-triage screen:\n%s" % out)
        for line in SCREEN:
            check(line in gdb_part, "GDB's screen lacks %r:\n%s" % (line, gdb_part))
            check(line in lldb_part, "LLDB's screen lacks %r:\n%s" % (line, lldb_part))
        triage = [json.loads(l) for l in out.splitlines() if l.startswith("{")]
        check(len(triage) == 1 and triage[0]["cause"]["class"] == "null-deref", "no JSON line: %s" % triage)
        check(re.search(r"^demo: packages \d+ s, build \d+ s, pm-triage on screen \d+ s after the start$", out,
                        re.M), "no timing line:\n%s" % out[-500:])
        check("Traceback" not in out + err, "a traceback:\n%s" % err)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    harness.main(test)
