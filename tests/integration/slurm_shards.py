"""`coroner triage --shard` over the crash lab.

    slurm_shards.py local CORONER GDB-SCRIPT CORES-FOLDER
        --shard 1/3, 2/3 and 3/3 run here: together they triage exactly the inputs of the unsharded run, none
        twice, each row as the unsharded run has it; --shard auto from a Slurm array task's and a Kubernetes
        Indexed Job pod's environment; bad shards are one usage error line (exit status 2).
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import harness
from harness import check

TIMING_FIELDS = ("seconds",)


def clean_environment(**extra):
    """This environment without any shard or Slurm variable (the test may itself run in a Slurm job or a pod)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SLURM_", "SBATCH_", "SALLOC_", "SRUN_")) and k != "JOB_COMPLETION_INDEX"}
    env.update(extra)
    return env


def run(argv, env, timeout=300, cwd=None):
    try:
        p = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True, errors="replace",
                           timeout=timeout, cwd=cwd, env=env)
    except subprocess.TimeoutExpired:
        raise harness.Failure("timed out after %ds: %s" % (timeout, " ".join(argv)))
    return p.returncode, p.stdout, p.stderr


def read_rows(text, source):
    rows = []
    for line in text.splitlines():
        row = json.loads(line)
        check(row.get("schema") == "coroner.batch/1", "%s: a row of schema %s" % (source, row.get("schema")))
        rows.append(row)
    return rows


def without_timing(row):
    return {k: v for k, v in row.items() if k not in TIMING_FIELDS}


def same_rows(shard_rows, local_rows, what):
    """Every input once over all shards, and the merged rows, sorted by input, equal the local run's."""
    inputs = [row["input"] for rows in shard_rows for row in rows]
    local_inputs = sorted(row["input"] for row in local_rows)
    twice = sorted({i for i in inputs if inputs.count(i) > 1})
    check(not twice, "%s: inputs in more than one shard: %s" % (what, twice))
    check(sorted(inputs) == local_inputs, "%s: the shards triaged %d inputs, the local run %d: missing %s, extra %s"
          % (what, len(inputs), len(local_inputs), sorted(set(local_inputs) - set(inputs)),
             sorted(set(inputs) - set(local_inputs))))
    merged = sorted((without_timing(row) for rows in shard_rows for row in rows), key=lambda r: r["input"])
    local = sorted((without_timing(row) for row in local_rows), key=lambda r: r["input"])
    for got, want in zip(merged, local):
        check(got == want, "%s: the shard's row for %s differs from the local run's:\n%s\n%s" %
              (what, got["input"], json.dumps(got, sort_keys=True), json.dumps(want, sort_keys=True)))


def summary(stderr):
    lines = stderr.strip().splitlines()
    return lines[-1] if lines else ""


def local_test(coroner, script, cores):
    scratch = tempfile.mkdtemp(prefix="coroner-shards-")
    try:
        tmpdir = os.path.join(scratch, "tmp")
        os.mkdir(tmpdir)
        env = clean_environment(TMPDIR=tmpdir)
        triage = [coroner, "triage", "--gdb-script", script, "-j2"]

        # Usage errors: one line, exit status 2, before any input is read.
        for args, extra, want in [
                (["--shard", "4/3"], {}, "--shard 4/3: the shard must be from 1 to N"),
                (["--shard", "0/3"], {}, "--shard 0/3: the shard must be from 1 to N"),
                (["--shard", "1/0"], {}, "--shard 1/0: the shard must be from 1 to N"),
                (["--shard", "one/3"], {}, "--shard one/3: not of the form I/N"),
                (["--shard", "2"], {}, "--shard 2: not of the form I/N"),
                (["--shard", "auto"], {}, "--shard auto: neither SLURM_ARRAY_TASK_ID nor JOB_COMPLETION_INDEX"),
                (["--shard", "auto"], {"SLURM_ARRAY_TASK_ID": "1"}, "SLURM_ARRAY_TASK_MIN is not set"),
                (["--shard", "auto"], {"SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_MIN": "0",
                                       "SLURM_ARRAY_TASK_COUNT": "3"}, "array task 3 is not one of 3 tasks"),
                (["--shard", "auto"], {"SLURM_ARRAY_TASK_ID": "x", "SLURM_ARRAY_TASK_MIN": "0",
                                       "SLURM_ARRAY_TASK_COUNT": "3"}, "SLURM_ARRAY_TASK_ID=x is not a whole"),
                (["--shard", "auto"], {"JOB_COMPLETION_INDEX": "0"}, "JOB_COMPLETION_INDEX is set but --shards"),
                (["--shard", "auto", "--shards", "3"], {"JOB_COMPLETION_INDEX": "3"},
                 "JOB_COMPLETION_INDEX=3 is not an index from 0 to 2"),
                (["--shards", "3"], {}, "--shards 3 without --shard auto"),
                (["--shard", "1/3", "--shards", "3"], {}, "--shards 3 goes with --shard auto")]:
            status, out, err = run(triage + args + ["-"], dict(env, **extra))
            check(status == 2 and out == "" and err.count("\n") == 1 and err.startswith("coroner: error: ") and
                  want in err and re.search(r"\(.+\)\n$", err),
                  "%s %s: exit %d, stderr %r (want one usage error line with %r)" % (args, extra, status, err, want))

        started = time.time()
        status, out, err = run(triage + [cores], env)
        local_seconds = time.time() - started
        check(status == 0, "the unsharded run: exit %d\n%s" % (status, err))
        local = read_rows(out, "unsharded")
        check(len(local) >= 30, "only %d rows over the crash lab" % len(local))
        check("shard" not in summary(err), "an unsharded run's summary names a shard: %r" % summary(err))

        # 1/3 and 2/3 as given; 3/3 as the third task of a Slurm array 1-3 (--shard auto) writing --out.
        shards = []
        for index in (1, 2):
            status, out, err = run(triage + ["--shard", "%d/3" % index, cores], env)
            check(status == 0, "--shard %d/3: exit %d\n%s" % (index, status, err))
            shards.append(read_rows(out, "shard %d" % index))
            want = "shard %d/3: %d of %d inputs" % (index, len(shards[-1]), len(local))
            check(want in summary(err), "--shard %d/3: summary %r lacks %r" % (index, summary(err), want))
        out_file = os.path.join(scratch, "shard-3.jsonl")
        status, out, err = run(triage + ["--shard", "auto", "--out", out_file, cores],
                               dict(env, SLURM_ARRAY_TASK_ID="3", SLURM_ARRAY_TASK_MIN="1", SLURM_ARRAY_TASK_COUNT="3"))
        check(status == 0 and out == "", "--shard auto (Slurm task 3 of 1-3): exit %d\n%s" % (status, err))
        with open(out_file) as f:
            shards.append(read_rows(f.read(), "shard 3"))
        check("shard 3/3" in summary(err), "--shard auto as task 3 of 1-3: summary %r" % summary(err))
        sizes = [len(rows) for rows in shards]
        check(max(sizes) - min(sizes) <= 1, "unbalanced shards: %s" % sizes)
        same_rows(shards, local, "--shard 1/3, 2/3, 3/3")
        # The slices are round-robin over the sorted paths.
        ordered = sorted(row["input"] for row in local)
        for index, rows in enumerate(shards):
            check(sorted(row["input"] for row in rows) == ordered[index::3], "shard %d/3 is not every third input "
                  "from the %d-th" % (index + 1, index + 1))

        # A Kubernetes Indexed Job pod: JOB_COMPLETION_INDEX is 0-based.
        status, out, err = run(triage + ["--shard", "auto", "--shards", "3", cores],
                               dict(env, JOB_COMPLETION_INDEX="1"))
        check(status == 0 and sorted(r["input"] for r in read_rows(out, "pod 1")) == ordered[1::3],
              "JOB_COMPLETION_INDEX=1 --shards 3: exit %d, not shard 2/3\n%s" % (status, err))
        check(os.listdir(tmpdir) == [], "temporary files left: %s" % os.listdir(tmpdir))
        print("%d inputs, shards of %s; unsharded run %.1f s" % (len(local), sizes, local_seconds))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def test(argv):
    mode = argv[0]
    coroner, script, cores = (os.path.abspath(path) for path in argv[1:4])
    check(mode == "local", "mode %s" % mode)
    local_test(coroner, script, cores)


if __name__ == "__main__":
    harness.main(test)
