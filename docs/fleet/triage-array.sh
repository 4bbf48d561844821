#!/bin/sh
# coroner triage as a Slurm job array: each task triages its slice of the cores (--shard auto reads
# SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_MIN and SLURM_ARRAY_TASK_COUNT) and writes shard-<task id>.jsonl
# into the job's working folder. Usage:
#   sbatch --wait --array=0-2 triage-array.sh [coroner triage options] CORES...
#SBATCH --job-name=coroner-triage
#SBATCH --cpus-per-task=1
#SBATCH --mem-per-cpu=768M
coroner=${CORONER:-coroner}
# Exit status 1 means some cores failed to triage: their rows say why, so the task still succeeded.
"$coroner" triage --shard auto -j "${SLURM_CPUS_PER_TASK:-1}" --out "shard-$SLURM_ARRAY_TASK_ID.jsonl" "$@" ||
    [ $? -eq 1 ]
