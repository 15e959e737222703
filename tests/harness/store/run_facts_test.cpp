// Engine facts in a run's stored config: written per model by the runner, read back by label,
// and never part of the fingerprint, so a run resumes whatever its engine now reports (and runs
// stored before the facts existed resume too).
#include "harness/store/run_facts.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <atomic>
#include <cstdio>

#include "common/quiet_run.h"
#include "common/temp_dir.h"
#include "harness/core/error.h"
#include "harness/run/runner.h"
#include "harness/store/store.h"
#include "reports/summary.h"

namespace rbench {
namespace {

EngineFacts tiny_facts(std::int64_t weight_bytes) {
  EngineFacts f;
  f.weight_bytes = weight_bytes;
  f.kv_bytes_per_token = 480;
  f.kv_bytes_per_token_mha = 3072;
  f.parameters_total = 524288;
  f.parameters_active = 262144;
  return f;
}

// Answers 2 to everything, except an HTTP error for questions containing `fail_on`.
class FactsEngine final : public Engine {
 public:
  FactsEngine(EngineFacts facts, std::string fail_on = "")
      : facts_(facts), fail_on_(std::move(fail_on)) {}
  Completion complete(const ChatRequest& request, TokenSink*, std::stop_token) override {
    ++calls;
    Completion c;
    c.attempts = 1;
    if (!fail_on_.empty() && request.messages.back().content.find(fail_on_) != std::string::npos) {
      c.error_kind = ErrorKind::http;
      c.error = "HTTP 500";
      return c;
    }
    c.answer = "The answer is \\boxed{2}.";
    c.finish_reason = "stop";
    c.usage = {10, 5, 0};
    c.timings.ttft_s = 0.1;
    c.timings.e2e_s = 0.5;
    return c;
  }
  std::string describe() const override { return "facts"; }
  EngineFacts facts() const override { return facts_; }
  std::atomic<int> calls{0};

 private:
  EngineFacts facts_;
  std::string fail_on_;
};

Suite twos() {
  Suite s;
  s.name = "twos";
  s.version = "v1";
  s.prompt_template = "math-cot-boxed-v1";
  s.scorer = "math";
  for (const char* q : {"What is 1 + 1?", "What is 3 - 1?", "What is half of 4?"}) {
    Item item;
    item.id = std::to_string(s.items.size());
    item.question = q;
    item.reference = "2";
    s.items.push_back(item);
  }
  return s;
}

RunSpec spec_with(std::unique_ptr<Engine> engine) {
  RunSpec spec;
  spec.run_name = "facts-run";
  ModelEntry m;
  m.label = "tiny";
  m.profile.name = "tiny";
  m.profile.api_model = "tiny@0123";
  m.engine = std::move(engine);
  m.concurrency = 1;
  spec.models.push_back(std::move(m));
  spec.suites.push_back(twos());
  spec.seed = 1;
  return spec;
}

RunSummary run(Store& store, RunSpec& spec) {
  return testing::quiet_run(store, spec);
}

TEST(RunFacts, KnownFactsAreWrittenAndReadBackByLabel) {
  EngineFacts partial;
  partial.kv_bytes_per_token = 576;
  partial.parameters_total = 1'000'000'000'000LL;  // past 32 bits
  json::Writer w;
  w.object({{"models", json::array({json::object({{"label", "a"}, {"facts", [&](json::Writer& w) {
                                                                     write_engine_facts(w, partial);
                                                                   }}})})}});
  const std::string json = w.str();
  EXPECT_EQ(json, R"({"models":[{"label":"a","facts":{"kv_bytes_per_token":576,)"
                  R"("parameters_total":1000000000000}}]})");
  const EngineFacts back = stored_engine_facts(json, "a");
  EXPECT_EQ(back.kv_bytes_per_token, 576);
  EXPECT_EQ(back.parameters_total, 1'000'000'000'000LL);
  EXPECT_FALSE(back.weight_bytes);
  EXPECT_TRUE(stored_engine_facts(json, "b").empty());
}

TEST(RunFacts, TheDeviceAndTheCachePeakAreReadBack) {
  EngineFacts f = tiny_facts(1000);
  f.device = "cuda:0";
  f.device_name = "NVIDIA H100 80GB HBM3";
  f.device_memory_bytes = 85'520'809'984LL;
  f.cache_bytes_peak = 6'291'456;
  json::Writer w;
  w.object({{"models", json::array({json::object({{"label", "a"}, {"facts", [&](json::Writer& w) {
                                                                     write_engine_facts(w, f);
                                                                   }}})})}});
  const EngineFacts back = stored_engine_facts(w.str(), "a");
  EXPECT_EQ(back.device, "cuda:0");
  EXPECT_EQ(back.device_name, "NVIDIA H100 80GB HBM3");
  EXPECT_EQ(back.device_memory_bytes, 85'520'809'984LL);
  EXPECT_EQ(back.cache_bytes_peak, 6'291'456);
  EXPECT_FALSE(back.cache_bytes_capacity) << "unbounded: not written, read as unknown";
  EXPECT_EQ(back.weight_bytes, 1000);
}

TEST(RunFacts, StoredInTheConfigButNotInTheFingerprint) {
  testing::TempDir dir;
  Store store(dir.path() / "r.db");
  RunSpec spec = spec_with(std::make_unique<FactsEngine>(tiny_facts(2097152)));
  RunSpec without = spec_with(std::make_unique<FactsEngine>(EngineFacts{}));
  EXPECT_EQ(run_fingerprint_json(spec), run_fingerprint_json(without));
  EXPECT_EQ(default_run_name(spec), default_run_name(without));
  EXPECT_EQ(run_fingerprint_json(spec).find("facts"), std::string::npos);
  run(store, spec);

  const std::string config = store.runs().at(0).config_json;
  rapidjson::Document doc;
  doc.Parse(config.c_str());
  ASSERT_FALSE(doc.HasParseError()) << config;
  const auto& facts = doc["models"][0]["facts"];
  EXPECT_EQ(facts["weight_bytes"].GetInt64(), 2097152);
  EXPECT_EQ(facts["kv_bytes_per_token"].GetInt64(), 480);
  EXPECT_EQ(facts["kv_bytes_per_token_mha"].GetInt64(), 3072);
  EXPECT_EQ(facts["parameters_total"].GetInt64(), 524288);
  EXPECT_EQ(facts["parameters_active"].GetInt64(), 262144);
  EXPECT_FALSE(doc["fingerprint"]["models"][0].HasMember("facts"));
  // An engine that knows nothing (an HTTP endpoint) stores no "facts" member at all.
  EXPECT_EQ(run_config_json(without).find("facts"), std::string::npos);
}

// A run stored without facts (an HTTP-only engine, or an rbench before them) with one sample in
// error is resumed by an engine that reports facts: only the errored sample is asked again, and
// the config now carries the facts the reports read.
TEST(RunFacts, AResumedRunResumesAndRecordsTheFacts) {
  testing::TempDir dir;
  Store store(dir.path() / "r.db");
  RunSpec first = spec_with(std::make_unique<FactsEngine>(EngineFacts{}, "3 - 1"));
  const RunSummary before = run(store, first);
  EXPECT_EQ(before.errors, 1u);
  ASSERT_EQ(store.runs().size(), 1u);
  EXPECT_EQ(store.runs()[0].config_json.find("facts"), std::string::npos);

  auto engine = std::make_unique<FactsEngine>(tiny_facts(786432));
  FactsEngine* resumed_engine = engine.get();
  RunSpec again = spec_with(std::move(engine));
  const RunSummary after = run(store, again);
  EXPECT_EQ(after.run_id, before.run_id);
  EXPECT_EQ(after.skipped, 2u);
  EXPECT_EQ(after.finished, 1u);
  EXPECT_EQ(resumed_engine->calls.load(), 1);
  ASSERT_EQ(store.runs().size(), 1u);
  EXPECT_EQ(stored_engine_facts(store.runs()[0].config_json, "tiny").weight_bytes, 786432);

  // Facts that change (re-measured weights) do not stop a resume either.
  auto third_engine = std::make_unique<FactsEngine>(tiny_facts(1000));
  FactsEngine* third_calls = third_engine.get();
  RunSpec third = spec_with(std::move(third_engine));
  EXPECT_EQ(run(store, third).skipped, 3u);
  EXPECT_EQ(third_calls->calls.load(), 0);

  const auto results = summarize(store.runs(), store.samples(), {});
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].facts.weight_bytes, 1000);
  EXPECT_EQ(results[0].correct, 3);
  EXPECT_DOUBLE_EQ(*results[0].decode_tokens_per_s, 4 / 0.4);  // 3 x 4 tokens in 3 x 0.4 s

  // What is part of the identity still refuses a resume.
  RunSpec other = spec_with(std::make_unique<FactsEngine>(tiny_facts(1000)));
  other.samples = 2;
  EXPECT_THROW(run(store, other), UsageError);
}

}  // namespace
}  // namespace rbench
