// AlpacaEval metrics: hand-checked small cases, and faithfulness to the published AlpacaEval 2.0
// leaderboard figures of claude-2.1 and alpaca-7b from their released annotations.
#include "reports/stats/alpaca_eval.h"

#include <gtest/gtest.h>

#include <rapidjson/document.h>
#include "common/alpaca_published.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace rbench::stats {
namespace {

TEST(AlpacaWinRate, CountsAndMeans) {
  const std::vector<double> prefs = {1.0, 2.0, 1.5, 1.8, 0.0, std::nan("")};
  const AlpacaWinRate r = alpaca_win_rate(prefs);
  EXPECT_EQ(r.n_total, 5);
  EXPECT_EQ(r.n_wins, 2);
  EXPECT_EQ(r.n_wins_base, 1);
  EXPECT_EQ(r.n_draws, 2);
  EXPECT_NEAR(r.win_rate, 100 * (0 + 1 + 0.5 + 0.8 + 0.5) / 5, 1e-12);
  EXPECT_NEAR(r.discrete_win_rate, 100 * (2 + 1.0) / 5, 1e-12);
  // ddof = 1: values 0, 1, .5, .8, .5 have mean .56 and sample variance .572 / 4 = .143.
  EXPECT_NEAR(r.standard_error, 100 * std::sqrt(0.143 / 5), 1e-9);
}

TEST(AlpacaWinRate, LengthControlRemovesAPureLengthEffect) {
  // The judge prefers whichever output is longer; quality is equal. LC should be near 50 while
  // the raw win rate is far from it.
  LcData d;
  for (int i = 0; i < 400; ++i) {
    const double base = 1000, model = i % 4 == 0 ? 700 : 1600;
    d.baseline_lengths.push_back(base);
    d.model_lengths.push_back(model);
    d.preferences.push_back(1 + 1 / (1 + std::exp(-2.0 * std::tanh((model - base) / 500))));
  }
  const std::vector<double> no_difficulty(400, 0.0);
  const LcResult lc = length_controlled_win_rate(d, no_difficulty);
  const AlpacaWinRate raw = alpaca_win_rate(d.preferences);
  ASSERT_TRUE(lc.converged) << lc.message;
  EXPECT_GT(raw.win_rate, 65);
  EXPECT_NEAR(lc.win_rate, 50, 2);
  EXPECT_LT(lc.length_coefficient, 0);  // baseline-minus-model: a longer model helps it
}

TEST(AlpacaWinRate, UnanimousResultsAreNotMovedByThePenalty) {
  // A model that loses (or wins) every comparison outright: no finite fit exists, and the L2
  // penalty alone must not turn "never won" into a few percent.
  for (const double p : {1.0, 2.0}) {
    LcData d;
    for (int i = 0; i < 50; ++i) {
      d.baseline_lengths.push_back(900);
      d.model_lengths.push_back(300 + 20 * i);
      d.preferences.push_back(p);
    }
    const LcResult lc = length_controlled_win_rate(d, std::vector<double>(50, 0.0));
    EXPECT_TRUE(lc.converged);
    EXPECT_EQ(lc.win_rate, p == 1.0 ? 0.0 : 100.0);
  }
  // One game the other way is enough for a regular fit.
  LcData d;
  for (int i = 0; i < 50; ++i) {
    d.baseline_lengths.push_back(900);
    d.model_lengths.push_back(300 + 20 * i);
    d.preferences.push_back(i == 7 ? 2.0 : 1.0);
  }
  const LcResult lc = length_controlled_win_rate(d, std::vector<double>(50, 0.0));
  EXPECT_TRUE(lc.converged) << lc.message;
  EXPECT_GT(lc.win_rate, 0);
  EXPECT_LT(lc.win_rate, 20);
}

struct Annotations {
  std::vector<double> preferences;
  std::vector<std::string> model_outputs;
  LcData lc;
  std::vector<std::string> instructions;
};

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Annotations load(const std::filesystem::path& path) {
  Annotations a;
  const std::string text = read_file(path);
  rapidjson::Document doc;
  doc.Parse(text.data(), text.size());
  if (doc.HasParseError() || !doc.IsArray()) return a;
  for (const auto& row : doc.GetArray()) {
    const double pref = row.HasMember("preference") && row["preference"].IsNumber()
                            ? row["preference"].GetDouble()
                            : std::nan("");
    const std::string out1 = row["output_1"].GetString();
    const std::string out2 = row["output_2"].GetString();
    a.preferences.push_back(pref);
    a.model_outputs.push_back(out2);
    a.instructions.push_back(row["instruction"].GetString());
    a.lc.preferences.push_back(pref);
    a.lc.baseline_lengths.push_back(static_cast<double>(code_point_length(out1)));
    a.lc.model_lengths.push_back(static_cast<double>(code_point_length(out2)));
  }
  return a;
}

using Published = testing::AlpacaPublished;
constexpr const auto& kPublished = testing::kAlpacaPublished;

TEST(AlpacaWinRate, MatchesPublishedLeaderboard) {
  const std::filesystem::path dir =
      std::filesystem::path(RBENCH_SHARED_DATA_DIR) / "alpaca-eval" / "annotated";
  if (!std::filesystem::exists(dir / "EXPECTED.md")) {
    GTEST_SKIP() << "no AlpacaEval annotations under " << dir;
  }
  std::vector<Annotations> all;
  for (const Published& p : kPublished) all.push_back(load(dir / p.model / "annotations.json"));
  for (std::size_t i = 0; i < all.size(); ++i) {
    ASSERT_EQ(all[i].preferences.size(), 805u) << kPublished[i].model;
    ASSERT_EQ(all[i].instructions, all[0].instructions) << "annotations must share instructions";
  }
  std::vector<LcData> lc_data;
  for (const Annotations& a : all) lc_data.push_back(a.lc);
  const std::vector<double> difficulty = fit_instruction_difficulty(lc_data);
  ASSERT_EQ(difficulty.size(), 805u);

  std::printf("%-11s %-18s %12s %12s\n", "model", "metric", "ours", "published");
  for (std::size_t i = 0; i < all.size(); ++i) {
    const Published& p = kPublished[i];
    const AlpacaWinRate r = alpaca_win_rate(all[i].preferences);
    const int avg_length = alpaca_avg_length(all[i].model_outputs);
    const LcResult lc = length_controlled_win_rate(all[i].lc, difficulty);
    auto row = [&](const char* name, double ours, double published) {
      std::printf("%-11s %-18s %12.6f %12.6f\n", p.model, name, ours, published);
    };
    row("win_rate", r.win_rate, p.win_rate);
    row("standard_error", r.standard_error, p.standard_error);
    row("n_wins", r.n_wins, p.n_wins);
    row("n_wins_base", r.n_wins_base, p.n_wins_base);
    row("n_draws", r.n_draws, p.n_draws);
    row("n_total", r.n_total, p.n_total);
    row("discrete_win_rate", r.discrete_win_rate, p.discrete_win_rate);
    row("avg_length", avg_length, p.avg_length);
    row("LC (info only)", lc.win_rate, p.lc);
    std::printf("%-11s %-18s %12.6f   (length coef %.3f, difficulty coef %.3f)\n", p.model,
                "LC std error", lc.standard_error, lc.length_coefficient,
                lc.difficulty_coefficient);
    EXPECT_NEAR(r.win_rate, p.win_rate, 1e-9);
    EXPECT_NEAR(r.standard_error, p.standard_error, 1e-9);
    EXPECT_EQ(r.n_wins, p.n_wins);
    EXPECT_EQ(r.n_wins_base, p.n_wins_base);
    EXPECT_EQ(r.n_draws, p.n_draws);
    EXPECT_EQ(r.n_total, p.n_total);
    EXPECT_NEAR(r.discrete_win_rate, p.discrete_win_rate, 1e-9);
    EXPECT_EQ(avg_length, p.avg_length);
    EXPECT_TRUE(lc.converged) << lc.message;
    EXPECT_TRUE(std::isfinite(lc.win_rate));
  }
}

}  // namespace
}  // namespace rbench::stats
