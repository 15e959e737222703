// The sandbox's zygote, rbench's side (see zygote.h; the zygote itself is zygote.py).
#include "scorers/code/zygote.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>
#include <vector>

#include "scorers/code/child.h"
#include "scorers/code/sandbox_driver.h"

namespace rbench::sandbox::detail {
namespace {

// How long the zygote may take to start, and to answer a request with a fork: far beyond a
// healthy one's milliseconds, so that only a dead or stopped zygote reaches them.
constexpr int kStartTimeoutMs = 30'000;
constexpr int kAnswerTimeoutMs = 10'000;
constexpr std::size_t kMaxFds = 8;

// What the zygote needs once: the seccomp program and the step numbers it reports failures by.
std::string zygote_config(const RunPlan& plan) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  std::string hex;
  const auto* bytes = reinterpret_cast<const unsigned char*>(plan.seccomp.data());
  for (std::size_t i = 0; i < plan.seccomp.size() * sizeof(sock_filter); ++i) {
    hex += fmt::format("{:02x}", bytes[i]);
  }
  w.Key("seccomp");
  w.String(hex.c_str(), static_cast<rapidjson::SizeType>(hex.size()));
  w.Key("max_fd");
  w.Int(plan.max_fd);
  w.Key("steps");
  w.StartObject();
  const std::pair<const char*, Step> steps[] = {{"setsid", kStepSetsid},
                                                {"clone", kStepClone},
                                                {"setgroups_deny", kStepSetgroupsDeny},
                                                {"uid_map", kStepUidMap},
                                                {"gid_map", kStepGidMap},
                                                {"mount_private", kStepMountPrivate},
                                                {"mount_tmpfs", kStepMountTmpfs},
                                                {"mount_shm", kStepMountShm},
                                                {"rlimit", kStepRlimit},
                                                {"drop_groups", kStepDropGroups},
                                                {"drop_gid", kStepDropGid},
                                                {"drop_uid", kStepDropUid},
                                                {"no_new_privs", kStepNoNewPrivs},
                                                {"landlock_rule", kStepLandlockRule},
                                                {"landlock_restrict", kStepLandlockRestrict},
                                                {"seccomp", kStepSeccomp},
                                                {"drop_caps", kStepDropCaps},
                                                {"clone_python", kStepClonePython},
                                                {"move_fds", kStepMoveFds},
                                                {"chdir", kStepChdir}};
  for (const auto& [name, step] : steps) {
    w.Key(name);
    w.Int(step);
  }
  w.EndObject();
  w.EndObject();
  return buffer.GetString();
}

// Waits up to timeout_ms for `fd` to be readable; false on timeout.
bool wait_readable(int fd, int timeout_ms) {
  pollfd p{fd, POLLIN, 0};
  for (;;) {
    const int n = poll(&p, 1, timeout_ms);
    if (n < 0 && errno == EINTR) continue;
    return n > 0;
  }
}

std::string read_available(int fd) {
  std::string text;
  char buffer[4096];
  while (wait_readable(fd, 0)) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n <= 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
  }
  return text;
}

bool send_with_fds(int socket, std::string_view message, std::span<const int> fds) {
  if (fds.size() > kMaxFds) return false;
  iovec data{const_cast<char*>(message.data()), message.size()};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxFds)] = {};
  msghdr header{};
  header.msg_iov = &data;
  header.msg_iovlen = 1;
  if (!fds.empty()) {
    header.msg_control = control;
    header.msg_controllen = CMSG_SPACE(sizeof(int) * fds.size());
    cmsghdr* cmsg = CMSG_FIRSTHDR(&header);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
    std::memcpy(CMSG_DATA(cmsg), fds.data(), sizeof(int) * fds.size());
  }
  for (;;) {
    const ssize_t n = sendmsg(socket, &header, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    return n == static_cast<ssize_t>(message.size());
  }
}

}  // namespace

// One started zygote: its end of the channel and its pid. The last run holding it kills it.
struct Zygote::Connection {
  UniqueFd channel;
  pid_t pid = 0;
  std::uint64_t generation = 0;
  ~Connection() {
    channel.reset();  // a healthy zygote exits on the end of its channel; a stopped one does not
    if (pid > 0) {
      ::kill(pid, SIGKILL);
      while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
      }
    }
  }
};

Zygote::Zygote(std::string python, const RunPlan& plan)
    : python_(std::move(python)), config_(zygote_config(plan)) {}

Zygote::~Zygote() = default;

std::shared_ptr<Zygote::Connection> Zygote::start(std::string& error) const {
  int pair[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0) {
    error = "zygote: socketpair: " + errno_text(errno);
    return nullptr;
  }
  UniqueFd ours(pair[0]), theirs(pair[1]);
  Pipe errors = make_pipe();
  std::vector<std::string> args = {
      python_, "-s", "-B", "-c", std::string(kZygoteSource), std::string(kDriverSource)};
  // The driver's environment (execution.cpp); HOME and TMPDIR are set per child.
  std::vector<std::string> env = {"PATH=/usr/bin:/bin", "HOME=/",
                                  "TMPDIR=/tmp",        "LANG=C.UTF-8",
                                  "PYTHONHASHSEED=0",   "PYTHONDONTWRITEBYTECODE=1",
                                  "PYTHONNOUSERSITE=1", "PYTHONSAFEPATH=1"};
  std::vector<char*> argv, envp;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  for (std::string& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, errors.write.get(), 2);
  posix_spawn_file_actions_adddup2(&actions, theirs.get(), 3);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  // Its own session: a signal to rbench's process group (Ctrl-C) does not reach it.
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSID);
  pid_t pid = 0;
  const int rc =
      posix_spawn(&pid, python_.c_str(), &actions, &attributes, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (rc != 0) {
    error = fmt::format("cannot run {}: {}", python_, errno_text(rc));
    return nullptr;
  }
  auto connection = std::make_shared<Connection>();
  connection->channel = std::move(ours);
  connection->pid = pid;
  theirs.reset();
  errors.write.reset();

  char ready[16] = {};
  const bool sent = send_with_fds(connection->channel.get(), config_, {});
  const bool answered = sent && wait_readable(connection->channel.get(), kStartTimeoutMs) &&
                        ::recv(connection->channel.get(), ready, sizeof ready, 0) == 5 &&
                        std::string_view(ready, 5) == "ready";
  if (!answered) {
    std::string text = read_available(errors.read.get());
    while (!text.empty() && text.back() == '\n') text.pop_back();
    const auto last = text.rfind('\n');
    error = fmt::format(
        "the sandbox's zygote ({}) did not start{}", python_,
        text.empty() ? "" : ": " + text.substr(last == std::string::npos ? 0 : last + 1));
    return nullptr;  // the connection's destructor kills and reaps it
  }
  return connection;
}

std::shared_ptr<Zygote::Connection> Zygote::connection(std::string& error) const {
  const std::lock_guard lock(mutex_);
  if (current_) return current_;
  // Started under the lock: concurrent first runs wait for one zygote instead of starting many.
  current_ = start(error);
  if (!current_) return nullptr;
  current_->generation = ++generations_;
  if (info_.started != std::chrono::system_clock::time_point{}) ++info_.restarts;
  info_.started = std::chrono::system_clock::now();
  info_.pid = current_->pid;
  return current_;
}

std::optional<std::uint64_t> Zygote::submit(const std::string& request, std::span<const int> fds,
                                            std::string& error) const {
  const std::shared_ptr<Connection> zygote = connection(error);
  if (!zygote) return std::nullopt;
  if (!send_with_fds(zygote->channel.get(), request, fds)) {
    error = "the sandbox's zygote does not take requests: " + errno_text(errno);
    restart(zygote->generation);
    return std::nullopt;
  }
  return zygote->generation;
}

void Zygote::restart(std::uint64_t generation) const {
  std::shared_ptr<Connection> dead;
  const std::lock_guard lock(mutex_);
  if (current_ && current_->generation == generation) dead = std::exchange(current_, nullptr);
  info_.pid = 0;
}

void Zygote::count_fork() const {
  const std::lock_guard lock(mutex_);
  ++info_.forks;
}

ZygoteInfo Zygote::info() const {
  const std::lock_guard lock(mutex_);
  ZygoteInfo info = info_;
  info.enabled = true;
  info.running = current_ && waitpid(current_->pid, nullptr, WNOHANG) == 0;
  if (!current_) info.pid = 0;
  return info;
}

std::optional<pid_t> await_fork(int status_fd, int& fork_errno, std::string& error) {
  ZygoteMessage message{};
  if (!wait_readable(status_fd, kAnswerTimeoutMs)) {
    error = fmt::format("the sandbox's zygote did not answer within {} s", kAnswerTimeoutMs / 1000);
    return std::nullopt;
  }
  const ssize_t n = ::read(status_fd, &message, sizeof message);
  if (n == static_cast<ssize_t>(sizeof message) && message.kind == kForked && message.a > 0) {
    return static_cast<pid_t>(message.a);
  }
  if (n == static_cast<ssize_t>(sizeof message) && message.kind == kForkFailed) {
    fork_errno = static_cast<int>(message.a);
    return std::nullopt;
  }
  error = "the sandbox's zygote died before it forked the program";
  return std::nullopt;
}

bool ZygoteChild::read_status(int timeout_ms) const {
  while (!reaped_ && !lost_ && wait_readable(status_fd_.get(), timeout_ms)) {
    ZygoteMessage message{};
    const ssize_t n = ::read(status_fd_.get(), &message, sizeof message);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n != static_cast<ssize_t>(sizeof message)) {
      lost_ = true;  // the end of the pipe without the report: the zygote is gone
    } else if (message.kind == kInit && message.a > 0) {
      pid_ = static_cast<pid_t>(message.a);
    } else if (message.kind == kReaped) {
      reaped_ = true;
      wait_status_ = static_cast<int>(message.a);
      cpu_us_ = message.b;
    }
  }
  return reaped_;
}

void ZygoteChild::kill() const {
  if (read_status(0)) return;  // reaped: its pid may already belong to another process
  ::kill(-pid_, SIGKILL);
  ::kill(pid_, SIGKILL);
}

bool ZygoteChild::exited() const {
  return read_status(0) || lost_;
}

int ZygoteChild::reap(rusage* usage) {
  if (!read_status(0) && !lost_) {
    ::kill(-pid_, SIGKILL);  // what the program left behind in its group, as ChildProcess does
    if (!read_status(kAnswerTimeoutMs) && !lost_) lost_ = true;  // a stopped zygote
  }
  if (usage != nullptr) {
    *usage = {};
    usage->ru_utime.tv_sec = static_cast<time_t>(cpu_us_ / 1'000'000);
    usage->ru_utime.tv_usec = static_cast<suseconds_t>(cpu_us_ % 1'000'000);
  }
  return wait_status_;
}

}  // namespace rbench::sandbox::detail
