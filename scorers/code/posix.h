// Small POSIX helpers that every part of the sandbox uses: an owning file descriptor, pipes,
// writes that finish, and errno and signal names for messages.
#pragma once

#include <unistd.h>

#include <string>
#include <string_view>
#include <utility>

namespace rbench::sandbox::detail {

std::string errno_text(int err);
std::string signal_text(int sig);  // "SIGSEGV (Segmentation fault)"

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    reset(std::exchange(other.fd_, -1));
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

// Throws rbench::Error: "sandbox: <what>: <errno's text>".
[[noreturn]] void fail_errno(std::string_view what);

struct Pipe {
  UniqueFd read, write;
};

Pipe make_pipe();  // both ends close-on-exec

// Writes all of `data`, retrying short writes; throws naming `what` on failure.
void write_all(int fd, std::string_view data, std::string_view what);

}  // namespace rbench::sandbox::detail
