#include "e2e/subprocess.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace rbench::test {

Subprocess::Subprocess(const std::vector<std::string>& argv,
                       const std::filesystem::path& output_file) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const int fd = ::open(output_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error("cannot open " + output_file.string());
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    ::dup2(fd, STDOUT_FILENO);
    ::dup2(fd, STDERR_FILENO);
    const int null_fd = ::open("/dev/null", O_RDONLY);
    ::dup2(null_fd, STDIN_FILENO);
    // Test runners may block signals; the child must see SIGINT and SIGTERM.
    sigset_t set;
    sigemptyset(&set);
    ::sigprocmask(SIG_SETMASK, &set, nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(fd);
}

Subprocess::~Subprocess() {
  if (!reaped_ && pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
}

void Subprocess::signal(int sig) {
  if (!reaped_) ::kill(pid_, sig);
}

bool Subprocess::running() {
  return wait(std::chrono::milliseconds(0)) == -1;
}

int Subprocess::wait(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!reaped_) {
    int status = 0;
    const pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      reaped_ = true;
      status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      break;
    }
    if (std::chrono::steady_clock::now() >= deadline) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return status_;
}

rapidjson::Document json_in_output(const std::string& output) {
  rapidjson::Document doc;
  const std::size_t at = output.find('{');
  doc.Parse(at == std::string::npos ? "" : output.c_str() + at);
  return doc;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

int run_rbench(const std::vector<std::string>& args, std::string& output,
               std::chrono::milliseconds timeout) {
  TempDir dir;
  std::vector<std::string> argv{RBENCH_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  const auto log = dir.path() / "output.txt";
  int status;
  {
    Subprocess child(argv, log);
    status = child.wait(timeout);
  }
  output = read_file(log);
  return status;
}

TempDir::TempDir() {
  std::random_device rd;
  path_ = std::filesystem::temp_directory_path() /
          ("rbench-test-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
  std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

}  // namespace rbench::test
