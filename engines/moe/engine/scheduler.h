// The built-in engine's decode loop: one thread that advances every active sequence a step at a
// time in one batched forward pass (prompt chunks beside decode tokens), so concurrent requests
// share each read of the weights. Greedy sequences of an engine with MTP decode
// self-speculatively: each step feeds [last token, draft], keeps the draft when it is the greedy
// token and then also the token after it, and one batched MTP pass makes the next drafts.
#pragma once

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "engines/moe/cpu/sampler.h"
#include "engines/moe/engine/builtin_engine.h"
#include "engines/moe/model/forward_model.h"

namespace rbench::moe {

// One sequence in the decode loop. The scheduler thread writes tokens; the requesting thread
// reads them under `mutex`.
struct Sequence {
  explicit Sequence(GenerateRequest r) : request(std::move(r)), sampler(request.sampler) {}
  GenerateRequest request;
  Sampler sampler;
  int context_limit = 0;
  std::unique_ptr<SequenceCache> cache;
  std::size_t prefilled = 0;
  std::int32_t last = -1;
  int generated = 0;
  std::atomic<bool> cancelled{false};

  // Self-speculative decoding (greedy with an MTP module): the module's own cache holds entry i
  // once token i + 1 is known, and `draft` is its guess of the token after `last` (-1: none).
  bool speculate = false;
  std::unique_ptr<SequenceCache> mtp_cache;
  std::int32_t draft = -1;
  std::atomic<int> draft_tokens{0};
  std::atomic<int> accepted_draft_tokens{0};

  std::mutex mutex;
  std::condition_variable_any ready;
  std::deque<std::int32_t> tokens;
  bool done = false;
  std::string finish_reason;
  std::string error;

  void finish(std::string reason, std::string message = {}) {
    std::lock_guard lock(mutex);
    done = true;
    finish_reason = std::move(reason);
    error = std::move(message);
    ready.notify_all();
  }
};

class Scheduler {
 public:
  Scheduler(const ForwardModel& model, const BuiltinEngineOptions& options)
      : model_(model), options_(options), thread_([this](std::stop_token st) { loop(st); }) {}
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  void submit(std::shared_ptr<Sequence> s);

 private:
  // What one step feeds a sequence and what comes back.
  struct Plan {
    int start = 0;         // the main cache's length before the step
    int fed = 0;           // tokens fed
    bool prefill = false;  // fed a prompt chunk
    bool samples = false;  // the step ends the prompt or decodes
    bool drafted = false;  // fed [last, draft]
    std::array<std::int32_t, 2> decode{};
    // A sampling step without a draft: the token is chosen where the logits are (the device's
    // sampling kernel on CUDA), with this sequence's draw.
    bool chosen = false;
    TokenChoice choice;
    std::vector<std::int32_t> greedy;  // a drafted step: the argmax of both rows
    std::vector<float> hidden;         // speculating sequences: the fed tokens' hidden states
    std::vector<std::int32_t> next;    // the MTP rows' next tokens, one per confirmed position
  };

  void loop(std::stop_token);
  void step(std::vector<std::shared_ptr<Sequence>>& active);
  bool take_tokens(Sequence& s, Plan& p, const std::vector<float>& logits);

  const ForwardModel& model_;
  const BuiltinEngineOptions& options_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::shared_ptr<Sequence>> waiting_;
  bool stopping_ = false;
  std::jthread thread_;  // last: joined first on destruction
};

}  // namespace rbench::moe
