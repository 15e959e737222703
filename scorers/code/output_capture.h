// What the sandbox keeps of a run's output: the head of stdout, the tail of stderr, the
// completion records of the result pipe, and the UTF-8 repair applied to all of it.
#pragma once

#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace rbench::sandbox::detail {

// Invalid UTF-8 becomes U+FFFD; a sequence cut by truncation at the kept text's edges is dropped
// rather than replaced.
std::string valid_utf8(std::string_view s, bool cut_front, bool cut_back);

// The last non-blank line of `text`, at most 200 bytes: the hint after an early exit.
std::string last_line(std::string_view text);

// The first output_keep_bytes of a stream, and the count of all of it.
struct Head {
  std::size_t keep;
  std::string text;
  std::uint64_t total = 0;
  void add(std::string_view data) {
    total += data.size();
    if (text.size() < keep) text.append(data.substr(0, keep - text.size()));
  }
};

// The last output_keep_bytes of a stream (trimmed in amortised steps), and the count.
struct Tail {
  std::size_t keep;
  std::string text;
  std::uint64_t total = 0;
  void add(std::string_view data) {
    total += data.size();
    if (data.size() >= keep) {
      text.assign(data.substr(data.size() - keep));
      return;
    }
    text.append(data);
    if (text.size() > 2 * keep) text.erase(0, text.size() - keep);
  }
  std::string kept() const { return text.size() > keep ? text.substr(text.size() - keep) : text; }
};

// Completion records from the result pipe: one JSON object per line. A line carrying the run's
// nonce is the driver's; any other record-like line was forged by the program.
class RecordReader {
 public:
  explicit RecordReader(std::string nonce) : nonce_(std::move(nonce)) {}

  void add(std::string_view data);
  void finish();

  int valid = 0;
  int forged = 0;
  std::string status, message;

 private:
  static constexpr std::size_t kMaxLine = 64 * 1024;

  void line(std::string_view text);

  std::string nonce_;
  std::string partial_;
  bool skipping_ = false;
};

// Reads what is available; false once the stream has ended.
template <typename Sink>
bool pump(int fd, Sink&& sink) {
  char buffer[64 * 1024];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n > 0) {
      sink(std::string_view(buffer, static_cast<std::size_t>(n)));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }
}

}  // namespace rbench::sandbox::detail
