#include "harness/run/progress.h"

#include <fmt/format.h>

namespace rbench {
namespace {

constexpr auto kRedrawInterval = std::chrono::milliseconds(100);
constexpr int kBarWidth = 24;

std::string format_duration(double seconds) {
  if (seconds < 0 || seconds > 1e7) return "--";
  const auto s = static_cast<long long>(seconds);
  if (s >= 3600) return fmt::format("{}h{:02}m", s / 3600, (s % 3600) / 60);
  if (s >= 60) return fmt::format("{}m{:02}s", s / 60, s % 60);
  return fmt::format("{}s", s);
}

}  // namespace

Progress::Progress(std::FILE* out, bool interactive, std::chrono::seconds log_every)
    : out_(out), interactive_(interactive), log_every_(log_every) {}

void Progress::start(std::size_t total, std::size_t skipped) {
  std::lock_guard lock(mutex_);
  stats_ = {};
  stats_.total = total;
  started_ = last_draw_ = std::chrono::steady_clock::now();
  if (skipped > 0) {
    fmt::print(out_, "resuming: {} samples already in the store are skipped\n", skipped);
  }
  fmt::print(out_, "{} samples to run\n", total);
  std::fflush(out_);
}

void Progress::sample_finished(bool error, bool correct, bool truncated, std::int64_t output_tokens,
                               double cost_usd) {
  std::lock_guard lock(mutex_);
  ++stats_.done;
  stats_.errors += error ? 1 : 0;
  stats_.correct += correct ? 1 : 0;
  stats_.truncated += truncated ? 1 : 0;
  if (output_tokens > 0) stats_.output_tokens += output_tokens;
  stats_.cost_usd += cost_usd;
  draw_locked(false);
}

void Progress::message(const std::string& line) {
  std::lock_guard lock(mutex_);
  if (interactive_) fmt::print(out_, "\r\033[K");
  fmt::print(out_, "{}\n", line);
  if (interactive_) draw_locked(true);
  std::fflush(out_);
}

void Progress::finish() {
  std::lock_guard lock(mutex_);
  if (interactive_) {
    draw_locked(true);
    fmt::print(out_, "\n");
  } else {
    fmt::print(out_, "{}\n", line_locked());
  }
  std::fflush(out_);
}

ProgressStats Progress::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

std::string Progress::line_locked() const {
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  const double rate = elapsed > 0 ? static_cast<double>(stats_.done) / elapsed : 0;
  const double eta = rate > 0 ? static_cast<double>(stats_.total - stats_.done) / rate : -1;
  const double tokens_per_s = elapsed > 0 ? static_cast<double>(stats_.output_tokens) / elapsed : 0;
  const double fraction =
      stats_.total ? static_cast<double>(stats_.done) / static_cast<double>(stats_.total) : 1.0;
  std::string counts = fmt::format("{}/{} ({:.0f}%)", stats_.done, stats_.total, 100 * fraction);
  std::string rest = fmt::format("{:.2f} items/s | ETA {} | {:.0f} tok/s | ${:.4f}", rate,
                                 format_duration(eta), tokens_per_s, stats_.cost_usd);
  if (stats_.errors) rest += fmt::format(" | {} errors", stats_.errors);
  if (stats_.truncated) rest += fmt::format(" | {} truncated", stats_.truncated);
  if (!interactive_) return fmt::format("progress {} | {}", counts, rest);
  const int filled = static_cast<int>(fraction * kBarWidth);
  return fmt::format("[{}{}] {} | {}", std::string(filled, '#'),
                     std::string(kBarWidth - filled, '.'), counts, rest);
}

void Progress::draw_locked(bool force) {
  const auto now = std::chrono::steady_clock::now();
  if (interactive_) {
    if (!force && now - last_draw_ < kRedrawInterval && stats_.done != stats_.total) return;
    fmt::print(out_, "\r\033[K{}", line_locked());
  } else {
    if (!force && now - last_draw_ < log_every_) return;
    fmt::print(out_, "{}\n", line_locked());
  }
  last_draw_ = now;
  std::fflush(out_);
}

}  // namespace rbench
