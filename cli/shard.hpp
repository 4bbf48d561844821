// `coroner triage --shard I/N`: one of N deterministic slices of the inputs, so that N machines (Slurm job
// array tasks, Kubernetes Indexed Job pods, hosts of GNU parallel) each triage their own part of one pile.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace coroner::cli {

struct Shard {
    unsigned index = 1;  // 1-based, as jest's and pytest's --shard
    unsigned count = 1;
};

// The environment variables `--shard auto` reads, by name (those set).
using ShardEnvironment = std::map<std::string, std::string>;

// "I/N" with 1 <= I <= N; throws UsageError (exit status 2) otherwise.
Shard parse_shard(const std::string& text);

// --shard auto: a Slurm array task's place in its array (SLURM_ARRAY_TASK_ID, _MIN, _COUNT, _STEP), or a
// Kubernetes Indexed Job's JOB_COMPLETION_INDEX (0-based) of `shards`. Throws UsageError when neither fits.
Shard shard_from_environment(const ShardEnvironment& environment, std::optional<std::string> shards);

// --shard SPEC [--shards N]: SPEC is "I/N" or "auto".
Shard resolve_shard(const std::string& spec, const std::optional<std::string>& shards,
                    const ShardEnvironment& environment);

// The variables of this process's environment that shard_from_environment reads.
ShardEnvironment shard_environment();

// The shard's inputs: all of them sorted by path (byte order, so every machine agrees), then every N-th
// from the (I-1)-th on, so that the slices differ in size by one at most.
std::vector<std::string> shard_inputs(std::vector<std::string> inputs, const Shard& shard);

}  // namespace coroner::cli
