// Write to a temporary file, then rename; see atomic_file.h.
#include "harness/core/atomic_file.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "harness/core/error.h"

namespace rbench {

std::string describe_write_error(int error_number) {
  switch (error_number) {
    case ENOSPC:
      return fmt::format("disk full ({})", std::strerror(error_number));
    case EDQUOT:
      return fmt::format("disk quota exceeded ({})", std::strerror(error_number));
    case EFBIG:
      return fmt::format("file size limit reached ({}; see ulimit -f)",
                         std::strerror(error_number));
    default:
      return std::strerror(error_number);
  }
}

AtomicFile::AtomicFile(std::filesystem::path out) : out_(std::move(out)) {
  tmp_ = out_;
  tmp_ += ".tmp";
  fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    throw Error(fmt::format("{}: cannot create its temporary file {}: {}", out_.string(),
                            tmp_.string(), describe_write_error(errno)));
  }
}

AtomicFile::~AtomicFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_) ::unlink(tmp_.c_str());
}

void AtomicFile::fail(std::string_view doing, int error_number) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  ::unlink(tmp_.c_str());  // nothing half-written is left behind, under either name
  throw Error(
      fmt::format("{}: {} failed: {} (nothing was written under this name; its "
                  "temporary file {} was removed)",
                  out_.string(), doing, describe_write_error(error_number), tmp_.string()));
}

void AtomicFile::write(std::string_view bytes) {
  const char* p = bytes.data();
  std::size_t left = bytes.size();
  while (left > 0) {
    const ssize_t n = ::write(fd_, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("writing", errno);
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

void AtomicFile::write(std::span<const std::byte> bytes) {
  write(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

void AtomicFile::commit() {
  // fsync: on a file system that allocates lazily, a full disk may be reported only here.
  if (::fsync(fd_) != 0 && errno != EINVAL) fail("flushing", errno);
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) fail("closing", errno);
  if (::rename(tmp_.c_str(), out_.c_str()) != 0) fail("moving into place", errno);
  committed_ = true;
}

void write_file_atomically(const std::filesystem::path& out, std::string_view bytes) {
  AtomicFile file(out);
  file.write(bytes);
  file.commit();
}

}  // namespace rbench
