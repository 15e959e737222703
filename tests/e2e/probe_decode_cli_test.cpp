// `rbench probe decode` through the command line: the table, the probe document (--json) and its
// row in the store (--db); bad flags and an unavailable device refused with exit 2.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <filesystem>

#include "e2e/subprocess.h"
#include "harness/store/store.h"

namespace rbench::test {
namespace {

const std::string kModel = std::string(RBENCH_SOURCE_DIR) + "/data/checkpoints/tiny-r1-arith";

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

TEST(ProbeDecodeCli, TableDocumentAndStore) {
  TempDir dir;
  const auto json = dir.path() / "decode.json";
  const auto db = (dir.path() / "p.db").string();
  std::string out;
  ASSERT_EQ(run_rbench({"probe", "decode", "--model", kModel, "--batch", "1,2", "--context", "24",
                        "--steps", "2", "--mtp", "--json", json.string(), "--db", db},
                       out),
            0)
      << out;
  EXPECT_TRUE(contains(out, "decode on cpu")) << out;
  EXPECT_TRUE(contains(out, "implied speedup")) << out;
  rapidjson::Document doc;
  const std::string text = read_file(json);
  doc.Parse(text.c_str());
  ASSERT_FALSE(doc.HasParseError()) << text;
  EXPECT_STREQ(doc["kind"].GetString(), "decode");
  EXPECT_STREQ(doc["model"].GetString(), "tiny-r1-arith");
  ASSERT_EQ(doc["figures"]["rows"].Size(), 2u);
  EXPECT_GT(doc["figures"]["rows"][1]["bytes_per_step"].GetDouble(), 0);
  Store store(db);
  const auto runs = store.runs();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].name, "probe-decode-tiny-r1-arith");
  const auto probes = store.probes(runs[0].id);
  ASSERT_EQ(probes.size(), 1u);
  EXPECT_EQ(probes[0].kind, "decode");
  EXPECT_EQ(probes[0].result_json + "\n", text + (text.ends_with("\n") ? "" : "\n"));
}

TEST(ProbeDecodeCli, RefusesBadFlagsAndAMissingDevice) {
  std::string out;
  EXPECT_EQ(run_rbench({"probe", "decode", "--model", kModel, "--batch", "1,x"}, out), 2);
  EXPECT_TRUE(contains(out, "--batch '1,x'")) << out;
  EXPECT_EQ(run_rbench({"probe", "decode", "--model", kModel, "--context", "100000"}, out), 2);
  EXPECT_TRUE(contains(out, "--context 100000")) << out;
  // No GPU on CI: the device's one-line reason, before the weights are read.
  if (!std::filesystem::exists("/dev/nvidia0")) {
    EXPECT_EQ(run_rbench({"probe", "decode", "--model", kModel, "--device", "cuda"}, out), 2);
    EXPECT_TRUE(contains(out, "--device cuda:0")) << out;
  }
}

}  // namespace
}  // namespace rbench::test
