// Self-speculative decoding in the reports: the draft counts each sample stored, summed per
// (run, model, suite) into an acceptance rate and the tokens per step it implies, shown in the
// Markdown speed columns only where a row has them; and the engine's device in the notes.
#include <gtest/gtest.h>

#include "reports/markdown_speed.h"
#include "reports/summary.h"

namespace rbench {
namespace {

SampleRecord sample(const std::string& model, const std::string& item, std::int64_t drafted,
                    std::int64_t accepted) {
  SampleRecord s;
  s.run_id = 1;
  s.key = {model, "demo-math", item, 0};
  s.completion.answer = "2";
  s.completion.usage.completion_tokens = 10;
  s.completion.usage.draft_tokens = drafted;
  s.completion.usage.accepted_draft_tokens = accepted;
  return s;
}

std::vector<ResultSummary> summarize_samples(const std::vector<SampleRecord>& samples) {
  RunInfo run;
  run.id = 1;
  run.name = "r";
  run.config_json = R"({"models":[{"label":"mtp","facts":{"device":"cpu","device_name":"cpu",)"
                    R"("cache_bytes_peak":123456}},{"label":"plain","facts":null}]})";
  return summarize({run}, samples, SummaryOptions{.bootstrap_rounds = 10});
}

TEST(Speculation, DraftsAreSummedOverTheSamplesThatStoredThem) {
  std::vector<SampleRecord> samples = {sample("mtp", "a", 6, 3), sample("mtp", "b", 4, 1),
                                       sample("mtp", "c", 0, 0), sample("plain", "a", -1, -1)};
  // An errored sample's counts (if any) do not count: its decode did not finish.
  SampleRecord errored = sample("mtp", "d", 100, 100);
  errored.completion.error_kind = ErrorKind::engine;
  samples.push_back(errored);
  const std::vector<ResultSummary> results = summarize_samples(samples);
  ASSERT_EQ(results.size(), 2u);
  const ResultSummary& mtp = results[0];
  ASSERT_EQ(mtp.model, "mtp");
  EXPECT_EQ(mtp.draft_tokens, 10);
  EXPECT_EQ(mtp.accepted_draft_tokens, 4);
  EXPECT_EQ(mtp.draft_samples, 3) << "a sample that drafted nothing still stored its counts";
  ASSERT_TRUE(mtp.draft_acceptance);
  EXPECT_DOUBLE_EQ(*mtp.draft_acceptance, 0.4);
  ASSERT_TRUE(mtp.tokens_per_step);
  EXPECT_DOUBLE_EQ(*mtp.tokens_per_step, 1.4);
  EXPECT_EQ(mtp.facts.device, "cpu");
  EXPECT_EQ(mtp.facts.cache_bytes_peak, 123456);

  const ResultSummary& plain = results[1];
  EXPECT_EQ(plain.draft_samples, 0);
  EXPECT_FALSE(plain.draft_acceptance);
  EXPECT_FALSE(plain.tokens_per_step);
  EXPECT_FALSE(plain.facts.device);

  const std::vector<const ResultSummary*> ranked = {&mtp, &plain};
  const SpeedColumns c = speed_columns(ranked);
  EXPECT_TRUE(c.mtp);
  EXPECT_TRUE(c.device);
  EXPECT_NE(speed_header(c).find(" MTP accept⁴ |"), std::string::npos) << speed_header(c);
  EXPECT_NE(speed_cells(c, mtp).find(" 40.0% |"), std::string::npos) << speed_cells(c, mtp);
  EXPECT_NE(speed_cells(c, plain).find(" — |"), std::string::npos) << speed_cells(c, plain);
  const std::string notes = speed_notes(c, ranked, false);
  EXPECT_NE(notes.find("mtp 4 of 10 drafts, 1.40 tokens per step"), std::string::npos) << notes;
  EXPECT_NE(notes.find("Devices: mtp on cpu, KV cache peak 123 kB."), std::string::npos) << notes;
}

TEST(Speculation, NoColumnWhereNoRowSpeculated) {
  const std::vector<ResultSummary> results =
      summarize_samples({sample("plain", "a", -1, -1), sample("plain", "b", -1, -1)});
  ASSERT_EQ(results.size(), 1u);
  const SpeedColumns c = speed_columns({&results[0]});
  EXPECT_FALSE(c.mtp);
  EXPECT_FALSE(c.device);
  EXPECT_EQ(speed_header(c).find("MTP"), std::string::npos);
}

}  // namespace
}  // namespace rbench
