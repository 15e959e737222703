// End to end: `rbench store check` prints "ok" for a sound store and the problems of a damaged
// or truncated one (exit 1), and `rbench merge` refuses a damaged shard naming it, before
// writing anything.
#include <gtest/gtest.h>

#include <fstream>

#include "e2e/subprocess.h"
#include "harness/serve/mock_openai_server.h"

namespace rbench::test {
namespace {

namespace fs = std::filesystem;

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// Overwrites one page in the middle of the file with garbage.
void damage_middle_page(const fs::path& db) {
  constexpr std::uintmax_t kPage = 4096;
  const std::uintmax_t page = fs::file_size(db) / kPage / 2;
  std::fstream f(db, std::ios::binary | std::ios::in | std::ios::out);
  f.seekp(static_cast<std::streamoff>(page * kPage));
  const std::string garbage(kPage, '\xA5');
  f.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
  ASSERT_TRUE(f.flush());
}

class StoreCheckCli : public testing::Test {
 protected:
  void SetUp() override {
    server_.start();
    for (int shard = 0; shard < 2; ++shard) {
      const fs::path db = dir_.path() / ("shard-" + std::to_string(shard) + ".db");
      std::string out;
      ASSERT_EQ(run_rbench({"run", "--model", "mock", "--base-url", server_.base_url(), "--suite",
                            "demo-math", "--limit", "40", "--samples", "2", "--quiet", "--db",
                            db.string(), "--shard", std::to_string(shard) + "/2"},
                           out),
                0)
          << out;
      shards_.push_back(db);
    }
  }
  MockOpenAIServer server_;
  TempDir dir_;
  std::vector<fs::path> shards_;
};

TEST_F(StoreCheckCli, SoundStoresAreOk) {
  std::string out;
  EXPECT_EQ(run_rbench({"store", "check", shards_[0].string(), shards_[1].string()}, out), 0)
      << out;
  EXPECT_TRUE(contains(out, shards_[0].string() + ": ok")) << out;
  EXPECT_TRUE(contains(out, shards_[1].string() + ": ok")) << out;
}

TEST_F(StoreCheckCli, DamagedAndTruncatedStoresAreNamedWithTheirProblems) {
  damage_middle_page(shards_[0]);
  const fs::path cut = dir_.path() / "cut.db";
  fs::copy_file(shards_[1], cut);
  fs::resize_file(cut, fs::file_size(cut) / 2);
  std::string out;
  EXPECT_EQ(
      run_rbench({"store", "check", shards_[0].string(), shards_[1].string(), cut.string()}, out),
      1)
      << out;
  EXPECT_TRUE(contains(out, shards_[0].string() + ": ")) << out;
  EXPECT_FALSE(contains(out, shards_[0].string() + ": ok")) << out;
  EXPECT_TRUE(contains(out, shards_[1].string() + ": ok")) << out;
  EXPECT_TRUE(contains(out, cut.string() + ": truncated")) << out;
}

TEST_F(StoreCheckCli, MergeRefusesADamagedShardNamingIt) {
  damage_middle_page(shards_[1]);
  const fs::path merged = dir_.path() / "merged.db";
  std::string out;
  EXPECT_NE(
      run_rbench({"merge", "--db", merged.string(), shards_[0].string(), shards_[1].string()}, out),
      0)
      << out;
  EXPECT_TRUE(contains(out, shards_[1].string() + ": refused: the store is damaged")) << out;
  EXPECT_FALSE(fs::exists(merged)) << "the merge wrote before refusing";
}

}  // namespace
}  // namespace rbench::test
