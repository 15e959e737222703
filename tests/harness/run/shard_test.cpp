// Shards: a stable split of (item, sample) pairs by content, read from the flags or the
// scheduler's variables, and a runner that keeps to its shard, records it as the run's own
// attribute and keeps every shard's file apart.
#include "harness/run/shard.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <atomic>
#include <cstdio>
#include <map>
#include <set>

#include "common/quiet_run.h"
#include "common/temp_dir.h"
#include "common/twos_suite.h"
#include "harness/core/error.h"
#include "harness/run/runner.h"
#include "harness/store/store.h"

namespace rbench {
namespace {

EnvLookup env_of(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const char* name) -> std::optional<std::string> {
    const auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

TEST(Shard, TheSplitIsFixedByContentAndCoversEveryPairOnce) {
  // Pinned values, taken from shard stores written by the first build with shards: the same
  // flags must give the same split on every machine and every later build (a changed hash would
  // scatter a resumed or redone shard's samples across the others).
  EXPECT_EQ(shard_of("suite", "b17330", 1, 16), 3);
  EXPECT_EQ(shard_of("suite", "b21148", 0, 16), 3);
  EXPECT_EQ(shard_of("suite", "b01603", 2, 16), 11);
  EXPECT_EQ(shard_of("suite", "b03192", 3, 16), 11);
  std::map<int, int> sizes;
  for (int i = 0; i < 4000; ++i) {
    const int s = shard_of("gsm8k", std::to_string(i), i % 3, 8);
    ASSERT_GE(s, 0);
    ASSERT_LT(s, 8);
    ++sizes[s];
  }
  ASSERT_EQ(sizes.size(), 8u);
  for (const auto& [shard, n] : sizes) {
    EXPECT_NEAR(n, 500, 100) << "shard " << shard;  // a hash, not a skewed split
  }
  EXPECT_EQ(shard_of("x", "y", 0, 1), 0);
  // The suite, the item and the sample all count, and (ab, c) is not (a, bc).
  int differ = 0;
  for (int i = 0; i < 64; ++i) {
    const std::string id = std::to_string(i);
    differ += shard_of("ab", "c" + id, 0, 16) != shard_of("a", "bc" + id, 0, 16);
    differ += shard_of("s", id, 0, 16) != shard_of("s", id, 1, 16);
  }
  EXPECT_GT(differ, 100);
}

TEST(Shard, FlagsAreParsedAndCheckedWithClearErrors) {
  const EnvLookup none = env_of({});
  EXPECT_EQ(parse_shard("0/4", 0, none), (Shard{0, 4}));
  EXPECT_EQ(parse_shard("3/4", 0, none), (Shard{3, 4}));
  EXPECT_EQ(parse_shard("3/4", 4, none), (Shard{3, 4}));
  for (const char* bad : {"4/4", "-1/4", "1/0", "1", "a/b", "1/4x", "/4", ""}) {
    EXPECT_THROW(parse_shard(bad, 0, none), UsageError) << bad;
  }
  try {
    parse_shard("4/4", 0, none);
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("0-based"), std::string::npos) << e.what();
  }
  EXPECT_THROW(parse_shard("1/4", 8, none), UsageError);
  try {
    parse_shard("auto", 0, none);
    ADD_FAILURE() << "auto outside a scheduler must fail";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("SLURM_ARRAY_TASK_ID"), std::string::npos);
  }
}

TEST(Shard, AutoReadsSlurmArraysAndKubernetesIndexedJobs) {
  // --array=1-4: ids 1..4, min 1, count 4.
  EXPECT_EQ(parse_shard("auto", 0,
                        env_of({{"SLURM_ARRAY_TASK_ID", "3"},
                                {"SLURM_ARRAY_TASK_MIN", "1"},
                                {"SLURM_ARRAY_TASK_COUNT", "4"}})),
            (Shard{2, 4}));
  EXPECT_EQ(parse_shard("auto", 0,
                        env_of({{"SLURM_ARRAY_TASK_ID", "0"},
                                {"SLURM_ARRAY_TASK_MIN", "0"},
                                {"SLURM_ARRAY_TASK_COUNT", "16"}})),
            (Shard{0, 16}));
  // A sparse array leaves ids past the count: refused rather than silently overlapping.
  EXPECT_THROW(parse_shard("auto", 0,
                           env_of({{"SLURM_ARRAY_TASK_ID", "9"},
                                   {"SLURM_ARRAY_TASK_MIN", "0"},
                                   {"SLURM_ARRAY_TASK_COUNT", "3"}})),
               UsageError);
  EXPECT_THROW(parse_shard("auto", 0, env_of({{"SLURM_ARRAY_TASK_ID", "x"}})), UsageError);
  EXPECT_EQ(
      parse_shard("auto", 0, env_of({{"JOB_COMPLETION_INDEX", "5"}, {"RBENCH_SHARD_COUNT", "8"}})),
      (Shard{5, 8}));
  EXPECT_EQ(parse_shard("auto", 8, env_of({{"JOB_COMPLETION_INDEX", "5"}})), (Shard{5, 8}));
  try {
    parse_shard("auto", 0, env_of({{"JOB_COMPLETION_INDEX", "5"}}));
    ADD_FAILURE() << "an Indexed Job without a count must fail";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("RBENCH_SHARD_COUNT"), std::string::npos);
  }
}

class TwoEngine final : public Engine {
 public:
  Completion complete(const ChatRequest&, TokenSink*, std::stop_token) override {
    ++calls;
    Completion c;
    c.attempts = 1;
    c.answer = "The answer is \\boxed{2}.";
    c.finish_reason = "stop";
    c.usage = {10, 5, 0};
    return c;
  }
  std::string describe() const override { return "two"; }
  std::atomic<int> calls{0};
};

RunSpec spec_for(std::optional<Shard> shard) {
  RunSpec spec;
  ModelEntry m;
  m.label = "two";
  m.profile.name = "two";
  m.profile.api_model = "two";
  m.engine = std::make_unique<TwoEngine>();
  spec.models.push_back(std::move(m));
  spec.suites.push_back(rbench::testing::twos_suite(40));
  spec.samples = 2;
  spec.limit = 30;
  spec.shard = shard;
  spec.host = "node-a";
  spec.argv = {"run", "--shard", "auto"};
  spec.run_name = default_run_name(spec);
  return spec;
}

RunSummary run(Store& store, RunSpec& spec) {
  return testing::quiet_run(store, spec);
}

TEST(Shard, ShardsOfARunPartitionItsSamplesAndShareItsName) {
  testing::TempDir dir;
  RunSpec whole = spec_for(std::nullopt);
  std::set<SampleKey> union_of_shards;
  std::size_t total = 0;
  for (int i = 0; i < 4; ++i) {
    RunSpec spec = spec_for(Shard{i, 4});
    EXPECT_EQ(spec.run_name, whole.run_name);  // --shard stays out of the name
    EXPECT_EQ(run_fingerprint_json(spec), run_fingerprint_json(whole));
    Store store(dir.path() / ("shard-" + std::to_string(i) + ".db"));
    const RunSummary summary = run(store, spec);
    total += summary.planned;
    for (const SampleRecord& r : store.samples()) {
      EXPECT_EQ(shard_of(r.key.suite, r.key.item_id, r.key.sample_index, 4), i);
      EXPECT_EQ(r.host, "node-a");
      EXPECT_TRUE(union_of_shards.insert(r.key).second) << r.key.item_id << " in two shards";
    }
    // The full item list (after --limit) is in every shard's file.
    const auto runs = store.runs();
    ASSERT_EQ(runs.size(), 1u);
    const auto items = store.run_items(runs[0].id);
    ASSERT_EQ(items.size(), 30u);
    EXPECT_EQ(items.front().item_id, "q0");
    EXPECT_EQ(items.back().item_id, "q29");
    rapidjson::Document config;
    config.Parse(runs[0].config_json.c_str());
    ASSERT_TRUE(config.HasMember("shard"));
    EXPECT_EQ(config["shard"]["index"].GetInt(), i);
    EXPECT_EQ(config["shard"]["count"].GetInt(), 4);
    EXPECT_EQ(config["shard"]["host"].GetString(), std::string("node-a"));
    EXPECT_EQ(config["shard"]["argv"].Size(), 3u);
  }
  EXPECT_EQ(total, 60u);
  EXPECT_EQ(union_of_shards.size(), 60u);

  // Resume works as any run's does; another shard (or the whole run) into the file is refused.
  Store store(dir.path() / "shard-1.db");
  RunSpec again = spec_for(Shard{1, 4});
  const RunSummary resumed = run(store, again);
  EXPECT_EQ(resumed.finished, 0u);
  EXPECT_EQ(resumed.skipped, resumed.planned);
  RunSpec other = spec_for(Shard{2, 4});
  EXPECT_THROW(run(store, other), UsageError);
  RunSpec unsharded = spec_for(std::nullopt);
  EXPECT_THROW(run(store, unsharded), UsageError);

  // An unsharded run has no shard attribute and stores the host too.
  Store single(dir.path() / "single.db");
  run(single, whole);
  EXPECT_EQ(single.samples().size(), 60u);
  EXPECT_EQ(single.runs()[0].config_json.find("\"shard\""), std::string::npos);
}

}  // namespace
}  // namespace rbench
