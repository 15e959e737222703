#include "harness/probe/wrk.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <regex>

#include <fmt/format.h>

#include "harness/core/error.h"

extern char** environ;

namespace rbench::probe {
namespace {

constexpr std::size_t kMaxOutput = 1 << 20;

double to_seconds(double value, const std::string& unit) {
  if (unit == "us") return value / 1e6;
  if (unit == "ms") return value / 1e3;
  if (unit == "m") return value * 60;
  if (unit == "h") return value * 3600;
  return value;
}

// Closes the descriptor on scope exit.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

std::optional<std::filesystem::path> find_on_path(std::string_view name) {
  const char* path = std::getenv("PATH");
  if (path == nullptr || name.empty()) return std::nullopt;
  std::string_view rest(path);
  while (true) {
    const std::size_t colon = rest.find(':');
    const std::string_view dir = rest.substr(0, colon);
    if (!dir.empty()) {
      const std::filesystem::path candidate = std::filesystem::path(dir) / name;
      if (::access(candidate.c_str(), X_OK) == 0 && !std::filesystem::is_directory(candidate)) {
        return candidate;
      }
    }
    if (colon == std::string_view::npos) return std::nullopt;
    rest.remove_prefix(colon + 1);
  }
}

std::string wrk_post_script(std::string_view body, const std::vector<std::string>& headers) {
  // A Lua long string [==[...]==] takes the body verbatim; pick a level it does not close.
  std::string level = "=";
  while (body.find("]" + level + "]") != std::string_view::npos) level += "=";
  std::string s = "-- written by rbench probe ceiling\nwrk.method = \"POST\"\n";
  s += fmt::format("wrk.body = [{}[{}]{}]\n", level, body, level);
  for (const std::string& h : headers) {
    const std::size_t colon = h.find(':');
    if (colon == std::string::npos) continue;
    std::string value = h.substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    std::string quoted;
    for (char ch : value) {
      if (ch == '"' || ch == '\\') quoted += '\\';
      quoted += ch;
    }
    s += fmt::format("wrk.headers[\"{}\"] = \"{}\"\n", h.substr(0, colon), quoted);
  }
  return s;
}

std::optional<WrkSummary> parse_wrk_output(std::string_view output) {
  const std::string text(output);
  std::smatch m;
  WrkSummary w;
  if (!std::regex_search(text, m, std::regex(R"(Requests/sec:\s*([0-9.]+))"))) return std::nullopt;
  w.requests_per_s = std::strtod(m[1].str().c_str(), nullptr);
  if (std::regex_search(text, m, std::regex(R"((\d+) requests in ([0-9.]+)(us|ms|s|m|h))"))) {
    w.requests = std::strtoll(m[1].str().c_str(), nullptr, 10);
    w.duration_s = to_seconds(std::strtod(m[2].str().c_str(), nullptr), m[3].str());
  }
  if (std::regex_search(text, m, std::regex(R"(Non-2xx or 3xx responses:\s*(\d+))"))) {
    w.non_2xx = std::strtoll(m[1].str().c_str(), nullptr, 10);
  }
  if (std::regex_search(
          text, m,
          std::regex(R"(Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+))"))) {
    for (int i = 1; i <= 4; ++i) w.socket_errors += std::strtoll(m[i].str().c_str(), nullptr, 10);
  }
  if (std::regex_search(text, m, std::regex(R"(Latency\s+([0-9.]+)(us|ms|s|m|h))"))) {
    w.latency_avg_ms = 1e3 * to_seconds(std::strtod(m[1].str().c_str(), nullptr), m[2].str());
  }
  return w;
}

CommandOutput run_command(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
  if (argv.empty()) throw Error("run_command: no program");
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw Error(fmt::format("pipe: {}", std::strerror(errno)));
  Fd read_end{fds[0]};
  Fd write_end{fds[1]};
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, write_end.fd, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, write_end.fd, STDERR_FILENO);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, argv[0].c_str(), &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw Error(fmt::format("cannot start {}: {}", argv[0], std::strerror(rc)));
  ::close(write_end.fd);
  write_end.fd = -1;

  CommandOutput out;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  char buffer[4096];
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      out.timed_out = true;
      ::kill(pid, SIGKILL);
      break;
    }
    pollfd p{read_end.fd, POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;  // the deadline check above ends it
    const ssize_t n = ::read(read_end.fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // EOF: the child closed its output
    if (out.output.size() < kMaxOutput) out.output.append(buffer, static_cast<std::size_t>(n));
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  out.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return out;
}

}  // namespace rbench::probe
