// data/datasets.json: it parses, pins commit URLs, and its hashes match the shared public data.
#include "suites/dataset_catalogue.h"

#include <fmt/core.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/temp_dir.h"
#include "harness/core/error.h"
#include "harness/core/sha256.h"

namespace rbench {
namespace {

using ::testing::HasSubstr;
using testing::TempDir;

const std::filesystem::path kCatalogue = testing::bundled_data_dir() / "datasets.json";

TEST(DatasetCatalogue, BundledCatalogueHasTheSuitesWeLoad) {
  const std::vector<Dataset> catalogue = load_dataset_catalogue(kCatalogue);
  const Dataset& gsm8k = find_dataset(catalogue, "gsm8k");
  ASSERT_EQ(gsm8k.files.size(), 1u);
  EXPECT_EQ(gsm8k.files[0].path, "gsm8k/test.jsonl");
  EXPECT_EQ(gsm8k.files[0].urls[0],
            "https://raw.githubusercontent.com/openai/grade-school-math/"
            "3101c7d5072418e28b9008a6636bde82a006892c/grade_school_math/data/test.jsonl");
  const Dataset& math500 = find_dataset(catalogue, "math500");
  ASSERT_EQ(math500.files.size(), 1u);
  EXPECT_EQ(math500.files[0].path, "math500/test.jsonl");
  EXPECT_EQ(math500.files[0].urls.size(), 2u);  // prm800k's LFS media URL, then the mirror
  for (const char* name :
       {"aime2024", "aime2025", "humaneval", "mbpp", "arena-hard", "alpaca-eval"}) {
    EXPECT_NO_THROW(find_dataset(catalogue, name)) << name;
  }
  EXPECT_THROW(find_dataset(catalogue, "nope"), UsageError);
}

TEST(DatasetCatalogue, HashesAndSizesMatchTheSharedData) {
  const std::filesystem::path data = testing::shared_data_dir();
  if (data.empty()) GTEST_SKIP() << "no shared data at " << RBENCH_SHARED_DATA_DIR;
  int checked = 0;
  for (const Dataset& dataset : load_dataset_catalogue(kCatalogue)) {
    for (const DatasetFile& file : dataset.files) {
      const std::filesystem::path path = data / file.path;
      ASSERT_TRUE(std::filesystem::exists(path)) << path;
      EXPECT_EQ(std::filesystem::file_size(path), file.bytes) << file.path;
      EXPECT_EQ(sha256_file_hex(path), file.sha256) << file.path;
      ++checked;
    }
  }
  EXPECT_GE(checked, 14);
}

TEST(DatasetCatalogue, MalformedEntriesAreNamed) {
  TempDir dir;
  const auto error_of = [&](std::string_view files_json) -> std::string {
    const auto file = dir.write(
        "c.json", fmt::format("{{\"datasets\":[{{\"name\":\"d\",\"files\":[{}]}}]}}", files_json));
    try {
      load_dataset_catalogue(file);
    } catch (const DataError& error) {
      return error.what();
    }
    return "no error";
  };
  const std::string sha(64, 'a');
  const auto entry = [&](std::string_view path, std::string_view hash, std::string_view url) {
    return fmt::format("{{\"path\":\"{}\",\"sha256\":\"{}\",\"bytes\":3,\"urls\":[\"{}\"]}}", path,
                       hash, url);
  };
  EXPECT_EQ(error_of(entry("d/x.jsonl", sha, "https://h/x")), "no error");
  EXPECT_THAT(error_of(entry("../x.jsonl", sha, "https://h/x")),
              HasSubstr("c.json: $.datasets[0].files[0].path: \"../x.jsonl\" must be relative"));
  EXPECT_THAT(error_of(entry("/etc/x", sha, "https://h/x")), HasSubstr("must be relative"));
  EXPECT_THAT(error_of(entry("d/x", "ABC", "https://h/x")),
              HasSubstr("$.datasets[0].files[0].sha256: \"ABC\" is not 64 lower-case hex"));
  EXPECT_THAT(error_of(entry("d/x", sha, "file:///etc/passwd")),
              HasSubstr("$.datasets[0].files[0].urls[0]: \"file:///etc/passwd\" is not http(s)"));
  EXPECT_THAT(error_of("{\"path\":\"d/x\"}"),
              HasSubstr("c.json: $.datasets[0].files[0].sha256: missing"));
}

}  // namespace
}  // namespace rbench
