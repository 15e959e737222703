// End to end: a disk that fills loses nothing. `rbench run` whose store sits on a small tmpfs
// (mounted here: we run as root) fills it mid-run, stops naming the store and exits non-zero;
// once the filler is deleted, the same command finishes with every sample stored before intact
// and none twice. Where mounting is refused, the same test runs past a file size limit
// (RLIMIT_FSIZE) instead, so it never silently skips. `rbench report` and `rbench engine
// quantize` past a file size limit leave nothing half-written under their output names.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <thread>

#include "e2e/subprocess.h"
#include "harness/serve/mock_openai_server.h"
#include "harness/store/store.h"
#include "harness/store/store_check.h"

namespace rbench::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr int kItems = 60;
constexpr int kSamples = 10;            // 600 samples: megabytes of store and WAL
constexpr std::size_t kRoom = 1 << 20;  // what the store may take before the disk is full
constexpr std::size_t kTmpfs = 16 << 20;

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// A tmpfs of `bytes` at `at`, unmounted on destruction; mounted() is false where refused.
class SmallTmpfs {
 public:
  SmallTmpfs(const fs::path& at, std::size_t bytes) : at_(at) {
    fs::create_directories(at);
    const std::string options = "size=" + std::to_string(bytes);
    mounted_ = ::mount("tmpfs", at.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, options.c_str()) == 0;
    if (!mounted_) why_ = std::strerror(errno);
  }
  ~SmallTmpfs() {
    if (mounted_) ::umount2(at_.c_str(), MNT_DETACH);
  }
  SmallTmpfs(const SmallTmpfs&) = delete;
  SmallTmpfs& operator=(const SmallTmpfs&) = delete;
  bool mounted() const { return mounted_; }
  const std::string& why() const { return why_; }

 private:
  fs::path at_;
  bool mounted_ = false;
  std::string why_;
};

// rbench with `args`, every file it writes limited to `limit` bytes (0: no limit), its output
// in `output`; the exit status, or -1 after a two-minute timeout (killed).
int run_limited(const std::vector<std::string>& args, std::size_t limit, std::string& output,
                const fs::path& log) {
  std::vector<std::string> argv{RBENCH_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char*> raw;
  for (auto& a : argv) raw.push_back(a.data());
  raw.push_back(nullptr);
  const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return -1;
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(fd, STDOUT_FILENO);
    ::dup2(fd, STDERR_FILENO);
    if (limit > 0) {
      ::signal(SIGXFSZ, SIG_IGN);  // rbench ignores it too: write() then fails with EFBIG
      const rlimit r{limit, limit};
      ::setrlimit(RLIMIT_FSIZE, &r);
    }
    ::execv(raw[0], raw.data());
    ::_exit(127);
  }
  ::close(fd);
  int status = -1;
  const auto deadline = std::chrono::steady_clock::now() + 120s;
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      output = read_file(log);
      return -1;
    }
    std::this_thread::sleep_for(10ms);
  }
  output = read_file(log);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::vector<std::string> run_args(int port, const fs::path& db, int items, int samples) {
  return {"run",
          "--model",
          "mock",
          "--base-url",
          "http://127.0.0.1:" + std::to_string(port) + "/v1",
          "--suite",
          "demo-math",
          "--limit",
          std::to_string(items),
          "--samples",
          std::to_string(samples),
          "--concurrency",
          "4",
          "--run",
          "disk",
          "--quiet",
          "--db",
          db.string()};
}

// Each stored sample's key -> when it was stored; a sample redone would change it.
std::map<std::string, std::string> stored(const fs::path& db) {
  std::map<std::string, std::string> out;
  Store store(db);
  for (const auto& s : store.samples()) {
    const std::string key = s.key.item_id + "#" + std::to_string(s.key.sample_index);
    EXPECT_TRUE(out.emplace(key, s.created_at).second) << "stored twice: " << key;
  }
  return out;
}

void write_filler(const fs::path& file, std::size_t bytes) {
  std::ofstream out(file, std::ios::binary);
  const std::string block(1 << 16, 'f');
  for (std::size_t n = 0; n < bytes; n += block.size()) out.write(block.data(), block.size());
  ASSERT_TRUE(out.flush()) << "cannot write the filler " << file;
}

// The run fills its store's room, stops naming the store, and resumes once room is made.
// `tmpfs`: the store on a small tmpfs with a filler; else a file size limit of kRoom.
void fill_then_resume(const fs::path& dir, bool tmpfs) {
  MockOpenAIServer server;
  server.start();
  const fs::path db = dir / "results.db";
  const fs::path filler = dir / "filler";
  if (tmpfs) write_filler(filler, kTmpfs - kRoom);
  const auto args = run_args(server.port(), db, kItems, kSamples);

  std::string output;
  const int status = run_limited(args, tmpfs ? 0 : kRoom, output, dir.parent_path() / "first.log");
  ASSERT_NE(status, 0) << "the run fitted in the room it had:\n" << output;
  ASSERT_NE(status, -1) << output;
  EXPECT_TRUE(contains(output, (tmpfs ? "disk full writing " : "file size limit reached writing ") +
                                   db.string() + ": "))
      << output;

  if (tmpfs) fs::remove(filler);  // room again
  const auto before = stored(db);
  ASSERT_GT(before.size(), 0u) << "nothing was stored before the disk filled";
  ASSERT_LT(before.size(), static_cast<std::size_t>(kItems * kSamples));
  EXPECT_TRUE(check_store_integrity(db).empty());

  ASSERT_EQ(run_limited(args, 0, output, dir.parent_path() / "second.log"), 0) << output;
  const auto after = stored(db);
  EXPECT_EQ(after.size(), static_cast<std::size_t>(kItems * kSamples));
  for (const auto& [key, created_at] : before) {
    const auto it = after.find(key);
    ASSERT_NE(it, after.end()) << key << " was lost";
    EXPECT_EQ(it->second, created_at) << key << " was redone";
  }
}

TEST(DiskFull, RunOnAFullTmpfsStopsNamingTheStoreAndResumes) {
  TempDir dir;
  const SmallTmpfs disk(dir.path() / "disk", kTmpfs);
  if (!disk.mounted()) {
    // Not silently skipped: the same run, against the limit that is always there.
    std::cerr << "mounting a tmpfs was refused (" << disk.why()
              << "); running against RLIMIT_FSIZE instead\n";
    fill_then_resume(dir.path() / "disk", /*tmpfs=*/false);
    return;
  }
  fill_then_resume(dir.path() / "disk", /*tmpfs=*/true);
}

TEST(DiskFull, RunPastAFileSizeLimitStopsNamingTheStoreAndResumes) {
  TempDir dir;
  fs::create_directories(dir.path() / "store");
  fill_then_resume(dir.path() / "store", /*tmpfs=*/false);
}

TEST(DiskFull, ReportPastAFileSizeLimitLeavesThePreviousReport) {
  MockOpenAIServer server;
  server.start();
  TempDir dir;
  const fs::path db = dir.path() / "results.db";
  const fs::path out = dir.path() / "report.html";
  std::string output;
  ASSERT_EQ(run_limited(run_args(server.port(), db, 5, 1), 0, output, dir.path() / "run.log"), 0)
      << output;
  const std::vector<std::string> report{"report", "--db", db.string(), "--out", out.string()};
  ASSERT_EQ(run_limited(report, 0, output, dir.path() / "report.log"), 0) << output;
  const std::string previous = read_file(out);
  // Above the 32 KiB of SQLite's -shm file, below the report.
  constexpr std::size_t kLimit = 48 << 10;
  ASSERT_GT(previous.size(), kLimit) << "the report is too small to be cut by the limit";

  EXPECT_NE(run_limited(report, kLimit, output, dir.path() / "limited.log"), 0) << output;
  EXPECT_TRUE(contains(output, out.string() + ": writing failed: file size limit reached"))
      << output;
  EXPECT_EQ(read_file(out), previous) << "the report under its name changed";
  EXPECT_FALSE(fs::exists(fs::path(out) += ".tmp"));
}

TEST(DiskFull, QuantizePastAFileSizeLimitLeavesNoOutput) {
  TempDir dir;
  const fs::path tiny = dir.path() / "tiny";
  const fs::path whole = dir.path() / "whole-fp8";
  const fs::path out = dir.path() / "tiny-fp8";
  std::string output;
  ASSERT_EQ(run_limited({"engine", "make-tiny", "--out", tiny.string(), "--variant", "dense",
                         "--seed", "1"},
                        0, output, dir.path() / "make.log"),
            0)
      << output;
  ASSERT_EQ(run_limited({"engine", "quantize", "--fp8", tiny.string(), whole.string()}, 0, output,
                        dir.path() / "whole.log"),
            0)
      << output;
  // Room for every file but the quantised weights, so that the failure is theirs.
  std::size_t others = 0;
  for (const auto& f : fs::directory_iterator(whole)) {
    if (f.path().extension() != ".safetensors") others = std::max(others, f.file_size());
  }
  const std::size_t limit = others + 4096;
  ASSERT_GT(fs::file_size(whole / "model.safetensors"), limit);

  EXPECT_NE(run_limited({"engine", "quantize", "--fp8", tiny.string(), out.string()}, limit, output,
                        dir.path() / "limited.log"),
            0)
      << output;
  EXPECT_TRUE(contains(output, "model.safetensors: writing failed: file size limit reached"))
      << output;
  EXPECT_TRUE(contains(output, out.filename().string())) << output;
  EXPECT_FALSE(fs::exists(out)) << "a half-written checkpoint was left under its name";
  for (const auto& f : fs::directory_iterator(dir.path())) {
    EXPECT_FALSE(contains(f.path().filename().string(), "quantize-tmp")) << f.path();
  }
}

}  // namespace
}  // namespace rbench::test
