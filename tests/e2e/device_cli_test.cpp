// --device on the command line, where no GPU is present (every development machine and CI): a
// CUDA device that cannot be had is one clear line and exit 2, before any weights are read; a
// malformed value or one for an endpoint is a usage error; `engine logits` names its device.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <filesystem>
#include <string>

#include "e2e/subprocess.h"
#if RBENCH_HAVE_CUDA
#include "engines/moe/cuda/device.h"
#endif

namespace rbench::test {
namespace {

const std::string kModel = RBENCH_SOURCE_DIR "/data/checkpoints/tiny-r1-arith";

bool gpu_present() {
#if RBENCH_HAVE_CUDA
  return moe::cuda::cuda_device().has_value();
#else
  return false;
#endif
}

TEST(DeviceCli, CudaWithoutADeviceIsOneClearLineAndExit2) {
  if (gpu_present()) GTEST_SKIP() << "a CUDA device is present";
  TempDir dir;
  const std::string db = (dir.path() / "r.db").string();
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"engine", "logits", "--model", kModel, "--tokens", "1,2,3",
                                 "--device", "cuda"},
        std::vector<std::string>{"engine", "generate", "--model", kModel, "--prompt", "1+1",
                                 "--device", "cuda:1"},
        std::vector<std::string>{"run", "--engine", "builtin", "--model", kModel, "--suite",
                                 "arith-easy", "--limit", "1", "--db", db, "--device", "cuda"},
        std::vector<std::string>{"serve", "--model", kModel, "--port", "0", "--device", "cuda"},
        std::vector<std::string>{"probe", "latency", "--engine", "builtin", "--model", kModel,
                                 "--requests", "1", "--db", db, "--device", "cuda"},
        std::vector<std::string>{"probe", "memory", "--model", kModel, "--context", "8", "--db", db,
                                 "--device", "cuda"}}) {
    std::string out;
    EXPECT_EQ(run_rbench(args, out), 2) << out;
    EXPECT_NE(out.find("--device cuda:"), std::string::npos) << out;
#if RBENCH_HAVE_CUDA
    EXPECT_NE(out.find("no CUDA device"), std::string::npos) << out;
#else
    EXPECT_NE(out.find("built without CUDA"), std::string::npos) << out;
#endif
    // One line, and nothing of a stack of errors.
    EXPECT_LE(std::count(out.begin(), out.end(), '\n'), 1) << out;
  }
}

TEST(DeviceCli, MalformedOrMisplacedDeviceIsAUsageError) {
  std::string out;
  EXPECT_EQ(
      run_rbench({"engine", "logits", "--model", kModel, "--tokens", "1", "--device", "tpu"}, out),
      2);
  EXPECT_NE(out.find("--device 'tpu' is not one of cpu, cuda, cuda:N"), std::string::npos) << out;
  EXPECT_EQ(
      run_rbench({"engine", "logits", "--model", kModel, "--tokens", "1", "--device", "cuda:x"},
                 out),
      2);
  EXPECT_EQ(run_rbench({"run", "--model", "deepseek-r1", "--suite", "arith-easy", "--device",
                        "cuda", "--db", "/dev/null/none.db"},
                       out),
            2);
  EXPECT_NE(out.find("--device applies to --engine builtin"), std::string::npos) << out;
}

TEST(DeviceCli, LogitsNameTheirDevice) {
  std::string out;
  ASSERT_EQ(run_rbench({"engine", "logits", "--model", kModel, "--tokens", "1,2,3"}, out), 0)
      << out;
  const rapidjson::Document doc = json_in_output(out);
  ASSERT_FALSE(doc.HasParseError()) << out;
  EXPECT_STREQ(doc["device"].GetString(), "cpu");
  ASSERT_EQ(
      run_rbench({"engine", "logits", "--model", kModel, "--tokens", "1,2,3", "--device", "cpu"},
                 out),
      0);
}

}  // namespace
}  // namespace rbench::test
