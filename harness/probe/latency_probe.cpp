// The latency probe's load generation: closed-loop concurrency and open-loop arrival-rate steps.
#include "harness/probe/latency_probe.h"

#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <limits>
#include <mutex>
#include <semaphore>
#include <sstream>
#include <thread>

#include "harness/core/error.h"
#include "harness/probe/arrivals.h"

namespace rbench::probe {
namespace {

using Clock = std::chrono::steady_clock;

std::string format_load(const LoadStep& s) {
  if (s.load == "concurrency") return fmt::format("concurrency {}", s.value);
  return std::isfinite(s.value) ? fmt::format("rate {}/s", s.value) : "rate inf (all at once)";
}

// One step's shared state: the requests, who takes the next, and the deadline.
class StepRunner {
 public:
  StepRunner(Engine& engine, const LatencyProbeOptions& options, const moe::Tokenizer* tokenizer,
             Store* store, std::int64_t probe_id, int step, const LoadStep& load,
             std::vector<SyntheticRequest> requests, std::stop_token stop)
      : engine_(engine),
        options_(options),
        tokenizer_(tokenizer),
        store_(store),
        probe_id_(probe_id),
        step_(step),
        load_(load),
        requests_(std::move(requests)),
        records_(requests_.size()),
        outer_stop_(std::move(stop)),
        clock_(options.clock != nullptr ? *options.clock : machine_clock()) {}

  std::vector<ProbeRequestRecord> run() {
    t0_ = Clock::now();
    measured_t0_ = clock_.monotonic();
    deadline_ = t0_ + std::chrono::duration_cast<Clock::duration>(
                          std::chrono::duration<double>(options_.max_step_s));
    // A watchdog cancels what is still in flight after the grace period, or at once when the
    // caller stops the probe.
    std::jthread watchdog([this](std::stop_token own) { watch(own); });
    if (load_.load == "concurrency") {
      run_closed_loop();
    } else {
      run_open_loop();
    }
    watchdog.request_stop();
    std::vector<ProbeRequestRecord> done;
    for (std::size_t i = 0; i < records_.size(); ++i) {
      if (sent_[i]) done.push_back(records_[i]);
    }
    return done;
  }

 private:
  void watch(std::stop_token own) {
    const auto hard = deadline_ + std::chrono::duration_cast<Clock::duration>(
                                      std::chrono::duration<double>(options_.grace_s));
    std::mutex m;
    std::condition_variable_any cv;
    std::unique_lock lock(m);
    while (!own.stop_requested()) {
      if (outer_stop_.stop_requested() || Clock::now() >= hard) {
        cancel_.request_stop();
        return;
      }
      cv.wait_for(lock, own, std::chrono::milliseconds(20), [] { return false; });
    }
  }

  bool may_send() const {
    return !outer_stop_.stop_requested() && !cancel_.stop_requested() && Clock::now() < deadline_;
  }

  void run_closed_loop() {
    const int workers =
        std::max(1, std::min(static_cast<int>(load_.value), static_cast<int>(requests_.size())));
    std::atomic<std::size_t> next{0};
    std::vector<std::jthread> threads;
    for (int w = 0; w < workers; ++w) {
      threads.emplace_back([&] {
        for (;;) {
          const std::size_t i = next.fetch_add(1);
          if (i >= requests_.size() || !may_send()) return;
          send(i, -1);
        }
      });
    }
  }

  void run_open_loop() {
    const std::vector<double> times =
        arrival_times(static_cast<int>(requests_.size()),
                      ArrivalOptions{.rate = load_.value,
                                     .burstiness = options_.burstiness,
                                     .seed = options_.seed + static_cast<std::uint64_t>(step_)});
    std::counting_semaphore<> slots(std::max(1, options_.max_in_flight));
    std::vector<std::jthread> threads;
    for (std::size_t i = 0; i < requests_.size(); ++i) {
      const auto at = t0_ + std::chrono::duration_cast<Clock::duration>(
                                std::chrono::duration<double>(times[i]));
      while (Clock::now() < at && !outer_stop_.stop_requested()) {
        std::this_thread::sleep_until(std::min(at, Clock::now() + std::chrono::milliseconds(20)));
      }
      if (!may_send()) break;
      slots.acquire();
      threads.emplace_back([this, i, scheduled = times[i], &slots] {
        send(i, scheduled);
        slots.release();
      });
    }
  }

  void send(std::size_t i, double scheduled_s) {
    const SyntheticRequest& synthetic = requests_[i];
    ChatRequest request;
    request.messages.push_back(ChatMessage{"user", synthetic.prompt});
    request.sampling = options_.sampling;
    request.sampling.max_tokens = synthetic.max_tokens;
    request.sampling.ignore_eos = options_.ignore_eos;
    if (options_.min_tokens) request.sampling.min_tokens = synthetic.max_tokens;
    ProbeRequestRecord r;
    r.probe_id = probe_id_;
    r.step = step_;
    r.load = load_.load;
    r.load_value = load_.value;
    r.index = static_cast<int>(i);
    r.scheduled_s = scheduled_s;
    // Measured on clock_'s monotonic time, apart from the pacing's t0_.
    const auto start = clock_.monotonic();
    r.start_s = std::chrono::duration<double>(start - measured_t0_).count();
    sent_[i] = true;
    const Completion c = engine_.complete(request, nullptr, cancel_.get_token());
    r.ok = c.ok();
    if (!c.ok()) {
      r.error_kind = std::string(to_string(c.error_kind));
      r.error = c.error;
    } else if (c.answer.empty() && c.reasoning.empty()) {
      // A 200 with no text measured nothing: never a fast request.
      r.ok = false;
      r.error_kind = "empty";
      r.error = "the response carried no text";
    }
    r.ttft_s = c.timings.ttft_s;
    r.e2e_s = c.timings.e2e_s >= 0 ? c.timings.e2e_s : clock_.seconds_since(start);
    for (std::size_t k = 1; k < c.timings.chunk_times_s.size(); ++k) {
      r.itl_s.push_back(c.timings.chunk_times_s[k] - c.timings.chunk_times_s[k - 1]);
    }
    r.input_tokens = c.usage.prompt_tokens >= 0 ? c.usage.prompt_tokens : synthetic.input_tokens;
    if (c.usage.completion_tokens >= 0) {
      r.output_tokens = c.usage.completion_tokens;
      r.tokens_from_usage = c.usage.prompt_tokens >= 0;
    } else if (tokenizer_ != nullptr) {
      r.output_tokens =
          static_cast<std::int64_t>(tokenizer_->encode(c.reasoning + c.answer).size());
    } else {
      // Neither usage nor a tokenizer: text chunks are the best count there is (one token each
      // in most servers' streams); the summary says the counts are not the server's.
      r.output_tokens = static_cast<std::int64_t>(c.timings.chunk_times_s.size());
    }
    records_[i] = r;
    if (store_ != nullptr) store_->put_probe_request(r);
  }

  Engine& engine_;
  const LatencyProbeOptions& options_;
  const moe::Tokenizer* tokenizer_;
  Store* store_;
  std::int64_t probe_id_;
  int step_;
  LoadStep load_;
  std::vector<SyntheticRequest> requests_;
  std::vector<ProbeRequestRecord> records_;
  std::vector<std::atomic<bool>> sent_ = std::vector<std::atomic<bool>>(requests_.size());
  std::stop_token outer_stop_;
  std::stop_source cancel_;
  const rbench::Clock& clock_;  // what start_s and a missing e2e_s are measured on
  Clock::time_point t0_;        // the step's start, for pacing and the deadline
  Clock::time_point deadline_;
  rbench::Clock::Monotonic::time_point measured_t0_;  // the step's start on clock_
};

}  // namespace

std::vector<StepSummary> run_latency_probe(Engine& engine, const LatencyProbeOptions& options,
                                           const moe::Tokenizer* tokenizer, Store* store,
                                           std::int64_t probe_id, const ProbeLog& log,
                                           std::stop_token stop) {
  if (options.steps.empty()) throw UsageError("probe latency: no load steps");
  if (options.warmup_requests > 0) {
    WorkloadOptions w = options.workload;
    w.seed ^= 0xabcdefULL;
    for (const SyntheticRequest& s : make_workload(options.warmup_requests, w, tokenizer)) {
      if (stop.stop_requested()) break;
      ChatRequest request;
      request.messages.push_back(ChatMessage{"user", s.prompt});
      request.sampling = options.sampling;
      request.sampling.max_tokens = std::min(s.max_tokens, 16);
      engine.complete(request, nullptr, stop);
    }
  }
  std::vector<StepSummary> out;
  for (std::size_t k = 0; k < options.steps.size() && !stop.stop_requested(); ++k) {
    const LoadStep& load = options.steps[k];
    WorkloadOptions w = options.workload;
    w.seed = options.seed * 1000003ULL + k;
    if (log) {
      log(fmt::format("step {}/{}: {}, {} requests", k + 1, options.steps.size(), format_load(load),
                      options.requests_per_step));
    }
    StepRunner runner(engine, options, tokenizer, store, probe_id, static_cast<int>(k), load,
                      make_workload(options.requests_per_step, w, tokenizer), stop);
    const std::vector<ProbeRequestRecord> records = runner.run();
    out.push_back(summarize_step(records, options.slo));
    out.back().step = static_cast<int>(k);
    out.back().load = load.load;
    out.back().load_value = load.value;
  }
  return out;
}

std::vector<LoadStep> parse_steps(const std::string& load, const std::string& values) {
  std::vector<LoadStep> steps;
  std::stringstream in(values);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (item.empty()) continue;
    LoadStep s{load, 0};
    if (load == "rate" && (item == "inf" || item == "INF")) {
      s.value = std::numeric_limits<double>::infinity();
    } else {
      try {
        std::size_t used = 0;
        s.value = std::stod(item, &used);
        if (used != item.size()) throw std::invalid_argument(item);
      } catch (const std::exception&) {
        throw UsageError(fmt::format("probe latency: '{}' in --{} is not a number", item, load));
      }
      if (!(s.value > 0)) {
        throw UsageError(fmt::format("probe latency: --{} values must be > 0, got {}", load, item));
      }
      if (load == "concurrency" && s.value != std::floor(s.value)) {
        throw UsageError(fmt::format("probe latency: --concurrency takes integers, got {}", item));
      }
    }
    steps.push_back(s);
  }
  return steps;
}

}  // namespace rbench::probe
