// End to end: `rbench perf compare` on files in a temporary folder, as CI runs it; its exit
// status is the gate (1 on a regression, 0 otherwise, 2 for bad input).
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "common/perf_fixtures.h"
#include "common/temp_dir.h"
#include "e2e/subprocess.h"

namespace rbench::test {
namespace {

using rbench::testing::google_benchmark_json;
using rbench::testing::noisy;

TEST(PerfCompareCli, ExitStatusIsTheGate) {
  const rbench::testing::TempDir dir;
  const auto base =
      dir.write("base.json", google_benchmark_json({{"BM_Parse", noisy(1000, 10, 1)},
                                                    {"BM_Grade", noisy(5e4, 10, 2), "ns",
                                                     "items_per_second", noisy(2e4, 10, 3)}}));
  const auto slower =
      dir.write("slower.json", google_benchmark_json({{"BM_Parse", noisy(1200, 10, 4)},
                                                      {"BM_Grade", noisy(5e4, 10, 5), "ns",
                                                       "items_per_second", noisy(2e4, 10, 6)}}));
  const auto json = dir.path() / "comparison.json";
  std::string output;
  EXPECT_EQ(run_rbench({"perf", "compare", base.string(), slower.string(), "--markdown",
                        (dir.path() / "table.md").string(), "--json", json.string()},
                       output),
            1)
      << output;
  EXPECT_NE(output.find("| BM_Parse real_time | 10 / 10 | "), std::string::npos) << output;
  EXPECT_NE(output.find("**regression**"), std::string::npos) << output;
  EXPECT_NE(output.find("1 regression, 0 improvements, 2 unchanged, 0 inconclusive"),
            std::string::npos)
      << output;
  EXPECT_NE(read_file(dir.path() / "table.md").find("1 regression,"), std::string::npos);
  rapidjson::Document doc;
  doc.Parse(read_file(json).c_str());
  ASSERT_FALSE(doc.HasParseError());
  EXPECT_EQ(doc["summary"]["regression"].GetInt(), 1);

  // The same file on both sides passes; so does a run the filter keeps away from the slowdown.
  EXPECT_EQ(run_rbench({"perf", "compare", base.string(), base.string()}, output), 0) << output;
  EXPECT_NE(output.find("0 regressions, 0 improvements, 3 unchanged, 0 inconclusive"),
            std::string::npos)
      << output;
  EXPECT_EQ(
      run_rbench({"perf", "compare", base.string(), slower.string(), "--filter", "Grade"}, output),
      0)
      << output;
  // An improvement passes.
  EXPECT_EQ(run_rbench({"perf", "compare", slower.string(), base.string()}, output), 0) << output;
  EXPECT_NE(output.find("**improvement**"), std::string::npos) << output;
  // Too high a bar for the effect: the slowdown is real but smaller than 50%.
  EXPECT_EQ(run_rbench({"perf", "compare", base.string(), slower.string(), "--min-effect", "0.5"},
                       output),
            0)
      << output;
}

TEST(PerfCompareCli, InconclusiveFailsOnlyWhenAskedTo) {
  const rbench::testing::TempDir dir;
  const auto base = dir.write("base.json", google_benchmark_json({{"BM_A", {1000, 1003}}}));
  const auto current = dir.write("current.json", google_benchmark_json({{"BM_A", {1400, 1390}}}));
  std::string output;
  EXPECT_EQ(run_rbench({"perf", "compare", base.string(), current.string()}, output), 0) << output;
  EXPECT_NE(output.find("**inconclusive**: 2 vs 2 values cannot reach p < 0.05"), std::string::npos)
      << output;
  EXPECT_NE(output.find("0 regressions, 0 improvements, 0 unchanged, 1 inconclusive"),
            std::string::npos)
      << output;
  EXPECT_EQ(
      run_rbench({"perf", "compare", base.string(), current.string(), "--fail-on-inconclusive"},
                 output),
      1)
      << output;
}

TEST(PerfCompareCli, BadFilesExitTwoNamingTheFile) {
  const rbench::testing::TempDir dir;
  const auto bench = dir.write("bench.json", google_benchmark_json({{"BM_A", noisy(10, 5, 7)}}));
  const auto text = dir.write("notes.txt", "BM_A 10 ns\n");
  const auto other = dir.write("other.json", R"({"results": [1, 2]})");
  const auto probe = dir.write(
      "probe.json", R"({"rbench_probe": 1, "kind": "memory", "figures": {"weights_bytes": 1}})");
  std::string output;
  EXPECT_EQ(run_rbench({"perf", "compare", bench.string(), text.string()}, output), 2) << output;
  EXPECT_NE(output.find("notes.txt: bad JSON at line 1"), std::string::npos) << output;
  EXPECT_EQ(run_rbench({"perf", "compare", other.string(), bench.string()}, output), 2) << output;
  EXPECT_NE(output.find("other.json: neither"), std::string::npos) << output;
  EXPECT_EQ(run_rbench({"perf", "compare", bench.string(), probe.string()}, output), 2) << output;
  EXPECT_NE(output.find("same kind"), std::string::npos) << output;
  EXPECT_EQ(run_rbench({"perf", "compare", bench.string(), (dir.path() / "missing.json").string()},
                       output),
            2)
      << output;
  EXPECT_NE(output.find("missing.json: cannot open"), std::string::npos) << output;
  // Usage errors that CLI11 catches exit with its own non-zero codes.
  EXPECT_NE(run_rbench({"perf", "compare", bench.string()}, output), 0) << output;
  EXPECT_NE(run_rbench({"perf"}, output), 0) << output;
}

TEST(PerfCompareCli, HelpDescribesTheGate) {
  std::string output;
  ASSERT_EQ(run_rbench({"perf", "--help"}, output), 0) << output;
  EXPECT_NE(output.find("compare"), std::string::npos) << output;
  ASSERT_EQ(run_rbench({"perf", "compare", "--help"}, output), 0) << output;
  for (const char* flag : {"Mann-Whitney", "--min-effect", "--alpha", "--filter", "--markdown",
                           "--json", "--fail-on-inconclusive"}) {
    EXPECT_NE(output.find(flag), std::string::npos) << flag << " missing from:\n" << output;
  }
}

}  // namespace
}  // namespace rbench::test
