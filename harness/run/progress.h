// Progress of a run: a one-line bar redrawn in place on a terminal, plain log lines otherwise
// (CI logs, pipes). Thread-safe: every finished sample reports here.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>

namespace rbench {

struct ProgressStats {
  std::size_t total = 0;    // samples to do in this invocation (skipped ones excluded)
  std::size_t done = 0;     // finished, stored
  std::size_t errors = 0;   // finished with an error (stored, not scored)
  std::size_t correct = 0;  // scored correct
  std::size_t truncated = 0;
  std::int64_t output_tokens = 0;
  double cost_usd = 0;
};

class Progress {
 public:
  // `interactive`: redraw a bar with \r (a TTY); otherwise log a line every `log_every`.
  Progress(std::FILE* out, bool interactive,
           std::chrono::seconds log_every = std::chrono::seconds(10));

  void start(std::size_t total, std::size_t skipped);
  void sample_finished(bool error, bool correct, bool truncated, std::int64_t output_tokens,
                       double cost_usd);
  void message(const std::string& line);  // a log line that does not garble the bar
  void finish();

  ProgressStats stats() const;

 private:
  void draw_locked(bool force);
  std::string line_locked() const;

  std::FILE* out_;
  bool interactive_;
  std::chrono::seconds log_every_;
  mutable std::mutex mutex_;
  ProgressStats stats_;
  std::chrono::steady_clock::time_point started_;
  std::chrono::steady_clock::time_point last_draw_;
};

}  // namespace rbench
