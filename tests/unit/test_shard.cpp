// coroner triage --shard: the slices of a pile of inputs, and the shard that --shard auto reads from a Slurm
// array task's or a Kubernetes Indexed Job pod's environment.
#include "shard.hpp"

#include "coroner/base/error.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <set>
#include <tuple>

using coroner::UserError;
using coroner::cli::parse_shard;
using coroner::cli::resolve_shard;
using coroner::cli::Shard;
using coroner::cli::shard_from_environment;
using coroner::cli::shard_inputs;
using coroner::cli::ShardEnvironment;

namespace {

std::vector<std::string> numbered(int count) {
    std::vector<std::string> paths;
    for (int i = 0; i < count; ++i) paths.push_back("/cores/" + std::to_string(1000 + i) + ".core");
    return paths;
}

// The error text of a call that must fail, or "" when it did not.
template <typename Call>
std::string error_of(Call call) {
    try {
        call();
    } catch (const UserError& error) {
        return std::string(error.what()) + " (" + error.remedy() + ")";
    }
    return "";
}

bool starts_with(const std::string& text, const std::string& start) { return text.rfind(start, 0) == 0; }

}  // namespace

TEST_CASE("shards: every input in exactly one of N slices, which differ in size by one at most") {
    for (int inputs : {0, 1, 2, 7, 100}) {
        for (unsigned count : {1u, 2u, 3u, 8u}) {
            std::multiset<std::string> seen;
            std::size_t smallest = SIZE_MAX, largest = 0;
            for (unsigned index = 1; index <= count; ++index) {
                auto slice = shard_inputs(numbered(inputs), Shard{index, count});
                seen.insert(slice.begin(), slice.end());
                smallest = std::min(smallest, slice.size());
                largest = std::max(largest, slice.size());
            }
            auto all = numbered(inputs);
            CHECK(seen == std::multiset<std::string>(all.begin(), all.end()));
            CHECK(largest - smallest <= 1);
        }
    }
}

TEST_CASE("shards: the slices are taken in path order, whatever the order the inputs came in") {
    std::vector<std::string> given = {"/b/2.core", "/a/9.core", "/b/10.core", "/a/10.core", "/c.core"};
    // Byte order: "/a/10.core" < "/a/9.core" < "/b/10.core" < "/b/2.core" < "/c.core"; round-robin from there.
    CHECK(shard_inputs(given, {1, 2}) == std::vector<std::string>{"/a/10.core", "/b/10.core", "/c.core"});
    CHECK(shard_inputs(given, {2, 2}) == std::vector<std::string>{"/a/9.core", "/b/2.core"});
    std::vector<std::string> reversed(given.rbegin(), given.rend());
    CHECK(shard_inputs(reversed, {2, 2}) == shard_inputs(given, {2, 2}));
    CHECK(shard_inputs(given, {1, 1}).size() == given.size());
    CHECK(shard_inputs(given, {7, 7}).empty());
}

TEST_CASE("shards: I/N is 1-based and checked") {
    CHECK(parse_shard("1/3").index == 1);
    CHECK(parse_shard("3/3").index == 3);
    CHECK(parse_shard("3/3").count == 3);
    CHECK(parse_shard("1/1").count == 1);
    for (const char* bad : {"0/3", "4/3", "1/0", "0/0", "3", "a/3", "1/b", "-1/3", "1/-3", "+1/3", " 1/3", "1/3/4", "",
                            "/", "1/", "/3", "1.0/3", "99999999/99999999"}) {
        std::string error = error_of([&] { parse_shard(bad); });
        CHECK_MESSAGE(error.rfind(std::string("--shard ") + bad + ":", 0) == 0, bad, ": ", error);
        CHECK(error.find("give --shard I/N") != std::string::npos);
    }
}

TEST_CASE("shards: --shard auto in a Slurm job array, whatever its first task id") {
    auto task = [](const char* id, const char* first, const char* count) {
        return ShardEnvironment{
            {"SLURM_ARRAY_TASK_ID", id}, {"SLURM_ARRAY_TASK_MIN", first}, {"SLURM_ARRAY_TASK_COUNT", count}};
    };
    auto error = [&](const ShardEnvironment& environment, std::optional<std::string> shards = std::nullopt) {
        return error_of([&] { shard_from_environment(environment, shards); });
    };
    // --array=0-2 and --array=1-3: the same three shards.
    for (auto [id, first, want] :
         {std::tuple{"0", "0", 1u}, std::tuple{"2", "0", 3u}, std::tuple{"1", "1", 1u}, std::tuple{"3", "1", 3u}}) {
        Shard shard = shard_from_environment(task(id, first, "3"), std::nullopt);
        CHECK(shard.index == want);
        CHECK(shard.count == 3);
    }
    // --array=0-8:4 (tasks 0, 4, 8).
    auto stepped = task("4", "0", "3");
    stepped["SLURM_ARRAY_TASK_STEP"] = "4";
    CHECK(shard_from_environment(stepped, std::nullopt).index == 2);
    CHECK(shard_from_environment(task("1", "0", "3"), std::string("3")).index == 2);

    CHECK(starts_with(error(task("3", "0", "3")), "--shard auto: array task 3 is not one of 3 tasks from 0"));
    CHECK(starts_with(error(task("0", "1", "3")), "--shard auto: array task 0 is not one of 3 tasks from 1"));
    stepped["SLURM_ARRAY_TASK_ID"] = "5";
    CHECK(starts_with(error(stepped), "--shard auto: array task 5 is not one of 3 tasks from 0 in steps of 4"));
    CHECK(error(task("x", "0", "3")) ==
          "--shard auto: SLURM_ARRAY_TASK_ID=x is not a whole number (run it as a task of a Slurm job array "
          "(sbatch --array=0-2), or give --shard I/N)");
    CHECK(starts_with(error(task("0", "0", "0")), "--shard auto: SLURM_ARRAY_TASK_COUNT=0"));
    CHECK(starts_with(error({{"SLURM_ARRAY_TASK_ID", "0"}}), "--shard auto: SLURM_ARRAY_TASK_MIN is not set"));
    CHECK(starts_with(error(task("1", "0", "3"), "4"), "--shards 4 differs from SLURM_ARRAY_TASK_COUNT=3"));
}

TEST_CASE("shards: --shard auto in a Kubernetes Indexed Job, JOB_COMPLETION_INDEX 0-based, with --shards") {
    auto pod = [](const char* index) { return ShardEnvironment{{"JOB_COMPLETION_INDEX", index}}; };
    auto error = [&](const ShardEnvironment& environment, std::optional<std::string> shards) {
        return error_of([&] { shard_from_environment(environment, shards); });
    };
    CHECK(shard_from_environment(pod("0"), std::string("4")).index == 1);
    CHECK(shard_from_environment(pod("3"), std::string("4")).index == 4);
    CHECK(shard_from_environment(pod("3"), std::string("4")).count == 4);
    CHECK(starts_with(error(pod("4"), "4"), "--shard auto: JOB_COMPLETION_INDEX=4 is not an index from 0 to 3"));
    CHECK(starts_with(error(pod("-1"), "4"), "--shard auto: JOB_COMPLETION_INDEX=-1 is not an index"));
    CHECK(starts_with(error(pod("0"), "0"), "--shards: the number of shards must be a whole number from 1"));
    CHECK(starts_with(error(pod("0"), "two"), "--shards: the number of shards must be a whole number from 1"));
    CHECK(starts_with(error(pod("0"), std::nullopt), "--shard auto: JOB_COMPLETION_INDEX is set but --shards is not"));
    CHECK(starts_with(error({}, "4"), "--shard auto: neither SLURM_ARRAY_TASK_ID nor JOB_COMPLETION_INDEX is set"));
}

TEST_CASE("shards: --shards goes with --shard auto only") {
    CHECK(resolve_shard("2/5", std::nullopt, {{"JOB_COMPLETION_INDEX", "0"}}).index == 2);
    CHECK(resolve_shard("auto", std::string("5"), {{"JOB_COMPLETION_INDEX", "0"}}).index == 1);
    std::string both = error_of([] { resolve_shard("2/5", std::string("5"), {}); });
    CHECK(starts_with(both, "--shards 5 goes with --shard auto, not --shard 2/5"));
}
