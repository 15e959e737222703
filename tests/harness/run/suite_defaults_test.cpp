// Per-suite official defaults: a new run takes them and stores them, a resumed run keeps what it
// stored (nothing, for a run stored before defaults were recorded), the fingerprint never holds
// them, and openai/human-eval's own six-sample example gives its pass@1 of 0.5 with the 3 s limit.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <map>
#include <memory>
#include <mutex>

#include "common/quiet_run.h"
#include "common/temp_dir.h"
#include "harness/core/json_writer.h"
#include "harness/run/runner.h"
#include "scorers/registry.h"
#include "suites/official_defaults.h"
#include "suites/prompts.h"

namespace rbench {
namespace {

// openai/human-eval's data/example_samples.jsonl: six completions of example_problem.jsonl's
// return1(). Its README's run of them prints pass@1 0.5: the subprocess call, the 10 s sleep
// (over the 3 s limit) and input() fail; the three differently indented `return 1` pass.
const std::vector<std::string> kHumanEvalExample = {
    "    import subprocess\n    subprocess.check_output('rm -rf tmp')",
    "    import time\n    time.sleep(10)\n    return 1",
    "    return input('enter a number')",
    "    return 1",
    "  return 1",
    "\treturn 1",
};

// Answers each request with the next of `answers`, in order (one request at a time).
class ListEngine final : public Engine {
 public:
  explicit ListEngine(std::vector<std::string> answers) : answers_(std::move(answers)) {}
  Completion complete(const ChatRequest&, TokenSink*, std::stop_token) override {
    const std::lock_guard lock(mutex_);
    Completion c;
    c.finish_reason = "stop";
    c.usage = {10, 5, 0};
    c.answer = answers_[next_++ % answers_.size()];
    return c;
  }
  std::string describe() const override { return "list"; }

 private:
  std::mutex mutex_;
  std::vector<std::string> answers_;
  std::size_t next_ = 0;
};

// example_problem.jsonl as a suite named like rbench's HumanEval suite, completion-style.
Suite example_suite() {
  Item item;
  item.id = "test/0";
  item.question = "def return1():\n";
  item.code.prompt = "def return1():\n";
  item.code.entry_point = "return1";
  item.code.tests = "def check(candidate):\n    assert candidate() == 1";
  item.reference = "    return 1";
  Suite s;
  s.name = "humaneval";
  s.version = "example";
  s.prompt_template = std::string(kCodeCompletionV1);
  s.scorer = "code";
  s.items = {item};
  return s;
}

RunSpec example_spec(std::vector<std::string> answers, int samples) {
  RunSpec spec;
  spec.run_name = "example";
  ModelEntry m;
  m.label = "list";
  m.profile.name = "list";
  m.profile.api_model = "list";
  m.engine = std::make_unique<ListEngine>(std::move(answers));
  m.concurrency = 1;
  spec.models.push_back(std::move(m));
  spec.suites.push_back(example_suite());
  spec.samples = samples;
  return spec;
}

std::string stored_defaults_member(Store& store) {
  rapidjson::Document config;
  config.Parse(store.runs().at(0).config_json.c_str());
  return config.HasMember("defaults") ? json::to_string(config["defaults"]) : "absent";
}

TEST(SuiteDefaults, HumanEvalAndMbppFollowTheirOfficialHarnesses) {
  EXPECT_EQ(official_defaults("humaneval")->timeout_s, 3.0);
  EXPECT_EQ(official_defaults("mbpp")->timeout_s, 3.0);
  EXPECT_EQ(official_defaults("mbpp-sanitized")->timeout_s, 3.0);
  EXPECT_FALSE(official_defaults("gsm8k"));
  EXPECT_FALSE(official_defaults("demo-code"));
}

TEST(SuiteDefaults, AnExplicitTimeoutOverridesTheDefault) {
  RunSpec spec;
  spec.defaults = {{"humaneval", SuiteDefaults{3.0}}};
  EXPECT_EQ(suite_code_timeout(spec, "humaneval"), 3.0);
  EXPECT_EQ(suite_code_timeout(spec, "mbpp"), 0.0);  // not in this run's defaults: the scorer's
  spec.code_timeout_s = 7;
  EXPECT_EQ(suite_code_timeout(spec, "humaneval"), 7.0);
}

TEST(SuiteDefaults, ANewRunStoresTheOfficialDefaultsOutsideItsFingerprint) {
  testing::TempDir dir;
  Store store(dir.path() / "r.db");
  RunSpec spec = example_spec({"    return 1"}, 2);
  testing::quiet_run(store, spec);
  EXPECT_EQ(stored_defaults_member(store), R"({"humaneval":{"timeout_s":3.0}})");
  EXPECT_EQ(suite_code_timeout(spec, "humaneval"), 3.0);
  // The fingerprint (what a resumed run must match) holds no default.
  EXPECT_EQ(run_fingerprint_json(spec).find("timeout"), std::string::npos);
}

// The example scored as the run scores it, with the limit a new run takes. The sandbox's speed
// factor is pinned to 1 (the reference machine, whose seconds are the official harness's wall
// seconds): a loaded machine would otherwise scale 3 s past the sample's 10 s sleep.
TEST(SuiteDefaults, TheHumanEvalExampleGivesTheOfficialPassAtOne) {
  testing::TempDir dir;
  Store store(dir.path() / "r.db");
  RunSpec spec = example_spec(kHumanEvalExample, 6);
  spec.defaults = run_defaults(store, spec);
  ScorerOptions options;
  options.completion_style = true;
  options.code_timeout_s = suite_code_timeout(spec, "humaneval");
  options.sandbox_speed_factor = 1;
  ASSERT_EQ(options.code_timeout_s, 3.0);
  const auto scorer = make_scorer("code", options);
  const Item& item = spec.suites.front().items.front();
  int passed = 0;
  std::map<std::string, int> outcomes;
  for (const std::string& completion : kHumanEvalExample) {
    const Score score = scorer->score(item, completion);
    passed += score.correct ? 1 : 0;
    ++outcomes[score.outcome];
  }
  // One problem, six samples: pass@1 is the fraction that passed, as human-eval prints it.
  EXPECT_DOUBLE_EQ(passed / 6.0, 0.5);
  EXPECT_EQ(outcomes["passed"], 3);
  EXPECT_EQ(outcomes["timeout"], 1);
}

TEST(SuiteDefaults, ARunStoredBeforeDefaultsResumesWithTheSettingsItRanWith) {
  testing::TempDir dir;
  Store store(dir.path() / "r.db");
  RunSpec spec = example_spec({"    return 1"}, 2);
  // As an older rbench stored it: the same fingerprint, no "defaults".
  const std::string legacy =
      R"({"fingerprint":)" + run_fingerprint_json(spec) + R"(,"limit":null})";
  store.open_run(spec.run_name, legacy, "old", "old");
  const RunSummary summary = testing::quiet_run(store, spec);
  EXPECT_EQ(summary.finished, 2u);  // resumed, not refused as a different configuration
  EXPECT_TRUE(spec.defaults.empty());
  EXPECT_EQ(suite_code_timeout(spec, "humaneval"), 0.0);  // the scorer's own 10 s, as before
  EXPECT_EQ(stored_defaults_member(store), "{}");
}

TEST(SuiteDefaults, AResumedRunKeepsTheDefaultsItStored) {
  testing::TempDir dir;
  Store store(dir.path() / "r.db");
  RunSpec spec = example_spec({"    return 1"}, 1);
  // As if stored when humaneval's default was 5 s: resuming keeps 5, not today's 3.
  const std::string stored = R"({"fingerprint":)" + run_fingerprint_json(spec) +
                             R"(,"defaults":{"humaneval":{"timeout_s":5.0}}})";
  store.open_run(spec.run_name, stored, "old", "old");
  EXPECT_EQ(run_defaults(store, spec).at("humaneval").timeout_s, 5.0);
  testing::quiet_run(store, spec);
  EXPECT_EQ(suite_code_timeout(spec, "humaneval"), 5.0);
  EXPECT_EQ(stored_defaults_member(store), R"({"humaneval":{"timeout_s":5.0}})");
  // A new run of another name takes today's.
  spec.run_name = "fresh";
  EXPECT_EQ(run_defaults(store, spec).at("humaneval").timeout_s, 3.0);
}

TEST(SuiteDefaults, StoredDefaultsReadBack) {
  EXPECT_FALSE(stored_defaults(R"({"fingerprint":{}})"));
  EXPECT_FALSE(stored_defaults("not json"));
  const auto d = stored_defaults(R"({"defaults":{"mbpp":{"timeout_s":3},"x":{}}})");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->at("mbpp").timeout_s, 3.0);
  EXPECT_FALSE(d->at("x").timeout_s);
  EXPECT_EQ(defaults_json(*d), R"({"mbpp":{"timeout_s":3.0},"x":{}})");
}

}  // namespace
}  // namespace rbench
