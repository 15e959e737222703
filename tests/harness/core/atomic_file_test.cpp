// AtomicFile: a whole file appears under its name; a write that fails (here past a file size
// limit, RLIMIT_FSIZE, set in a child process with SIGXFSZ ignored so that write() returns EFBIG
// as on a full disk) leaves the previous file untouched, no temporary file, and an error naming
// the file and the cause.
#include "harness/core/atomic_file.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <string>

#include "common/temp_dir.h"
#include "harness/core/error.h"

namespace rbench {
namespace {

namespace fs = std::filesystem;
using rbench::testing::TempDir;

constexpr rlim_t kLimit = 64 * 1024;

std::string read_all(int fd) {
  std::string out;
  char buf[4096];
  ssize_t n = 0;
  while ((n = read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
  return out;
}

// Writes `size` bytes to `out` in a child limited to kLimit bytes per file; returns the error
// message it got ("" when the write went through).
std::string write_limited(const fs::path& out, std::size_t size) {
  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) return "pipe failed";
  const pid_t pid = fork();
  if (pid == 0) {
    close(pipe_fds[0]);
    signal(SIGXFSZ, SIG_IGN);
    const rlimit limit{kLimit, kLimit};
    setrlimit(RLIMIT_FSIZE, &limit);
    std::string message;
    try {
      write_file_atomically(out, std::string(size, 'x'));
    } catch (const Error& e) {
      message = e.what();
    }
    (void)!write(pipe_fds[1], message.data(), message.size());
    _exit(0);
  }
  close(pipe_fds[1]);
  std::string message = read_all(pipe_fds[0]);
  close(pipe_fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status)) << "the child died of signal " << WTERMSIG(status);
  return message;
}

TEST(AtomicFile, WholeFileAppearsUnderItsName) {
  TempDir dir;
  const fs::path out = dir.path() / "report.html";
  write_file_atomically(out, "<html></html>");
  EXPECT_EQ(fs::file_size(out), 13u);
  EXPECT_FALSE(fs::exists(fs::path(out) += ".tmp"));
}

TEST(AtomicFile, FailedWriteLeavesThePreviousFileAndNoTemporary) {
  TempDir dir;
  const fs::path out = dir.path() / "report.html";
  write_file_atomically(out, "previous");
  const std::string message = write_limited(out, 4 * kLimit);
  EXPECT_EQ(message.rfind(out.string() + ": writing failed: file size limit reached", 0), 0u)
      << message;
  EXPECT_NE(message.find("report.html.tmp was removed"), std::string::npos) << message;
  std::ifstream in(out);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, "previous");
  EXPECT_FALSE(fs::exists(fs::path(out) += ".tmp"));
  // Under the limit, the same child writes it.
  EXPECT_EQ(write_limited(out, kLimit / 2), "");
  EXPECT_EQ(fs::file_size(out), kLimit / 2);
}

}  // namespace
}  // namespace rbench
