// Store files that are damaged or full: a truncated file is refused on open naming it; a corrupt
// page is found by the integrity check (and on open after an unclean shutdown, never on a clean
// open); a store that cannot grow fails as "disk full writing <file>" and keeps every sample
// committed before, so the same samples put again leave no duplicate.
#include "harness/store/store_check.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "common/temp_dir.h"
#include "harness/core/error.h"
#include "harness/store/store.h"

namespace rbench {
namespace {

namespace fs = std::filesystem;
using rbench::testing::TempDir;

constexpr int kSamples = 400;  // enough pages that truncating or damaging the middle hits data

SampleRecord sample(std::int64_t run_id, int i) {
  SampleRecord r;
  r.run_id = run_id;
  r.key = {"model-a", "demo", "item-" + std::to_string(i), 0};
  r.prompt_json = R"([{"role":"user","content":"q"}])";
  r.reference = "42";
  r.completion.reasoning = std::string(300, 'r');  // about a page per 10 samples
  r.completion.answer = "The answer is \\boxed{42}.";
  r.completion.attempts = 1;
  return r;
}

void fill(const fs::path& db, int from, int to) {
  Store store(db);
  const auto run = store.open_run("r", "{}", "test", "sha");
  for (int i = from; i < to; ++i) store.put_sample(sample(run.id, i));
}

std::size_t rows(const fs::path& db) {
  Store store(db);
  return store.samples().size();
}

// Overwrites one page in the middle of the file with garbage.
void damage_middle_page(const fs::path& db) {
  const auto size = fs::file_size(db);
  constexpr std::uintmax_t kPage = 4096;
  const std::uintmax_t page = (size / kPage) / 2;
  std::fstream f(db, std::ios::binary | std::ios::in | std::ios::out);
  f.seekp(static_cast<std::streamoff>(page * kPage));
  const std::string garbage(kPage, '\xA5');
  f.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
  ASSERT_TRUE(f.flush());
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

TEST(StoreCheck, SoundStoreHasNoProblemsAndWasClosedCleanly) {
  TempDir dir;
  const fs::path db = dir.path() / "results.db";
  fill(db, 0, kSamples);
  EXPECT_FALSE(left_unclean(db));
  EXPECT_TRUE(check_store_integrity(db).empty()) << joined(check_store_integrity(db));
  EXPECT_NO_THROW(require_intact_store(db));
}

TEST(StoreCheck, TruncatedFileIsRefusedOnOpenNamingIt) {
  TempDir dir;
  const fs::path db = dir.path() / "results.db";
  fill(db, 0, kSamples);
  fs::resize_file(db, fs::file_size(db) / 2);
  try {
    Store store(db);
    FAIL() << "a truncated store was opened";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find(db.string() + ": truncated"), std::string::npos)
        << e.what();
  }
  const auto problems = check_store_integrity(db);
  ASSERT_FALSE(problems.empty());
  EXPECT_NE(problems.front().find("truncated"), std::string::npos) << joined(problems);
  EXPECT_THROW(require_intact_store(db), DataError);
}

TEST(StoreCheck, CorruptPageIsFoundByTheCheckNamingTheFile) {
  TempDir dir;
  const fs::path db = dir.path() / "results.db";
  fill(db, 0, kSamples);
  damage_middle_page(db);
  EXPECT_FALSE(check_store_integrity(db).empty());
  try {
    require_intact_store(db);
    FAIL() << "a damaged store passed the check";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find(db.string() + ": refused: the store is damaged"),
              std::string::npos)
        << e.what();
  }
}

// A child process writes into the store and exits normally: the store is closed (clean).
void write_and_exit(const fs::path& db, int i) {
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    try {
      Store store(db);
      const auto run = store.open_run("r", "{}", "test", "sha");
      store.put_sample(sample(run.id, i));
    } catch (...) {
      _exit(3);
    }
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

// A child process writes into the store and is killed with it open, as a crashed run is.
void write_and_be_killed(const fs::path& db, int i) {
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    close(ready[0]);
    Store store(db);
    const auto run = store.open_run("r", "{}", "test", "sha");
    store.put_sample(sample(run.id, i));
    const char byte = 1;
    (void)!write(ready[1], &byte, 1);
    pause();  // killed here, the store still open
    _exit(0);
  }
  close(ready[1]);
  char byte = 0;
  ASSERT_EQ(read(ready[0], &byte, 1), 1);
  close(ready[0]);
  kill(pid, SIGKILL);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
}

TEST(StoreCheck, UncleanShutdownIsDetectedAndALiveWriterIsNot) {
  TempDir dir;
  const fs::path db = dir.path() / "results.db";
  fill(db, 0, 10);
  write_and_exit(db, 10);
  EXPECT_FALSE(left_unclean(db));
  write_and_be_killed(db, 11);
  EXPECT_TRUE(left_unclean(db));  // a WAL with frames, nobody holding it
  EXPECT_EQ(rows(db), 12u);       // opening recovers the WAL, after the check found it sound
  EXPECT_FALSE(left_unclean(db));

  Store live(db);  // a live connection (this process) with a WAL of its own: not unclean
  const auto run = live.open_run("r", "{}", "test", "sha");
  live.put_sample(sample(run.id, 12));
  ASSERT_GT(fs::file_size(fs::path(db) += "-wal"), 0u);
  EXPECT_FALSE(left_unclean(db));
}

TEST(StoreCheck, DamageIsRefusedOnOpenAfterAnUncleanShutdownOnly) {
  TempDir dir;
  const fs::path db = dir.path() / "results.db";
  fill(db, 0, kSamples);
  // A clean open does not read every page (resuming a large store stays fast)...
  const fs::path copy = dir.path() / "copy.db";
  fs::copy_file(db, copy);
  damage_middle_page(copy);
  EXPECT_NO_THROW(Store{copy});
  // ...but after a writer died, the open checks them all.
  write_and_be_killed(db, kSamples);
  ASSERT_TRUE(left_unclean(db));
  damage_middle_page(db);
  try {
    Store store(db);
    FAIL() << "a damaged store left by a killed writer was opened";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find(db.string() + ": refused: left by a process"),
              std::string::npos)
        << e.what();
  }
}

// The test hook RBENCH_TEST_STORE_MAX_PAGES: a store that cannot grow, as on a full disk.
class MaxPages {
 public:
  explicit MaxPages(int pages) {
    setenv("RBENCH_TEST_STORE_MAX_PAGES", std::to_string(pages).c_str(), 1);
  }
  ~MaxPages() { unsetenv("RBENCH_TEST_STORE_MAX_PAGES"); }
};

TEST(StoreCheck, FullStoreFailsNamingTheFileAndKeepsWhatWasCommitted) {
  TempDir dir;
  const fs::path db = dir.path() / "results.db";
  int stored = 0;
  {
    const MaxPages limit(30);
    Store store(db);
    const auto run = store.open_run("r", "{}", "test", "sha");
    try {
      for (; stored < kSamples; ++stored) store.put_sample(sample(run.id, stored));
      FAIL() << "the store never filled";
    } catch (const Error& e) {
      EXPECT_EQ(std::string(e.what()).rfind("disk full writing " + db.string() + ": ", 0), 0u)
          << e.what();
    }
  }
  ASSERT_GT(stored, 0);
  EXPECT_EQ(rows(db), static_cast<std::size_t>(stored));
  EXPECT_TRUE(check_store_integrity(db).empty());
  fill(db, 0, kSamples);  // "the same command again": every sample, the stored ones replaced
  EXPECT_EQ(rows(db), static_cast<std::size_t>(kSamples));
}

}  // namespace
}  // namespace rbench
