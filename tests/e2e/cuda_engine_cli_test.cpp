// `--device cuda` end to end, against `--device cpu`: `engine logits` on every make-tiny variant
// and dtype (past YaRN's original length, and the MTP module's logits), and the bundled
// tiny-r1-arith on arith-easy through `rbench run`. Skips without a CUDA device. Each comparison
// prints a `gpu-check: {json}` line for scripts/gpu-check's summary.
//
// Tolerances, relative to the largest |logit| on the CPU: 1e-4 for f32 checkpoints (TF32 off),
// 2e-3 for bf16 and fp8 ones (the device keeps the latent cache in bf16).
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <cmath>
#include <filesystem>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "common/gpu_check_line.h"
#include "e2e/subprocess.h"
#include "engines/moe/cuda/device.h"
#include "harness/core/json_writer.h"
#include "harness/store/store.h"

namespace rbench::test {
namespace {

const std::filesystem::path kModel =
    std::filesystem::path(RBENCH_SOURCE_DIR) / "data" / "checkpoints" / "tiny-r1-arith";

class CudaEngineCli : public testing::Test {
 protected:
  void SetUp() override {
    if (!moe::cuda::cuda_device()) {
      GTEST_SKIP() << "no CUDA device: " << moe::cuda::cuda_unavailable_reason();
    }
  }
};

std::string token_list(int n, int salt) {
  std::string s;
  for (int i = 0; i < n; ++i) {
    if (i) s += ",";
    s += std::to_string((i * 37 + 11 + salt * 101) % 1000 + 3);
  }
  return s;
}

// Every logit of the output's "logits" (one row or several), flattened.
std::vector<double> logits_of(const std::string& out, std::string* device) {
  const rapidjson::Document doc = json_in_output(out);
  EXPECT_FALSE(doc.HasParseError()) << out.substr(0, 500);
  std::vector<double> v;
  if (doc.HasParseError()) return v;
  *device = doc["device"].GetString();
  const auto& l = doc["logits"];
  for (const auto& x : l.GetArray()) {
    if (x.IsArray()) {
      for (const auto& y : x.GetArray()) v.push_back(y.GetDouble());
    } else {
      v.push_back(x.GetDouble());
    }
  }
  return v;
}

struct Compared {
  double max_abs = 0;
  double max_logit = 0;
};

Compared compare_logits(const std::string& dir, const std::vector<std::string>& extra) {
  std::vector<std::string> base = {"engine", "logits", "--model", dir};
  base.insert(base.end(), extra.begin(), extra.end());
  auto cpu_args = base;
  cpu_args.insert(cpu_args.end(), {"--device", "cpu"});
  auto gpu_args = base;
  gpu_args.insert(gpu_args.end(), {"--device", "cuda"});
  std::string cpu_out, gpu_out, cpu_device, gpu_device;
  EXPECT_EQ(run_rbench(cpu_args, cpu_out), 0) << cpu_out.substr(0, 500);
  EXPECT_EQ(run_rbench(gpu_args, gpu_out), 0) << gpu_out.substr(0, 500);
  const auto cpu = logits_of(cpu_out, &cpu_device);
  const auto gpu = logits_of(gpu_out, &gpu_device);
  EXPECT_EQ(cpu_device, "cpu");
  EXPECT_EQ(gpu_device, "cuda:0");
  // The first log line of a CUDA run says the path is not yet validated, until it is.
  EXPECT_NE(gpu_out.find("not yet validated on a GPU"), std::string::npos);
  Compared c;
  EXPECT_EQ(cpu.size(), gpu.size());
  for (std::size_t i = 0; i < std::min(cpu.size(), gpu.size()); ++i) {
    c.max_logit = std::max(c.max_logit, std::abs(cpu[i]));
    c.max_abs = std::max(c.max_abs, std::abs(gpu[i] - cpu[i]));
  }
  return c;
}

void report(const std::string& check, const std::string& variant, const Compared& c, double tol) {
  report_logit_diff(check, variant, c.max_abs, c.max_logit, tol);
}

TEST_F(CudaEngineCli, LogitsMatchTheCpuOnEveryTinyVariant) {
  TempDir dir;
  struct Case {
    std::string variant, dtype;
    bool mtp;
  };
  std::vector<Case> cases;
  for (const char* v : {"v3", "v2-lite", "v2", "dense"}) {
    for (const char* d : {"f32", "bf16", "fp8"}) cases.push_back({v, d, false});
  }
  cases.push_back({"v3", "f32", true});
  cases.push_back({"v3", "fp8", true});
  for (const Case& k : cases) {
    const std::string name = k.variant + "-" + k.dtype + (k.mtp ? "-mtp" : "");
    const std::string model = (dir.path() / name).string();
    std::vector<std::string> make = {"engine",  "make-tiny", "--out", model,     "--variant",
                                     k.variant, "--dtype",   k.dtype, "--vocab", "300"};
    if (k.mtp) make.push_back("--mtp");
    std::string out;
    ASSERT_EQ(run_rbench(make, out), 0) << out;
    const double tol = k.dtype == "f32" ? 1e-4 : 2e-3;

    const Compared all = compare_logits(model, {"--tokens", token_list(24, 1), "--all-positions"});
    EXPECT_LE(all.max_abs, tol * all.max_logit) << name << ": every position of 24";
    report("engine logits", name, all, tol);
    if (k.variant == "v3") {
      // Past YaRN's original length (512 in the tiny v3), the last position.
      const Compared yarn = compare_logits(model, {"--tokens", token_list(600, 2)});
      EXPECT_LE(yarn.max_abs, tol * yarn.max_logit) << name << ": 600 tokens";
      report("engine logits past yarn original length", name, yarn, tol);
    }
    if (k.mtp) {
      const Compared mtp =
          compare_logits(model, {"--tokens", token_list(16, 3), "--all-positions", "--mtp"});
      EXPECT_LE(mtp.max_abs, tol * mtp.max_logit) << name << ": MTP module";
      report("engine logits --mtp", name, mtp, tol);
    }
  }
}

struct Answers {
  int correct = 0;
  std::map<std::string, std::string> text;
};

Answers run_easy(const std::filesystem::path& dir, const std::string& device) {
  const auto db = (dir / (device + ".db")).string();
  std::string out;
  EXPECT_EQ(run_rbench({"run", "--engine", "builtin", "--model", kModel.string(), "--device",
                        device, "--suite", "arith-easy", "--limit", "100", "--max-tokens", "256",
                        "--db", db, "--quiet"},
                       out, std::chrono::seconds(600)),
            0)
      << out;
  Answers a;
  Store store(db);
  for (const auto& s : store.samples()) {
    EXPECT_TRUE(s.completion.ok()) << s.completion.error;
    a.correct += s.score.has_value() && s.score->correct;
    a.text[s.key.item_id] = s.completion.reasoning + "|" + s.completion.answer;
  }
  EXPECT_EQ(a.text.size(), 100u);
  return a;
}

TEST_F(CudaEngineCli, TrainedModelOnArithEasyMatchesTheCpu) {
  TempDir dir;
  const Answers cpu = run_easy(dir.path(), "cpu");
  const Answers gpu = run_easy(dir.path(), "cuda");
  int same = 0;
  for (const auto& [item, text] : cpu.text) {
    const auto it = gpu.text.find(item);
    same += it != gpu.text.end() && it->second == text;
  }
  EXPECT_LE(std::abs(gpu.correct - cpu.correct), 1) << gpu.correct << " vs " << cpu.correct;
  EXPECT_GE(same, 95) << "items with the same text, of 100";
  json::Writer w;
  w.object({{"check", "arith-easy run"},
            {"variant", "tiny-r1-arith"},
            {"cpu_correct", cpu.correct},
            {"cuda_correct", gpu.correct},
            {"same_text", same},
            {"items", static_cast<int>(cpu.text.size())}});
  std::cout << "gpu-check: " << w.str() << "\n";
}

}  // namespace
}  // namespace rbench::test
