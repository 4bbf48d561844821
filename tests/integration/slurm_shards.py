"""`coroner triage --shard` over the crash lab.

    slurm_shards.py local CORONER GDB-SCRIPT CORES-FOLDER
        --shard 1/3, 2/3 and 3/3 run here: together they triage exactly the inputs of the unsharded run, none
        twice, each row as the unsharded run has it; --shard auto from a Slurm array task's and a Kubernetes
        Indexed Job pod's environment; bad shards are one usage error line (exit status 2).
    slurm_shards.py slurm CORONER GDB-SCRIPT CORES-FOLDER JOB-SCRIPT
        A whole single-node Slurm cluster started here (munged with its own key and socket, slurmctld and
        slurmd on loopback ports, all files in one temporary folder), the job script docs/fleet.md gives
        submitted as a 3-task array with `sbatch --wait`: the merged shards' rows equal the local run's (timing
        aside), and `coroner buckets --json` over the shards is the local run's byte for byte. Every daemon
        started here is stopped by its pid, on failure too, and no file is left behind.
"""
import difflib
import json
import os
import re
import shutil
import signal
import socket
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

        # The three shards, each asked for another way: 1/3 as given; 2/3 as the second pod of a Kubernetes
        # Indexed Job (JOB_COMPLETION_INDEX is 0-based); 3/3 as the third task of a Slurm array 1-3, into --out.
        shards = []
        for index, args, extra in [
                (1, ["--shard", "1/3"], {}),
                (2, ["--shard", "auto", "--shards", "3"], {"JOB_COMPLETION_INDEX": "1"}),
                (3, ["--shard", "auto", "--out", os.path.join(scratch, "shard-3.jsonl")],
                 {"SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_COUNT": "3"})]:
            status, out, err = run(triage + args + [cores], dict(env, **extra))
            check(status == 0, "%s %s: exit %d\n%s" % (args, extra, status, err))
            if "--out" in args:
                check(out == "", "%s: rows on stdout with --out" % args)
                with open(args[-1]) as f:
                    out = f.read()
            shards.append(read_rows(out, "shard %d" % index))
            want = "shard %d/3: %d of %d inputs" % (index, len(shards[-1]), len(local))
            check(want in summary(err), "%s %s: summary %r lacks %r" % (args, extra, summary(err), want))
        sizes = [len(rows) for rows in shards]
        check(max(sizes) - min(sizes) <= 1, "unbalanced shards: %s" % sizes)
        same_rows(shards, local, "--shard 1/3, 2/3, 3/3")
        # The slices are round-robin over the sorted paths.
        ordered = sorted(row["input"] for row in local)
        for index, rows in enumerate(shards):
            check(sorted(row["input"] for row in rows) == ordered[index::3], "shard %d/3 is not every third input "
                  "from the %d-th" % (index + 1, index + 1))
        check(os.listdir(tmpdir) == [], "temporary files left: %s" % os.listdir(tmpdir))
        print("%d inputs, shards of %s; unsharded run %.1f s" % (len(local), sizes, local_seconds))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def memory_mib():
    """The machine's memory as slurmd counts it (MemTotal), so that jobs may ask for memory per CPU."""
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) // 1024
    raise harness.Failure("no MemTotal in /proc/meminfo")


def last_lines(path, count=25):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-count:])
    except OSError as error:
        return "(%s)\n" % error


class Cluster:
    """munged, slurmctld and slurmd of one node, run in the foreground as children of this test, every file in
    `folder`."""

    def __init__(self, folder):
        self.folder = folder
        self.daemons = []  # (name, Popen, log files)
        self.conf = os.path.join(folder, "slurm.conf")
        self.socket = os.path.join(folder, "munge.socket")
        self.node = socket.gethostname().split(".")[0] or "localhost"

    def path(self, name):
        return os.path.join(self.folder, name)

    def env(self, **extra):
        return clean_environment(SLURM_CONF=self.conf, **extra)

    def logs(self):
        text = ""
        for name, process, logs in self.daemons:
            state = "running" if process.poll() is None else "exited with status %s" % process.returncode
            for log in logs:
                text += "--- %s (pid %d, %s): last lines of %s\n%s" % (name, process.pid, state, log,
                                                                     last_lines(log))
        return text

    def start(self, name, argv, logs, ready, seconds=20):
        """Starts a daemon and waits until ready() says it serves; fails with its last log lines if it exits
        or is not ready in time."""
        output = self.path(name + ".out")
        with open(output, "w") as out:
            process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                       env=self.env(), start_new_session=True)
        self.daemons.append((name, process, [output] + logs))
        deadline = time.time() + seconds
        while time.time() < deadline:
            if process.poll() is not None:
                raise harness.Failure("%s did not start: it exited with status %d\n%s" % (name, process.returncode,
                                                                                          self.logs()))
            if ready():
                return
            time.sleep(0.2)
        raise harness.Failure("%s did not start in %d s\n%s" % (name, seconds, self.logs()))

    def write_conf(self):
        # MinJobAge=0 (keep every job's record: the cluster lives for one array): sbatch --wait then polls every
        # 2 s; with the default (300) it polls after 2, 8 and then every 32 s, which made a 25 s array take 42 s.
        with open(self.conf, "w") as f:
            f.write(f"""ClusterName=coronertest
SlurmctldHost={self.node}(127.0.0.1)
SlurmctldPort={free_port()}
SlurmdPort={free_port()}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket={self.socket}
StateSaveLocation={self.path("state")}
SlurmdSpoolDir={self.path("spool")}
SlurmctldPidFile={self.path("slurmctld.pid")}
SlurmdPidFile={self.path("slurmd.pid")}
SlurmctldLogFile={self.path("slurmctld.log")}
SlurmdLogFile={self.path("slurmd.log")}
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SwitchType=switch/none
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
MinJobAge=0
NodeName={self.node} NodeAddr=127.0.0.1 CPUs={os.cpu_count()} RealMemory={memory_mib()} State=UNKNOWN
PartitionName=debug Nodes={self.node} Default=YES MaxTime=INFINITE State=UP
""")

    def node_idle(self):
        status, out, _ = run(["sinfo", "--noheader", "--Node", "--format=%T"], self.env(), timeout=10)
        return status == 0 and out.strip() == "idle"

    def boot(self):
        os.chmod(self.folder, 0o755)  # munged wants its socket's folder searchable by all
        for sub in ("state", "spool"):
            os.mkdir(self.path(sub), 0o700)
        key = self.path("munge.key")
        status, _, err = run(["dd", "if=/dev/urandom", "of=" + key, "bs=1024", "count=1"], self.env(), timeout=10)
        check(status == 0, "dd: %s" % err)
        os.chmod(key, 0o400)
        self.write_conf()
        self.start("munged", ["munged", "--foreground", "--key-file=" + key, "--socket=" + self.socket,
                              "--pid-file=" + self.path("munged.pid"), "--log-file=" + self.path("munged.log"),
                              "--seed-file=" + self.path("munged.seed")],
                   [self.path("munged.log")], lambda: os.path.exists(self.socket))
        self.start("slurmctld", ["slurmctld", "-D", "-i", "-f", self.conf], [self.path("slurmctld.log")],
                   lambda: run(["scontrol", "ping"], self.env(), timeout=10)[1].find("is UP") >= 0)
        self.start("slurmd", ["slurmd", "-D", "-N", self.node, "-f", self.conf], [self.path("slurmd.log")],
                   self.node_idle)

    def stop(self):
        """Every daemon started here, by its pid, newest first; then any process left of a job (slurmstepd,
        the job's shell and what it ran: they carry this cluster's SLURM_CONF)."""
        for name, process, _ in reversed(self.daemons):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        for pid in jobs_left(self.conf):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def jobs_left(conf):
    mine = ("SLURM_CONF=%s" % conf).encode()
    pids = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open("/proc/%s/environ" % pid, "rb") as f:
                if mine in f.read().split(b"\0") and int(pid) != os.getpid():
                    pids.append(int(pid))
        except OSError:
            pass
    return pids


def slurm_test(coroner, script, cores, job_script):
    tools = ("munged", "slurmctld", "slurmd", "sbatch", "sinfo", "scontrol")
    missing = [tool for tool in tools if not shutil.which(tool)]
    check(not missing, "%s not found: install slurm-wlm and munge (scripts/install-deps.sh)" % ", ".join(missing))
    check(os.geteuid() == 0, "the Slurm test runs its cluster as root (SlurmUser=root): run it as root")
    with open(job_script) as f, open(os.path.join(os.path.dirname(job_script), "..", "fleet.md")) as doc:
        check(f.read() in doc.read(), "docs/fleet.md does not show %s as it is" % job_script)
    scratch = tempfile.mkdtemp(prefix="coroner-slurm-")
    os.chmod(scratch, 0o711)  # munged wants every folder above its socket searchable by all
    cluster = Cluster(os.path.join(scratch, "cluster"))
    os.mkdir(cluster.folder)
    try:
        work, tmpdir = os.path.join(scratch, "work"), os.path.join(scratch, "tmp")
        os.mkdir(work)
        os.mkdir(tmpdir)
        started = time.time()
        local_out = os.path.join(work, "local.jsonl")
        # The local run while the cluster starts (the daemons take a few seconds of waiting, little CPU).
        local = subprocess.Popen([coroner, "triage", "--gdb-script", script, "--out", local_out, cores],
                                 stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                 env=clean_environment(TMPDIR=tmpdir))
        try:
            cluster.boot()
            booted = time.time() - started
            # The recipe of docs/fleet.md, as written there (CORONER names this build's coroner).
            argv = ["sbatch", "--wait", "--array=0-2", "--chdir=" + work, "--output=" + work + "/slurm-%A_%a.out",
                    job_script, "--gdb-script", script, cores]
            status, out, err = run(argv, cluster.env(CORONER=coroner, TMPDIR=tmpdir), timeout=240)
            job = re.search(r"Submitted batch job (\d+)", out)
            if status != 0:
                task_logs = "".join("--- %s\n%s" % (name, last_lines(os.path.join(work, name)))
                                    for name in sorted(os.listdir(work)) if name.startswith("slurm-"))
                raise harness.Failure("sbatch --wait: exit %d\n%s%s\n%s%s" % (status, out, err, task_logs,
                                                                               cluster.logs()))
            check(job, "sbatch said %r" % out)
            ran = time.time() - started
        except BaseException:
            local.kill()
            local.wait()
            raise
        local_err = local.communicate(timeout=300)[1]
        check(local.returncode == 0, "the local run: exit %d\n%s" % (local.returncode, local_err))
        with open(local_out) as f:
            local_rows = read_rows(f.read(), "local")
        shards = []
        for task in range(3):
            with open(os.path.join(work, "shard-%d.jsonl" % task)) as f:
                shards.append(read_rows(f.read(), "shard %d" % task))
            with open(os.path.join(work, "slurm-%s_%d.out" % (job.group(1), task))) as f:
                said = summary(f.read())
            check("shard %d/3" % (task + 1) in said, "task %d's summary %r names another shard" % (task, said))
        same_rows(shards, local_rows, "a Slurm array of 3")
        # The report a team reads: the shards' bucket report is the local run's, byte for byte.
        shard_files = [os.path.join(work, "shard-%d.jsonl" % task) for task in range(3)]
        status, merged, err = run([coroner, "buckets", "--json"] + shard_files, clean_environment())
        check(status == 0, "coroner buckets over the shards: exit %d\n%s" % (status, err))
        status, alone, err = run([coroner, "buckets", "--json", local_out], clean_environment())
        check(status == 0, "coroner buckets over the local run: exit %d\n%s" % (status, err))
        check(json.loads(merged)["schema"] == "coroner.buckets/1", "buckets schema: %s" % merged[:200])
        check(merged == alone, "the buckets of the 3 shards differ from the local run's:\n%s" %
              "".join(difflib.unified_diff(alone.splitlines(True), merged.splitlines(True), "local", "shards")))
        check(os.listdir(tmpdir) == [], "temporary files left: %s" % os.listdir(tmpdir))
        print("%d inputs in shards of %s; cluster up in %.1f s, array done at %.1f s, all %.1f s" %
              (len(local_rows), [len(rows) for rows in shards], booted, ran, time.time() - started))
    finally:
        cluster.stop()
        shutil.rmtree(scratch, ignore_errors=True)
    left = [name for name, process, _ in cluster.daemons if process.poll() is None]
    check(not left, "daemons still running: %s" % left)
    check(not jobs_left(cluster.conf), "processes of the cluster's jobs still running")
    check(not os.path.exists(scratch), "%s is left" % scratch)


def test(argv):
    mode = argv[0]
    coroner, script, cores = (os.path.abspath(path) for path in argv[1:4])  # the Slurm tasks run elsewhere
    if mode == "local":
        local_test(coroner, script, cores)
    else:
        slurm_test(coroner, script, cores, os.path.abspath(argv[4]))


if __name__ == "__main__":
    harness.main(test)
