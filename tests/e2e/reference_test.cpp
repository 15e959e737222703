// The built-in engine against an independent PyTorch implementation of the published
// architecture (tests/engines/reference/deepseek_reference.py), on tiny checkpoints written by
// `rbench engine make-tiny`: logits at every position must agree to 1e-4 of the largest logit,
// for dense and MoE layers, sigmoid and softmax gates, with and without q_lora_rank, with YaRN,
// in f32, bf16 and fp8 storage, and past YaRN's original context.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <memory>
#include <ostream>

#include "e2e/subprocess.h"

namespace rbench::test {
namespace {

const char* kPython = "/usr/bin/python3";

// stdout of a shell command; the exit status in `status`.
std::string capture(const std::string& command, int& status) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) {
    status = -1;
    return out;
  }
  std::array<char, 1 << 16> buf{};
  std::size_t n = 0;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) out.append(buf.data(), n);
  status = pclose(pipe);
  return out;
}

bool torch_available(std::string& why) {
  int status = 0;
  capture(std::string(kPython) + " -c 'import torch' 2>/dev/null", status);
  if (status != 0) why = "PyTorch is missing: install python3-torch (scripts/setup does)";
  return status == 0;
}

std::vector<double> flat_logits(const std::string& json, const std::string& who) {
  rapidjson::Document doc;
  doc.Parse(json.c_str());
  EXPECT_FALSE(doc.HasParseError()) << who << " printed no JSON:\n" << json.substr(0, 500);
  std::vector<double> out;
  if (doc.HasParseError() || !doc.HasMember("logits")) return out;
  const auto& l = doc["logits"];
  for (const auto& row : l.GetArray()) {
    if (row.IsArray()) {
      for (const auto& v : row.GetArray()) out.push_back(v.GetDouble());
    } else {
      out.push_back(row.GetDouble());
    }
  }
  return out;
}

std::string token_list(int n, int vocab) {
  std::string s;
  for (int i = 0; i < n; ++i) s += (i ? "," : "") + std::to_string((i * 131 + 7) % vocab);
  return s;
}

// A checkpoint written by `rbench engine make-tiny` (our writer), or by the reference's own
// generator, make_random_checkpoint.py (an independent writer: sharded files, an MTP layer to
// ignore, tied embeddings, non-square fp8 blocks).
struct Case {
  std::string variant;
  std::string dtype;  // make-tiny: f32 | bf16 | fp8; generator: its extra flags
  int tokens;
  bool all_positions;
  bool python_writer = false;
  bool mtp = false;      // make-tiny --mtp; the MTP module's logits (row i predicts token i+2)
  bool bundled = false;  // our trained model, data/checkpoints/<variant>, written by PyTorch
};

void compare(const Case& c) {
  TempDir dir;
  auto model = (dir.path() / "model").string();
  std::string out;
  if (c.bundled) {
    model = std::string(RBENCH_SOURCE_DIR) + "/data/checkpoints/" + c.variant;
  } else if (c.python_writer) {
    int status = 0;
    out = capture(std::string(kPython) + " " + RBENCH_SOURCE_DIR +
                      "/tests/engines/reference/make_random_checkpoint.py --out " + model +
                      " --variant " + c.variant + " " + c.dtype + " 2>&1",
                  status);
    ASSERT_EQ(status, 0) << out;
  } else {
    std::vector<std::string> make = {"engine",    "make-tiny", "--out",   model,
                                     "--variant", c.variant,   "--dtype", c.dtype,
                                     "--vocab",   "300",       "--seed",  "5"};
    if (c.mtp) make.push_back("--mtp");
    ASSERT_EQ(run_rbench(make, out), 0) << out;
  }
  const std::string tokens = token_list(c.tokens, 300);  // every checkpoint has >= 300 tokens
  std::vector<std::string> args = {"engine", "logits", "--model", model, "--tokens", tokens};
  if (c.all_positions) args.push_back("--all-positions");
  if (c.mtp) args.push_back("--mtp");
  ASSERT_EQ(run_rbench(args, out), 0) << out.substr(0, 2000);
  // run_rbench merges stderr into the output; the JSON is the line that starts with '{'.
  const std::string ours = out.substr(out.find('{'));
  int status = 0;
  const std::string theirs =
      capture(std::string(kPython) + " " + RBENCH_SOURCE_DIR +
                  "/tests/engines/reference/deepseek_reference.py --model " + model + " --tokens " +
                  tokens + (c.all_positions ? " --all-positions" : "") + (c.mtp ? " --mtp" : ""),
              status);
  ASSERT_EQ(status, 0) << "the reference failed:\n" << theirs.substr(0, 2000);
  const auto a = flat_logits(ours, "rbench engine logits");
  const auto b = flat_logits(theirs, "the reference");
  ASSERT_EQ(a.size(), b.size());
  const int rows = c.mtp ? c.tokens - 1 : c.tokens;
  ASSERT_GE(a.size(), static_cast<std::size_t>(c.all_positions ? rows * 300 : 300));
  double scale = 0, diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    scale = std::max(scale, std::abs(b[i]));
    diff = std::max(diff, std::abs(a[i] - b[i]));
  }
  EXPECT_GT(scale, 0.1) << "logits should not be all near zero";
  EXPECT_LE(diff, 1e-4 * scale) << c.variant << " " << c.dtype << ": max difference " << diff
                                << " against max |logit| " << scale;
}

void PrintTo(const Case& c, std::ostream* os) {
  *os << (c.bundled         ? "bundled "
          : c.python_writer ? "reference writer "
                            : "make-tiny ")
      << c.variant << " " << c.dtype << ", " << c.tokens << " tokens"
      << (c.mtp ? ", MTP module" : "");
}

class Reference : public testing::TestWithParam<Case> {};

TEST_P(Reference, LogitsAgreeWithPyTorch) {
  std::string why;
  if (!torch_available(why)) GTEST_SKIP() << why;
  compare(GetParam());
}

INSTANTIATE_TEST_SUITE_P(
    Tiny, Reference,
    testing::Values(
        Case{"v3", "f32", 40, true}, Case{"v2-lite", "f32", 40, true}, Case{"v2", "f32", 40, true},
        Case{"dense", "f32", 40, true}, Case{"v3", "bf16", 24, true}, Case{"v3", "fp8", 24, true},
        // Past the original 512 positions YaRN interpolates: the long-context path.
        Case{"v3", "f32", 700, false},
        // The reference's own writer.
        Case{"v3", "", 32, true, true}, Case{"v2-lite", "", 32, true, true},
        Case{"v2", "", 32, true, true}, Case{"dense", "", 32, true, true},
        Case{"v3", "--dtype BF16", 16, true, true}, Case{"v3", "--fp8 16,32", 16, true, true},
        Case{"v2", "--fp8 16,32", 16, true, true}, Case{"v3", "--shards 2 --mtp", 16, true, true},
        // The MTP module (not the reference writer's: its 1e3-scaled module saturates the
        // router's sigmoid into ties that the two implementations may break differently).
        Case{"v3", "f32", 24, true, false, true}, Case{"v3", "fp8", 24, true, false, true},
        Case{"dense", "bf16", 16, false, false, true},
        // The model we trained (PyTorch wrote it, omitting the MTP module's embedding and head):
        // a third implementation agreeing with the trainer's and ours.
        Case{"tiny-r1-arith", "f32", 40, true, false, false, true},
        Case{"tiny-r1-arith", "f32", 40, true, false, true, true}),
    [](const auto& info) {
      std::string n = (info.param.bundled         ? "bundled_"
                       : info.param.python_writer ? "pywriter_"
                                                  : "") +
                      info.param.variant + "_" + info.param.dtype + "_" +
                      std::to_string(info.param.tokens) + (info.param.mtp ? "_mtp" : "");
      for (char& ch : n) {
        if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
      }
      return n;
    });

}  // namespace
}  // namespace rbench::test
