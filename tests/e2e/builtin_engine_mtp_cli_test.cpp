// Self-speculative decoding through the command line: `engine make-tiny --mtp`, `engine generate
// --mtp` giving the tokens of plain greedy decoding with draft counts and tokens/s, `run --engine
// builtin --mtp` stored as a run of its own with the same answers, a checkpoint quantised to fp8
// keeping its module, and --mtp refused, saying why, for a checkpoint without an MTP module.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <filesystem>
#include <map>

#include "e2e/subprocess.h"
#include "harness/store/run_facts.h"
#include "harness/store/store.h"

namespace rbench::test {
namespace {

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// generate's output without its summary line (stderr, which may come before stdout's last
// bytes): what remains is the text.
std::string without_summary(const std::string& out) {
  const std::size_t at = out.find(" prompt tokens, ");
  if (at == std::string::npos) return out;
  const std::size_t begin = out.rfind('[', at);
  const std::size_t end = out.find("]\n", at);
  return out.substr(0, begin) + (end == std::string::npos ? "" : out.substr(end + 2));
}

class MtpCli : public testing::Test {
 protected:
  void SetUp() override {
    model_ = (dir_.path() / "tiny").string();
    std::string out;
    ASSERT_EQ(run_rbench({"engine", "make-tiny", "--out", model_, "--seed", "1", "--mtp"}, out), 0)
        << out;
    // The module is announced in the checkpoint's config, where the engine looks for it.
    const rapidjson::Document config =
        json_in_output(read_file(std::filesystem::path(model_) / "config.json"));
    ASSERT_TRUE(config.IsObject() && config.HasMember("num_nextn_predict_layers")) << out;
    EXPECT_EQ(config["num_nextn_predict_layers"].GetInt(), 1);
  }
  TempDir dir_;
  std::string model_;
};

TEST_F(MtpCli, GenerateGivesTheSameTokensAndReportsDrafts) {
  std::vector<std::string> args = {
      "engine",   "generate",     "--model", model_,  "--prompt", "Tom has 3 apples.",
      "--greedy", "--max-tokens", "24",      "--json"};
  std::string plain, mtp;
  ASSERT_EQ(run_rbench(args, plain), 0) << plain;
  args.push_back("--mtp");
  ASSERT_EQ(run_rbench(args, mtp), 0) << mtp;
  const rapidjson::Document a = json_in_output(plain);
  const rapidjson::Document b = json_in_output(mtp);
  ASSERT_FALSE(a.HasParseError()) << plain;
  ASSERT_FALSE(b.HasParseError()) << mtp;
  EXPECT_TRUE(a["tokens"] == b["tokens"]) << plain << "\n" << mtp;
  EXPECT_EQ(std::string(a["text"].GetString()), b["text"].GetString());
  EXPECT_FALSE(a.HasMember("draft_tokens"));
  ASSERT_TRUE(b.HasMember("draft_tokens")) << mtp;
  EXPECT_GT(b["draft_tokens"].GetInt(), 0);
  EXPECT_GE(b["accepted_draft_tokens"].GetInt(), 0);
  EXPECT_LE(b["accepted_draft_tokens"].GetInt(), b["draft_tokens"].GetInt());
  EXPECT_GT(b["tokens_per_s"].GetDouble(), 0);

  // As text: the same text, and the summary line on stderr.
  args.pop_back();  // --mtp
  args.pop_back();  // --json
  std::string text_plain, text_mtp;
  ASSERT_EQ(run_rbench(args, text_plain), 0) << text_plain;
  args.push_back("--mtp");
  ASSERT_EQ(run_rbench(args, text_mtp), 0) << text_mtp;
  EXPECT_EQ(without_summary(text_plain), without_summary(text_mtp));
  EXPECT_TRUE(contains(text_plain, "tokens/s")) << text_plain;
  EXPECT_FALSE(contains(text_plain, "drafts accepted")) << text_plain;
  EXPECT_TRUE(contains(text_mtp, "tokens/s")) << text_mtp;
  EXPECT_TRUE(contains(text_mtp, "drafts accepted")) << text_mtp;
}

TEST_F(MtpCli, RunWithMtpIsAnotherRunWithTheSameAnswers) {
  const auto db = (dir_.path() / "r.db").string();
  std::vector<std::string> args = {"run",     "--engine",  "builtin", "--model", model_,
                                   "--suite", "demo-math", "--limit", "2",       "--max-tokens",
                                   "8",       "--db",      db,        "--quiet"};
  std::string out;
  ASSERT_EQ(run_rbench(args, out), 0) << out;
  args.push_back("--mtp");
  ASSERT_EQ(run_rbench(args, out), 0) << out;
  Store store(db);
  const auto runs = store.runs();
  ASSERT_EQ(runs.size(), 2u) << "MTP on and off are distinct runs\n" << out;
  EXPECT_NE(runs[0].name, runs[1].name);
  EXPECT_TRUE(runs[0].name.starts_with("builtin:tiny+mtp_demo-math_") ||
              runs[1].name.starts_with("builtin:tiny+mtp_demo-math_"))
      << runs[0].name << ", " << runs[1].name;
  std::map<std::string, std::vector<std::string>> answers;  // label -> answers by item
  std::int64_t drafted = 0;
  for (const auto& s : store.samples()) {
    EXPECT_TRUE(s.completion.ok()) << s.completion.error;
    answers[s.key.model].push_back(s.completion.reasoning + "|" + s.completion.answer);
    // Each sample keeps its drafts: counted with --mtp, null (-1) without.
    const Usage& u = s.completion.usage;
    if (s.key.model == "builtin:tiny+mtp") {
      EXPECT_GE(u.draft_tokens, 0) << s.key.item_id;
      EXPECT_GE(u.accepted_draft_tokens, 0) << s.key.item_id;
      EXPECT_LE(u.accepted_draft_tokens, u.draft_tokens) << s.key.item_id;
      drafted += u.draft_tokens;
    } else {
      EXPECT_EQ(u.draft_tokens, -1) << s.key.item_id;
      EXPECT_EQ(u.accepted_draft_tokens, -1) << s.key.item_id;
    }
  }
  EXPECT_GT(drafted, 0);
  // The report shows the acceptance rate of the MTP run only, and the device the engines ran on.
  const auto md = (dir_.path() / "report.md").string();
  const auto json = (dir_.path() / "report.json").string();
  ASSERT_EQ(run_rbench({"report", "--db", db, "-o", md}, out), 0) << out;
  ASSERT_EQ(run_rbench({"report", "--db", db, "-o", json}, out), 0) << out;
  const std::string md_text = read_file(md);
  EXPECT_TRUE(contains(md_text, "MTP accept")) << md_text;
  EXPECT_TRUE(contains(md_text, "tokens per step")) << md_text;
  EXPECT_TRUE(contains(md_text, "on cpu, KV cache peak")) << md_text;
  const std::string json_text = read_file(json);
  EXPECT_TRUE(contains(json_text, "\"draft_acceptance\": null")) << "the run without --mtp";
  EXPECT_TRUE(contains(json_text, "\"tokens_per_step\": 1")) << json_text;
  EXPECT_TRUE(contains(json_text, "\"device\": \"cpu\"")) << json_text;
  // The cache's peak is stored when the run ends, after the engine has held a cache.
  EXPECT_TRUE(contains(json_text, "\"cache_bytes_peak\": ")) << json_text;
  EXPECT_FALSE(contains(json_text, "\"cache_bytes_peak\": 0,")) << json_text;
  EXPECT_FALSE(contains(json_text, "\"cache_bytes_peak\": null")) << json_text;
  ASSERT_EQ(answers.size(), 2u);
  ASSERT_TRUE(answers.contains("builtin:tiny")) << answers.begin()->first;
  ASSERT_TRUE(answers.contains("builtin:tiny+mtp")) << answers.rbegin()->first;
  EXPECT_EQ(answers["builtin:tiny"], answers["builtin:tiny+mtp"]);
  // And it resumes as itself: no new run, no new sample.
  const std::size_t samples = store.samples().size();
  ASSERT_EQ(run_rbench(args, out), 0) << out;
  EXPECT_EQ(store.runs().size(), 2u) << out;
  EXPECT_EQ(store.samples().size(), samples) << out;
  for (const RunInfo& run : store.runs()) {
    const std::string label =
        run.name.starts_with("builtin:tiny+mtp") ? "builtin:tiny+mtp" : "builtin:tiny";
    const EngineFacts facts = stored_engine_facts(run.config_json, label);
    EXPECT_EQ(facts.device, "cpu") << run.config_json;
    // A resume with nothing to do held no cache: its peak is unknown, never a false 0.
    EXPECT_NE(facts.cache_bytes_peak, 0) << run.config_json;
  }
}

TEST_F(MtpCli, AQuantisedCheckpointKeepsItsModule) {
  // engine quantize --fp8 quantises the MTP layer's projections too (eh_proj stays as it is).
  const auto fp8 = (dir_.path() / "fp8").string();
  std::string out;
  ASSERT_EQ(run_rbench({"engine", "quantize", "--fp8", model_, fp8}, out), 0) << out;
  ASSERT_EQ(run_rbench({"engine", "memory", "--model", fp8}, out), 0) << out;
  EXPECT_TRUE(contains(out, "\"loaded_mtp_weight_bytes\":{\"F32\":")) << out;
  EXPECT_TRUE(contains(out, "\"F8_E4M3\"")) << out;
  std::vector<std::string> args = {"engine",  "generate", "--model",      fp8,  "--prompt",
                                   "A train", "--greedy", "--max-tokens", "16", "--json"};
  std::string plain, mtp;
  ASSERT_EQ(run_rbench(args, plain), 0) << plain;
  args.push_back("--mtp");
  ASSERT_EQ(run_rbench(args, mtp), 0) << mtp;
  const rapidjson::Document a = json_in_output(plain);
  const rapidjson::Document b = json_in_output(mtp);
  ASSERT_FALSE(a.HasParseError() || b.HasParseError()) << plain << "\n" << mtp;
  EXPECT_TRUE(a["tokens"] == b["tokens"]) << plain << "\n" << mtp;
  EXPECT_GT(b["draft_tokens"].GetInt(), 0) << mtp;
}

TEST_F(MtpCli, MtpWithoutAModuleIsRefused) {
  const auto plain = (dir_.path() / "plain").string();
  std::string out;
  ASSERT_EQ(run_rbench({"engine", "make-tiny", "--out", plain, "--seed", "1"}, out), 0) << out;
  EXPECT_EQ(run_rbench({"engine", "generate", "--model", plain, "--prompt", "Hi", "--greedy",
                        "--max-tokens", "3", "--mtp"},
                       out),
            2);
  EXPECT_TRUE(contains(out, "num_nextn_predict_layers is 0")) << out;
  EXPECT_NE(run_rbench({"run", "--model", "deepseek-r1", "--suite", "demo-math", "--mtp", "--db",
                        (dir_.path() / "x.db").string()},
                       out),
            0);
  EXPECT_TRUE(contains(out, "--mtp applies to --engine builtin")) << out;
}

}  // namespace
}  // namespace rbench::test
