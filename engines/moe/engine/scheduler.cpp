#include "engines/moe/engine/scheduler.h"

#include <fmt/format.h>

#include <algorithm>
#include <span>

namespace rbench::moe {
namespace {

// Hands one generated token to its requester; false when it ended the sequence. `position` is
// the token's position, i.e. the main cache length once its predecessor is in.
bool emit(Sequence& s, std::int32_t token, int position) {
  ++s.generated;
  s.last = token;
  s.generated_tokens.push_back(token);
  const auto& stops = s.request.stop_ids;
  // Before min_tokens a stop token is generated text like any other (vLLM's min_tokens masks
  // it instead; keeping it costs nothing here and keeps the sampler untouched).
  const bool is_stop = s.generated > s.request.min_tokens &&
                       std::find(stops.begin(), stops.end(), token) != stops.end();
  {
    std::lock_guard lock(s.mutex);
    if (!is_stop) s.tokens.push_back(token);
    s.ready.notify_all();
  }
  if (is_stop) {
    s.finish("stop");
    return false;
  }
  if (s.generated >= s.request.max_tokens || position >= s.context_limit) {
    s.finish("length");
    return false;
  }
  return true;
}

std::size_t cache_bytes(const ForwardModel& model, const BuiltinEngineOptions& options) {
  return options.kv_cache_bytes > 0 ? options.kv_cache_bytes : model.default_cache_bytes();
}

std::size_t capacity_blocks(const ForwardModel& model, const BuiltinEngineOptions& options) {
  const std::size_t bytes = cache_bytes(model, options);
  if (bytes == 0) return 0;
  // A unit is one block of positions in the main cache and, for a speculating engine, in the MTP
  // cache too (a sampled sequence there reserves an MTP block it does not use: simpler counting).
  const std::size_t unit =
      model.cache_block_bytes() + (options.mtp ? model.mtp_cache_block_bytes() : 0);
  return bytes / unit;
}

}  // namespace

Scheduler::Scheduler(const ForwardModel& model, const BuiltinEngineOptions& options)
    : model_(model),
      options_(options),
      block_size_(static_cast<std::size_t>(model.cache_block_size())),
      cache_bytes_(cache_bytes(model, options)),
      capacity_blocks_(capacity_blocks(model, options)),
      thread_([this](std::stop_token st) { loop(st); }) {}

Scheduler::~Scheduler() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
}

void Scheduler::submit(std::shared_ptr<Sequence> s) {
  {
    std::lock_guard lock(mutex_);
    waiting_.push_back(std::move(s));
  }
  wake_.notify_all();
}

void Scheduler::loop(std::stop_token) {
  std::vector<std::shared_ptr<Sequence>> active;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !waiting_.empty() || !active.empty(); });
      if (stopping_) {
        for (auto& s : active) s->finish("cancelled", "the engine was shut down");
        for (auto& s : waiting_) s->finish("cancelled", "the engine was shut down");
        return;
      }
      std::erase_if(active, [](const std::shared_ptr<Sequence>& s) {
        if (!s->cancelled) return false;
        s->finish("cancelled");
        return true;
      });
      // The running sequences' next step first, then newcomers with what is left (vLLM's order).
      if (cache_bytes_ > 0) make_room(active);
      admit(active);
    }
    if (active.empty()) continue;
    step(active);
    std::erase_if(active, [](const std::shared_ptr<Sequence>& s) {
      std::lock_guard lock(s->mutex);
      return s->done;
    });
  }
}

// One forward pass over every active sequence: a prompt chunk, the last sampled token, or for
// speculating sequences the last token and the MTP draft after it. Then one MTP pass over the
// speculating sequences' confirmed positions, which gives their next drafts.
void Scheduler::step(std::vector<std::shared_ptr<Sequence>>& active) {
  std::vector<Plan> plans(active.size());
  std::vector<ForwardInput> inputs;
  for (std::size_t i = 0; i < active.size(); ++i) {
    Sequence& s = *active[i];
    Plan& p = plans[i];
    p.start = s.cache->length();
    ForwardInput in;
    in.cache = s.cache.get();
    const auto& context = s.context;
    if (s.prefilled < context.size()) {
      const std::size_t n = next_feed(s);
      in.tokens = std::span(context).subspan(s.prefilled, n);
      s.prefilled += n;
      p.prefill = true;
      p.samples = s.prefilled == context.size();
    } else {
      p.samples = true;
      p.decode = {s.last, s.draft};
      p.drafted = drafts_next(s);
      in.tokens = std::span(p.decode).first(p.drafted ? 2 : 1);
      in.all_logits = p.drafted;
    }
    p.fed = static_cast<int>(in.tokens.size());
    if (s.speculate) in.hidden = &p.hidden;
    // The tokens come back chosen (a choice, or the argmax of both rows of a drafted step), so
    // no step needs its logits on the host; a device model then downloads ids only.
    in.logits = false;
    if (p.drafted) in.greedy_rows = &p.greedy;
    if (p.samples && !p.drafted) {
      const SamplerOptions& o = s.sampler.options();
      p.chosen = true;
      p.choice = {.temperature = o.temperature,
                  .top_k = o.top_k,
                  .top_p = o.top_p,
                  .uniform = s.sampler.greedy() ? 0.0 : s.sampler.draw()};
      in.choice = &p.choice;
    }
    inputs.push_back(in);
  }
  std::vector<std::vector<float>> logits;
  try {
    logits = model_.forward(inputs);
  } catch (const std::exception& e) {
    for (auto& s : active) s->finish("error", fmt::format("forward pass failed: {}", e.what()));
    return;
  }
  std::vector<MtpInput> mtp_inputs;
  std::vector<std::size_t> mtp_owner;
  for (std::size_t i = 0; i < active.size(); ++i) {
    Sequence& s = *active[i];
    Plan& p = plans[i];
    const bool go_on = p.samples ? take_tokens(s, p, logits[i]) : true;
    if (!s.speculate || !go_on) continue;
    if (!p.samples) {  // a prompt chunk with more to come: every next token is known
      const auto& context = s.context;
      p.next.assign(context.begin() + p.start + 1, context.begin() + p.start + p.fed + 1);
    }
    const int hidden = model_.config().hidden_size;
    mtp_inputs.push_back(
        {s.mtp_cache.get(), std::span(p.hidden).first(p.next.size() * hidden), p.next, false});
    mtp_owner.push_back(i);
  }
  if (mtp_inputs.empty()) return;
  std::vector<std::vector<float>> drafts;
  try {
    drafts = model_.mtp_forward(mtp_inputs);
  } catch (const std::exception& e) {
    for (std::size_t k : mtp_owner) {
      active[k]->finish("error", fmt::format("MTP pass failed: {}", e.what()));
    }
    return;
  }
  for (std::size_t k = 0; k < mtp_owner.size(); ++k) {
    if (plans[mtp_owner[k]].samples) active[mtp_owner[k]]->draft = argmax(drafts[k]);
  }
}

// The tokens a sampling step yields: one sampled token, or for a drafted step the greedy token
// a and, when a was the draft, the bonus token after it. Fills p.next with the tokens that
// follow the confirmed positions (for the MTP pass) and rolls back a rejected draft. False when
// the sequence ended.
bool Scheduler::take_tokens(Sequence& s, Plan& p, const std::vector<float>& logits) {
  const std::size_t vocab = model_.config().vocab_size;
  // A drafted step's rows come back as argmaxes (the sequence is greedy); a model that left
  // greedy_rows empty returned the logits instead.
  const bool greedy_rows = p.drafted && p.greedy.size() == 2;
  const std::int32_t a = p.chosen      ? p.choice.token
                         : greedy_rows ? p.greedy[0]
                                       : s.sampler.sample(std::span(logits).first(vocab));
  if (s.speculate) {
    const auto& context = s.context;
    if (p.prefill) p.next.assign(context.begin() + p.start + 1, context.end());
    p.next.push_back(a);
  }
  const bool go_on = emit(s, a, p.start + (p.prefill ? p.fed : 1));
  if (!p.drafted) return go_on;
  ++s.draft_tokens;
  if (a != p.decode[1]) {
    s.cache->truncate(p.start + 1);
    return go_on;
  }
  ++s.accepted_draft_tokens;
  if (!go_on) return false;
  const std::int32_t b = greedy_rows ? p.greedy[1] : argmax(std::span(logits).subspan(vocab));
  p.next.push_back(b);
  return emit(s, b, p.start + 2);
}

bool Scheduler::drafts_next(const Sequence& s) const {
  // A draft only where its bonus token could be kept: within max_tokens and the context.
  return s.prefilled == s.context.size() && s.speculate && s.draft >= 0 &&
         s.generated + 1 < s.request.max_tokens && s.cache->length() + 2 <= s.context_limit;
}

std::size_t Scheduler::next_feed(const Sequence& s) const {
  if (s.prefilled < s.context.size()) {
    return std::min<std::size_t>(options_.prefill_chunk, s.context.size() - s.prefilled);
  }
  return drafts_next(s) ? 2 : 1;
}

std::size_t Scheduler::blocks_for(std::size_t positions) const {
  return (positions + block_size_ - 1) / block_size_;
}

std::size_t Scheduler::held_blocks(const Sequence& s) const {
  return blocks_for(std::max(static_cast<std::size_t>(s.cache->length()), s.context.size() + 1));
}

std::size_t Scheduler::step_growth(const Sequence& s) const {
  const std::size_t after = blocks_for(static_cast<std::size_t>(s.cache->length()) + next_feed(s));
  const std::size_t held = held_blocks(s);
  return after > held ? after - held : 0;
}

std::size_t Scheduler::used_blocks(const std::vector<std::shared_ptr<Sequence>>& active) const {
  std::size_t used = 0;
  for (const auto& s : active) used += held_blocks(*s);
  return used;
}

void Scheduler::admit(std::vector<std::shared_ptr<Sequence>>& active) {
  std::size_t used = 0;
  if (cache_bytes_ > 0) {
    used = used_blocks(active);
    for (const auto& s : active) used += step_growth(*s);
  }
  while (!waiting_.empty() && static_cast<int>(active.size()) < options_.max_batch) {
    std::shared_ptr<Sequence>& s = waiting_.front();
    if (s->cancelled) {
      s->finish("cancelled");
      waiting_.pop_front();
      continue;
    }
    if (cache_bytes_ > 0) {
      const std::size_t need = blocks_for(s->context.size() + 1);
      if (need > capacity_blocks_) {
        // Never admissible. A prompt is an error the requester must fix; a preempted sequence
        // that outgrew the cache ends as vLLM ends a request it must ignore: "length".
        if (s->generated > 0) {
          fmt::print(stderr,
                     "rbench: a sequence of {} tokens no longer fits the KV cache ({} blocks of "
                     "{} positions); it ends with finish_reason length (raise "
                     "--kv-cache-memory)\n",
                     s->context.size(), capacity_blocks_, block_size_);
          s->finish("length");
        } else {
          s->finish("error",
                    fmt::format("the prompt has {} tokens and needs {} KV cache blocks of {} "
                                "positions (with one decode step); the cache holds {} blocks "
                                "({:.2f} MiB); raise --kv-cache-memory",
                                s->context.size(), need, block_size_, capacity_blocks_,
                                cache_bytes_ / 1048576.0));
        }
        waiting_.pop_front();
        continue;
      }
      if (used + need > capacity_blocks_) break;  // first come, first served: wait
      used += need;
    }
    active.push_back(std::move(s));
    waiting_.pop_front();
  }
}

void Scheduler::make_room(std::vector<std::shared_ptr<Sequence>>& active) {
  const auto need = [&] {
    std::size_t blocks = used_blocks(active);
    for (const auto& s : active) blocks += step_growth(*s);
    return blocks;
  };
  if (need() <= capacity_blocks_) return;
  // Drafts first: a step without them yields the same text, only later.
  for (const auto& s : active) s->draft = -1;
  while (need() > capacity_blocks_) {
    if (active.size() > 1) {
      // vLLM's victim: the most recently admitted. At the front of the queue, so the earliest
      // preempted is re-admitted first.
      preempt(*active.back());
      waiting_.push_front(std::move(active.back()));
      active.pop_back();
      continue;
    }
    // Alone and still too long for the cache: vLLM ends such a request with "length".
    Sequence& s = *active.front();
    fmt::print(stderr,
               "rbench: a sequence of {} positions outgrew the KV cache ({} blocks of {} "
               "positions); it ends with finish_reason length (raise --kv-cache-memory)\n",
               s.cache->length() + next_feed(s), capacity_blocks_, block_size_);
    s.finish("length");
    active.clear();
  }
}

// Preemption by recompute: the caches go (their blocks back to the pool); what the requester has
// seen stays (tokens, the sampler's state, counts), and the prefill on re-admission covers the
// prompt and every generated token, so its last chunk yields the token the next decode step
// would have. On the CPU those logits are bitwise the same (model.h), so the text is too; the
// MTP draft is recomputed with the cache, and a draft never changes greedy text.
void Scheduler::preempt(Sequence& s) {
  s.cache->truncate(0);
  if (s.mtp_cache) s.mtp_cache->truncate(0);
  s.context = s.request.prompt;
  s.context.insert(s.context.end(), s.generated_tokens.begin(), s.generated_tokens.end());
  s.prefilled = 0;
  s.draft = -1;
  ++s.preemptions;
}

}  // namespace rbench::moe
