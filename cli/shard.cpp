#include "shard.hpp"

#include "usage_error.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>

namespace coroner::cli {
namespace {

constexpr unsigned max_shards = 1000000;

// A whole decimal number (no sign, no spaces, at most max_shards), or nothing.
std::optional<unsigned> whole_number(const std::string& text) {
    if (text.empty() || text.size() > 7) return std::nullopt;
    if (!std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) return std::nullopt;
    unsigned long value = std::stoul(text);
    if (value > max_shards) return std::nullopt;
    return static_cast<unsigned>(value);
}

const std::string* find(const ShardEnvironment& environment, const char* name) {
    auto it = environment.find(name);
    return it == environment.end() ? nullptr : &it->second;
}

unsigned environment_number(const ShardEnvironment& environment, const char* name, const char* remedy) {
    const std::string* text = find(environment, name);
    if (!text) throw UsageError(fmt::format("--shard auto: {} is not set", name), remedy);
    auto value = whole_number(*text);
    if (!value) throw UsageError(fmt::format("--shard auto: {}={} is not a whole number", name, *text), remedy);
    return *value;
}

unsigned shard_count(const std::string& text, const char* what) {
    auto count = whole_number(text);
    if (!count || *count == 0)
        throw UsageError(fmt::format("{}: the number of shards must be a whole number from 1 to {}", what, max_shards),
                         "give --shard I/N with 1 <= I <= N, e.g. --shard 2/3");
    return *count;
}

Shard slurm_shard(const ShardEnvironment& environment, const std::optional<std::string>& shards) {
    const char* remedy = "run it as a task of a Slurm job array (sbatch --array=0-2), or give --shard I/N";
    unsigned id = environment_number(environment, "SLURM_ARRAY_TASK_ID", remedy);
    unsigned first = environment_number(environment, "SLURM_ARRAY_TASK_MIN", remedy);
    unsigned count = environment_number(environment, "SLURM_ARRAY_TASK_COUNT", remedy);
    unsigned step = find(environment, "SLURM_ARRAY_TASK_STEP")
                        ? environment_number(environment, "SLURM_ARRAY_TASK_STEP", remedy)
                        : 1;
    if (count == 0 || step == 0)
        throw UsageError(fmt::format("--shard auto: SLURM_ARRAY_TASK_COUNT={}, SLURM_ARRAY_TASK_STEP={}", count, step),
                         remedy);
    // Task ids must be first, first+step, ... (an --array range); a list such as 1,5,9 leaves gaps.
    if (id < first || (id - first) % step != 0 || (id - first) / step >= count)
        throw UsageError(fmt::format("--shard auto: array task {} is not one of {} tasks from {} in steps of {}", id,
                                     count, first, step),
                         "submit the array as a range, e.g. sbatch --array=0-2, or give --shard I/N");
    if (shards && shard_count(*shards, "--shards") != count)
        throw UsageError(fmt::format("--shards {} differs from SLURM_ARRAY_TASK_COUNT={}", *shards, count),
                         "leave --shards out in a Slurm job array: the array's size is the number of shards");
    return {(id - first) / step + 1, count};
}

Shard indexed_job_shard(const std::string& index_text, const std::optional<std::string>& shards) {
    if (!shards)
        throw UsageError("--shard auto: JOB_COMPLETION_INDEX is set but --shards is not",
                         "give --shards N, the Indexed Job's completions");
    unsigned count = shard_count(*shards, "--shards");
    auto index = whole_number(index_text);
    if (!index || *index >= count)
        throw UsageError(
            fmt::format("--shard auto: JOB_COMPLETION_INDEX={} is not an index from 0 to {}", index_text, count - 1),
            "give --shards the Indexed Job's completions");
    return {*index + 1, count};
}

}  // namespace

Shard parse_shard(const std::string& text) {
    const char* remedy = "give --shard I/N with 1 <= I <= N, e.g. --shard 2/3, or --shard auto";
    std::size_t slash = text.find('/');
    if (slash == std::string::npos) throw UsageError(fmt::format("--shard {}: not of the form I/N", text), remedy);
    auto index = whole_number(text.substr(0, slash));
    auto count = whole_number(text.substr(slash + 1));
    if (!index || !count) throw UsageError(fmt::format("--shard {}: not of the form I/N", text), remedy);
    if (*count == 0 || *index == 0 || *index > *count)
        throw UsageError(fmt::format("--shard {}: the shard must be from 1 to N (1-based)", text), remedy);
    return {*index, *count};
}

Shard shard_from_environment(const ShardEnvironment& environment, std::optional<std::string> shards) {
    if (find(environment, "SLURM_ARRAY_TASK_ID")) return slurm_shard(environment, shards);
    if (const std::string* index = find(environment, "JOB_COMPLETION_INDEX")) return indexed_job_shard(*index, shards);
    throw UsageError("--shard auto: neither SLURM_ARRAY_TASK_ID nor JOB_COMPLETION_INDEX is set",
                     "run it as a task of a Slurm job array or a pod of a Kubernetes Indexed Job (with --shards N), "
                     "or give --shard I/N");
}

Shard resolve_shard(const std::string& spec, const std::optional<std::string>& shards,
                    const ShardEnvironment& environment) {
    if (spec == "auto") return shard_from_environment(environment, shards);
    if (shards)
        throw UsageError(fmt::format("--shards {} goes with --shard auto, not --shard {}", *shards, spec),
                         "give either --shard I/N or --shard auto --shards N");
    return parse_shard(spec);
}

ShardEnvironment shard_environment() {
    ShardEnvironment environment;
    for (const char* name : {"SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_MIN", "SLURM_ARRAY_TASK_COUNT",
                             "SLURM_ARRAY_TASK_STEP", "JOB_COMPLETION_INDEX"})
        if (const char* value = std::getenv(name)) environment[name] = value;
    return environment;
}

std::vector<std::string> shard_inputs(std::vector<std::string> inputs, const Shard& shard) {
    std::sort(inputs.begin(), inputs.end());
    std::vector<std::string> slice;
    for (std::size_t i = shard.index - 1; i < inputs.size(); i += shard.count) slice.push_back(inputs[i]);
    return slice;
}

}  // namespace coroner::cli
