// `rbench diff`'s logic: items paired by suite and id across runs, errored and unscored samples
// left out, the discordant items listed with both answers, and the paired statistics on them.
#include "reports/item_diff.h"

#include <gtest/gtest.h>

namespace rbench {
namespace {

SampleRecord make_sample(const std::string& model, const std::string& suite,
                         const std::string& item, int index, std::optional<bool> correct,
                         const std::string& extracted = "") {
  SampleRecord r;
  r.key = {model, suite, item, index};
  r.reference = "ref-" + item;
  if (correct) {
    Score s;
    s.correct = *correct;
    s.value = *correct ? 1 : 0;
    s.extracted = extracted;
    r.score = s;
  } else {
    r.completion.error_kind = ErrorKind::http;
    r.completion.error = "HTTP 500";
  }
  return r;
}

TEST(ItemDiff, PairsItemsAndListsTheDiscordantOnes) {
  std::vector<SampleRecord> samples;
  for (int i = 0; i < 12; ++i) {
    const std::string id = "q" + std::to_string(i);
    // A right on 0..9, B right on 0..7 and on 11: A only on 8, 9; B only on 11.
    samples.push_back(make_sample("A", "math", id, 0, i < 10, "a" + id));
    samples.push_back(make_sample("B", "math", id, 0, i < 8 || i == 11, "b" + id));
  }
  samples.push_back(make_sample("A", "math", "q12", 0, true));          // B has none: not compared
  samples.push_back(make_sample("B", "math", "q13", 0, std::nullopt));  // an error: left out
  samples.push_back(make_sample("A", "math", "q13", 0, true));
  samples.push_back(make_sample("C", "math", "q0", 0, false));  // another model: ignored
  samples.push_back(make_sample("A", "other", "x", 0, true));   // another suite
  samples.push_back(make_sample("B", "other", "x", 0, true));

  const auto all = diff_models(samples, "A", "B", "");
  ASSERT_EQ(all.size(), 2u);
  const auto diffs = diff_models(samples, "A", "B", "math");
  ASSERT_EQ(diffs.size(), 1u);
  const SuiteDiff& d = diffs[0];
  EXPECT_EQ(d.paired.items, 12u);
  EXPECT_EQ(d.only_in_a, 2u);  // q12, and q13 whose B sample errored
  EXPECT_EQ(d.only_in_b, 0u);
  EXPECT_EQ(d.paired.only_a, 2);
  EXPECT_EQ(d.paired.only_b, 1);
  EXPECT_EQ(d.paired.both_correct, 8);
  EXPECT_EQ(d.paired.neither, 1);
  ASSERT_TRUE(d.paired.mcnemar_p);
  EXPECT_DOUBLE_EQ(*d.paired.mcnemar_p, 1.0);  // 2 vs 1: no evidence
  EXPECT_NEAR(d.paired.difference, 1.0 / 12, 1e-12);
  ASSERT_EQ(d.discordant.size(), 3u);
  EXPECT_EQ(d.discordant[0].item_id, "q8");
  EXPECT_EQ(d.discordant[0].a_extracted, "aq8");
  EXPECT_EQ(d.discordant[0].b_extracted, "bq8");
  EXPECT_EQ(d.discordant[0].reference, "ref-q8");
  EXPECT_EQ(d.discordant[2].item_id, "q11");
  EXPECT_EQ(d.discordant[2].b_correct, 1.0);

  const std::string text = render_diff_text(diffs, "A", "B", 2);
  EXPECT_NE(text.find("McNemar exact p = 1"), std::string::npos) << text;
  EXPECT_NE(text.find("... 1 more"), std::string::npos) << text;
  const std::string json = render_diff_json(diffs, "A", "B");
  EXPECT_NE(json.find("\"mcnemar_p\": 1"), std::string::npos) << json;
  EXPECT_NE(json.find("\"item_id\": \"q11\""), std::string::npos) << json;
}

TEST(ItemDiff, SeveralSamplesPerItemGiveFractionsAndNoMcNemar) {
  std::vector<SampleRecord> samples;
  for (int s = 0; s < 4; ++s) {
    samples.push_back(make_sample("A", "math", "q0", s, s < 3));
    samples.push_back(make_sample("B", "math", "q0", s, s < 1));
  }
  const auto diffs = diff_models(samples, "A", "B", "");
  ASSERT_EQ(diffs.size(), 1u);
  EXPECT_FALSE(diffs[0].paired.mcnemar_p);
  ASSERT_EQ(diffs[0].discordant.size(), 1u);
  EXPECT_DOUBLE_EQ(diffs[0].discordant[0].a_correct, 0.75);
  EXPECT_DOUBLE_EQ(diffs[0].discordant[0].b_correct, 0.25);
  EXPECT_TRUE(diff_models(samples, "A", "Z", "").front().paired.items == 0);
}

}  // namespace
}  // namespace rbench
