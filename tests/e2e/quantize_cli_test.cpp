// `rbench engine quantize` through the binary: a make-tiny checkpoint quantised to fp8, the
// summary on stderr, `engine logits` of both checkpoints close; the refusals exit with status 2
// and say why: no format named, quantised input, a non-empty OUT (replaced with --force).
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <regex>

#include "e2e/subprocess.h"

namespace rbench::test {
namespace {

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

class QuantizeCli : public testing::Test {
 protected:
  void SetUp() override {
    tiny_ = (dir_.path() / "tiny").string();
    fp8_ = (dir_.path() / "tiny-fp8").string();
    std::string out;
    // Dense: in MoE layers the quantisation noise flips routing choices of the random router,
    // which leaves nothing to bound (see DenseLogitsStayCloseToTheF32Model in the engine tests).
    ASSERT_EQ(
        run_rbench({"engine", "make-tiny", "--out", tiny_, "--variant", "dense", "--seed", "1"},
                   out),
        0)
        << out;
  }

  // Every position's logits of `tokens`, flattened.
  std::vector<double> logits(const std::string& model, const std::string& tokens) {
    std::string out;
    EXPECT_EQ(
        run_rbench({"engine", "logits", "--model", model, "--tokens", tokens, "--all-positions"},
                   out),
        0)
        << out;
    rapidjson::Document doc;
    doc.Parse(out.substr(out.find('{')).c_str());
    std::vector<double> values;
    if (doc.HasParseError()) return values;
    for (const auto& row : doc["logits"].GetArray()) {
      for (const auto& v : row.GetArray()) values.push_back(v.GetDouble());
    }
    return values;
  }

  TempDir dir_;
  std::string tiny_;
  std::string fp8_;
};

TEST_F(QuantizeCli, Fp8CheckpointLoadsAndItsLogitsStayClose) {
  std::string out;
  ASSERT_EQ(run_rbench({"engine", "quantize", "--fp8", tiny_, fp8_}, out), 0) << out;
  EXPECT_TRUE(contains(out, "(fp8 e4m3, 128x128 blocks)")) << out;
  EXPECT_TRUE(contains(out, "24 tensors to F8_E4M3")) << out;  // 3 layers x (5 attention + 3 MLP)
  std::smatch m;
  ASSERT_TRUE(std::regex_search(out, m, std::regex(R"(ratio (0\.\d{3})\n)"))) << out;
  EXPECT_LT(std::stod(m[1]), 1.0);
  std::ifstream config(std::filesystem::path(fp8_) / "config.json");
  const std::string text{std::istreambuf_iterator<char>(config), {}};
  EXPECT_TRUE(contains(text, "\"quant_method\": \"fp8\"")) << text;

  for (const std::string tokens : {"1", "5,17,250,3", "900,2,2,2,41,7,300,12"}) {
    const auto a = logits(tiny_, tokens);
    const auto b = logits(fp8_, tokens);
    ASSERT_EQ(a.size(), b.size());
    ASSERT_FALSE(a.empty());
    double scale = 0, diff = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
      scale = std::max(scale, std::abs(a[i]));
      diff = std::max(diff, std::abs(a[i] - b[i]));
    }
    // The bound of the engine tests (Quantize.DenseLogitsStayCloseToTheF32Model).
    EXPECT_LT(diff / scale, 0.12) << tokens;
    EXPECT_GT(diff, 0.0) << tokens;
  }
}

TEST_F(QuantizeCli, RefusalsExitWithStatusTwoAndSayWhy) {
  std::string out;
  EXPECT_EQ(run_rbench({"engine", "quantize", tiny_, fp8_}, out), 2) << out;
  EXPECT_TRUE(contains(out, "--fp8")) << out;
  EXPECT_FALSE(std::filesystem::exists(fp8_));

  ASSERT_EQ(run_rbench({"engine", "quantize", "--fp8", tiny_, fp8_}, out), 0) << out;
  const std::string again = (dir_.path() / "again").string();
  EXPECT_EQ(run_rbench({"engine", "quantize", "--fp8", fp8_, again}, out), 2) << out;
  EXPECT_TRUE(contains(out, "quantised already")) << out;
  EXPECT_FALSE(std::filesystem::exists(again));

  EXPECT_EQ(run_rbench({"engine", "quantize", "--fp8", tiny_, fp8_}, out), 2) << out;
  EXPECT_TRUE(contains(out, "not empty (--force replaces it)")) << out;
  EXPECT_EQ(run_rbench({"engine", "quantize", "--fp8", "--force", tiny_, fp8_}, out), 0) << out;
  EXPECT_TRUE(contains(out, "ratio")) << out;
}

}  // namespace
}  // namespace rbench::test
