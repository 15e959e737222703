// rbench import of other harnesses' answers (ZeroEval, LiveCodeBench, lm-eval, generic JSONL) on
// the hand-written fixtures in tests/data/import: what is stored, how it is graded, how records
// are matched to a suite, and malformed files refused with the file and record named and
// nothing written.
#include "harness/run/import_graded.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <map>

#include "common/temp_dir.h"
#include "harness/core/error.h"
#include "harness/core/sha256.h"
#include "harness/run/rescore.h"
#include "suites/registry.h"

namespace rbench {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

const fs::path kFixtures = fs::path(RBENCH_SOURCE_DIR) / "tests" / "data" / "import";
const fs::path kZeroEval = kFixtures / "zeroeval" / "gsm" / "tiny-model-2024.json";
const fs::path kLiveCodeBench =
    kFixtures / "livecodebench" / "Tiny-Coder_N2" / "Scenario.codegeneration_2_0.2_eval_all.json";
const fs::path kLmEval =
    kFixtures / "lm-eval" / "acme__tiny-lm" / "samples_gsm8k_2026-01-01T00-00-00.000000.jsonl";
const fs::path kJsonl = kFixtures / "jsonl" / "answers.jsonl";

ImportOptions options_for(ImportFormat format, std::vector<fs::path> files) {
  ImportOptions o;
  o.format = format;
  o.files = std::move(files);
  return o;
}

Suite tiny_gsm() {
  return load_suite((kFixtures / "tiny-gsm.jsonl").string(), "/nonexistent", "/nonexistent");
}

// item id -> correct, over the samples of one suite.
std::map<std::string, bool> verdicts(Store& store, const std::string& suite, int sample = 0) {
  std::map<std::string, bool> out;
  for (const SampleRecord& s : store.samples()) {
    if (s.key.suite == suite && s.key.sample_index == sample) {
      out[s.key.item_id] = s.score && s.score->correct;
    }
  }
  return out;
}

rapidjson::Document config_of(Store& store, const std::string& run) {
  rapidjson::Document doc;
  for (const RunInfo& r : store.runs()) {
    if (r.name == run) doc.Parse(r.config_json.c_str());
  }
  EXPECT_TRUE(doc.IsObject()) << "no run " << run;
  return doc;
}

TEST(ImportGraded, ZeroEvalWithoutSuiteBecomesItsOwnSuiteGradedByMath) {
  testing::TempDir dir;
  Store store(dir.path() / "r.db");
  const ImportSummary s =
      import_graded_outputs(store, std::nullopt, options_for(ImportFormat::zeroeval, {kZeroEval}));
  EXPECT_EQ(s.run_name, "import-gsm-tiny-model-2024");
  ASSERT_EQ(s.tallies.size(), 1u);
  EXPECT_EQ(s.tallies[0].model, "tiny-model-2024");  // "openai/" dropped from the generator
  EXPECT_EQ(s.tallies[0].suite, "gsm");              // the file's "dataset"
  EXPECT_EQ(s.tallies[0].samples, 3u);
  EXPECT_EQ(s.tallies[0].correct, 2u);
  const auto v = verdicts(store, "gsm");
  EXPECT_EQ(v, (std::map<std::string, bool>{{"gsm8k-main-test-#0", true},
                                            {"gsm8k-main-test-#1", false},
                                            {"gsm8k-main-test-#2", true}}));
  for (const SampleRecord& r : store.samples()) {
    EXPECT_EQ(r.scorer, "math");
    EXPECT_EQ(r.score->method, "json answer");  // the reply's ```json block, whole, is the answer
    EXPECT_THAT(r.completion.answer, HasSubstr("```json"));
    EXPECT_THAT(r.prompt_json, HasSubstr("How many"));
    EXPECT_THAT(r.reference, ::testing::AnyOf("7", "36", "50"));  // "# 7" without its marker
  }
  const rapidjson::Document config = config_of(store, s.run_name);
  const auto& from = config["imported_from"][0];
  EXPECT_EQ(std::string(from["sha256"].GetString()), sha256_file_hex(kZeroEval));
  EXPECT_EQ(from["bytes"].GetUint64(), fs::file_size(kZeroEval));
  EXPECT_EQ(std::string(from["format"].GetString()), "zeroeval");
  EXPECT_THAT(from["settings"].GetString(), HasSubstr("'temperature': 0.0"));
  EXPECT_EQ(std::string(config["suites"][0]["items_from"].GetString()), "samples");
  EXPECT_EQ(store.run_items(store.runs().front().id).size(), 3u);

  // Rescore rebuilds the custom suite from the stored samples and agrees.
  RescoreOptions ro;
  const auto results = rescore(store, ro);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].rescored, 3u);
  EXPECT_EQ(results[0].became_correct + results[0].became_wrong, 0u);
}

TEST(ImportGraded, WithSuiteMatchesByQuestionTextAndGradesAgainstTheSuite) {
  testing::TempDir dir;
  Store store(dir.path() / "r.db");
  const Suite suite = tiny_gsm();
  const ImportSummary s =
      import_graded_outputs(store, suite, options_for(ImportFormat::zeroeval, {kZeroEval}));
  ASSERT_EQ(s.tallies.size(), 1u);
  EXPECT_EQ(s.tallies[0].suite, "tiny-gsm");
  EXPECT_EQ(s.tallies[0].correct, 2u);
  // ZeroEval's ids are not the suite's: matched by question text (whitespace normalised: the
  // suite's second question has a double space and a trailing newline).
  EXPECT_EQ(verdicts(store, "tiny-gsm"),
            (std::map<std::string, bool>{{"test/0", true}, {"test/1", false}, {"test/2", true}}));
  const rapidjson::Document config = config_of(store, s.run_name);
  EXPECT_EQ(std::string(config["fingerprint"]["suites"][0]["version"].GetString()), suite.version);
  EXPECT_FALSE(config["suites"][0].HasMember("items_from"));
}

TEST(ImportGraded, UnmatchedRecordsAreRefusedOrSkippedWhenAsked) {
  testing::TempDir dir;
  Store store(dir.path() / "r.db");
  Suite suite = tiny_gsm();
  suite.items.erase(suite.items.begin() + 2);  // Sara's pages
  try {
    import_graded_outputs(store, suite, options_for(ImportFormat::zeroeval, {kZeroEval}));
    FAIL() << "expected a DataError";
  } catch (const DataError& e) {
    EXPECT_THAT(e.what(), HasSubstr("tiny-model-2024.json"));
    EXPECT_THAT(e.what(), HasSubstr("record 2"));
    EXPECT_THAT(e.what(), HasSubstr("matches no item of suite tiny-gsm"));
  }
  EXPECT_TRUE(store.runs().empty());
  ImportOptions o = options_for(ImportFormat::zeroeval, {kZeroEval});
  o.skip_unmatched = true;
  const ImportSummary s = import_graded_outputs(store, suite, o);
  EXPECT_EQ(s.skipped, 1u);
  EXPECT_EQ(s.answers, 2u);
}

TEST(ImportGraded, TheSameAnswerTwiceIsRefused) {
  testing::TempDir dir;
  Store store(dir.path() / "r.db");
  EXPECT_THROW(import_graded_outputs(store, std::nullopt,
                                     options_for(ImportFormat::zeroeval, {kZeroEval, kZeroEval})),
               DataError);
  EXPECT_TRUE(store.runs().empty());
}

TEST(ImportGraded, LiveCodeBenchVerdictsAreImportedAsGivenAndMarked) {
  testing::TempDir dir;
  Store store(dir.path() / "r.db");
  const ImportSummary s = import_graded_outputs(
      store, std::nullopt, options_for(ImportFormat::livecodebench, {kLiveCodeBench}));
  ASSERT_EQ(s.tallies.size(), 1u);
  EXPECT_EQ(s.tallies[0].model, "tiny-coder");  // the folder "Tiny-Coder_N2"
  EXPECT_EQ(s.tallies[0].suite, "livecodebench");
  EXPECT_EQ(s.tallies[0].samples, 6u);  // 3 problems x 2 entries of output_list
  EXPECT_EQ(s.tallies[0].correct, 3u);
  EXPECT_EQ(s.tallies[0].imported_verdicts, 6u);
  EXPECT_EQ(
      verdicts(store, "livecodebench", 1),
      (std::map<std::string, bool>{{"abc001_a", true}, {"abc001_b", false}, {"abc001_c", false}}));
  for (const SampleRecord& r : store.samples()) {
    EXPECT_EQ(r.scorer, kImportedVerdictScorer);
    EXPECT_EQ(r.score->method, "imported verdict");
    EXPECT_THAT(r.score->detail, HasSubstr("verdict imported, not re-executed"));
    EXPECT_EQ(r.score->rule, "verdict imported, not re-executed");
    EXPECT_THAT(r.score->extracted, HasSubstr("print("));  // code_list's program
  }
  // Rescore has nothing to say about verdicts it did not make.
  EXPECT_TRUE(rescore(store, RescoreOptions{}).empty());
  // --suite does not apply.
  EXPECT_THROW(import_graded_outputs(store, tiny_gsm(),
                                     options_for(ImportFormat::livecodebench, {kLiveCodeBench})),
               UsageError);
}

TEST(ImportGraded, LmEvalGradesTheRawGenerationsOncePerDocument) {
  testing::TempDir dir;
  Store store(dir.path() / "r.db");
  const ImportSummary s =
      import_graded_outputs(store, std::nullopt, options_for(ImportFormat::lm_eval, {kLmEval}));
  ASSERT_EQ(s.tallies.size(), 1u);
  EXPECT_EQ(s.tallies[0].model, "tiny-lm");  // the folder "acme__tiny-lm"
  // rbench ships a gsm8k suite with other ids: the task is stored under another name.
  EXPECT_EQ(s.tallies[0].suite, "gsm8k-lm-eval");
  ASSERT_EQ(s.notes.size(), 1u);
  EXPECT_THAT(s.notes[0], HasSubstr("--suite gsm8k"));
  EXPECT_EQ(s.tallies[0].samples, 3u);  // two filters per document, one answer
  EXPECT_EQ(verdicts(store, "gsm8k-lm-eval"),
            (std::map<std::string, bool>{{"0", true}, {"1", false}, {"2", true}}));
  for (const SampleRecord& r : store.samples()) {
    EXPECT_THAT(r.reference, ::testing::AnyOf("7", "36", "50"));  // after GSM8K's "####"
  }
  // Against a suite: matched by the document's question.
  Store other(dir.path() / "s.db");
  const ImportSummary m =
      import_graded_outputs(other, tiny_gsm(), options_for(ImportFormat::lm_eval, {kLmEval}));
  EXPECT_EQ(m.tallies[0].correct, 2u);
  EXPECT_EQ(verdicts(other, "tiny-gsm").size(), 3u);
}

TEST(ImportGraded, GenericJsonlReadsTheFieldsItIsTold) {
  testing::TempDir dir;
  Store store(dir.path() / "r.db");
  ImportOptions o = options_for(ImportFormat::jsonl, {kJsonl});
  o.fields = JsonlFields{.id = "qid",
                         .response = "completion",
                         .reference = "gold",
                         .question = "prompt",
                         .model = "model"};
  const ImportSummary s = import_graded_outputs(store, std::nullopt, o);
  ASSERT_EQ(s.tallies.size(), 1u);
  EXPECT_EQ(s.tallies[0].model, "jsonl-model");
  EXPECT_EQ(s.tallies[0].suite, "answers");  // the file's stem
  EXPECT_EQ(s.tallies[0].samples, 5u);       // q2's list holds three samples
  EXPECT_EQ(s.tallies[0].correct, 3u);
  EXPECT_EQ(verdicts(store, "answers", 2), (std::map<std::string, bool>{{"q2", false}}));
  // Default field names: the records have no "response".
  Store other(dir.path() / "s.db");
  try {
    import_graded_outputs(other, std::nullopt, options_for(ImportFormat::jsonl, {kJsonl}));
    FAIL() << "expected a DataError";
  } catch (const DataError& e) {
    EXPECT_THAT(e.what(), HasSubstr("answers.jsonl:1: $.response: missing"));
  }
}

struct BadFile {
  ImportFormat format;
  std::string file;
  std::string where;  // what the message must name besides the file
};

TEST(ImportGraded, MalformedFilesNameTheFileAndRecordAndWriteNothing) {
  const std::vector<BadFile> cases = {
      {ImportFormat::zeroeval, "zeroeval_empty_output.json", "$[1].output"},
      {ImportFormat::livecodebench, "livecodebench_short_graded_list.json", "$[1].graded_list"},
      {ImportFormat::lm_eval, "samples_arc_2026-01-01T00-00-00.jsonl", ":2: $.resps[0]"},
      {ImportFormat::jsonl, "answers_bad_line.jsonl", ":2: $.completion"},
  };
  for (const BadFile& c : cases) {
    testing::TempDir dir;
    Store store(dir.path() / "r.db");
    ImportOptions o = options_for(c.format, {kJsonl, kFixtures / "bad" / c.file});
    if (c.format == ImportFormat::jsonl) {
      o.fields = JsonlFields{.id = "qid",
                             .response = "completion",
                             .reference = "gold",
                             .question = "prompt",
                             .model = "model"};
    } else {
      o.files.erase(o.files.begin());  // the good jsonl only precedes the bad jsonl
    }
    try {
      import_graded_outputs(store, std::nullopt, o);
      ADD_FAILURE() << c.file << ": expected a DataError";
    } catch (const DataError& e) {
      EXPECT_THAT(e.what(), HasSubstr(c.file)) << e.what();
      EXPECT_THAT(e.what(), HasSubstr(c.where)) << e.what();
    }
    EXPECT_TRUE(store.runs().empty()) << c.file;
    EXPECT_TRUE(store.samples().empty()) << c.file;
  }
}

}  // namespace
}  // namespace rbench
