// The built-in engine's decode loop: one thread that advances every active sequence a step at a
// time in one batched forward pass (prompt chunks beside decode tokens), so concurrent requests
// share each read of the weights. Greedy sequences of an engine with MTP decode
// self-speculatively: each step feeds [last token, draft], keeps the draft when it is the greedy
// token and then also the token after it, and one batched MTP pass makes the next drafts.
//
// With a bounded cache (--kv-cache-memory, or a device's default) the scheduler counts blocks as
// vLLM does: a waiting request is admitted, first come first served, only when the free blocks
// cover its prompt plus one decode step; before each step, when the running sequences' growth
// needs more blocks than are free, the most recently admitted one is preempted by recompute (its
// caches dropped, back to the front of the queue; re-admitted, it prefills its prompt and the
// tokens it had generated, emits nothing twice and goes on where it was: the same text).
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
  explicit Sequence(GenerateRequest r)
      : request(std::move(r)), sampler(request.sampler), context(request.prompt) {}
  GenerateRequest request;
  Sampler sampler;
  int context_limit = 0;
  std::unique_ptr<SequenceCache> cache;
  // What prefill feeds: the prompt, or after a preemption the prompt and every token generated
  // so far (its last chunk then samples the token the next decode step would have).
  std::vector<std::int32_t> context;
  std::size_t prefilled = 0;
  std::int32_t last = -1;
  int generated = 0;
  std::vector<std::int32_t> generated_tokens;  // for a recompute
  std::atomic<int> preemptions{0};
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
  Scheduler(const ForwardModel& model, const BuiltinEngineOptions& options);
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

  // Block accounting (bounded caches only). Under mutex_.
  void admit(std::vector<std::shared_ptr<Sequence>>& active);
  void make_room(std::vector<std::shared_ptr<Sequence>>& active);
  void preempt(Sequence& s);
  // Whether the next step feeds s [last, draft], and how many tokens it feeds s.
  bool drafts_next(const Sequence& s) const;
  std::size_t next_feed(const Sequence& s) const;
  std::size_t blocks_for(std::size_t positions) const;
  // The blocks s holds, or has reserved: while it prefills, its context and one decode step.
  std::size_t held_blocks(const Sequence& s) const;
  // The blocks the next step adds to what s holds.
  std::size_t step_growth(const Sequence& s) const;
  std::size_t used_blocks(const std::vector<std::shared_ptr<Sequence>>& active) const;

  const ForwardModel& model_;
  const BuiltinEngineOptions& options_;
  std::size_t block_size_;
  std::size_t cache_bytes_;      // 0: unbounded
  std::size_t capacity_blocks_;  // a main block plus, when speculating, an MTP block each
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::shared_ptr<Sequence>> waiting_;
  bool stopping_ = false;
  std::jthread thread_;  // last: joined first on destruction
};

}  // namespace rbench::moe
