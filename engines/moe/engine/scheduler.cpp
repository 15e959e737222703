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

}  // namespace

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
      while (!waiting_.empty() && static_cast<int>(active.size()) < options_.max_batch) {
        active.push_back(std::move(waiting_.front()));
        waiting_.pop_front();
      }
    }
    std::erase_if(active, [](const std::shared_ptr<Sequence>& s) {
      if (!s->cancelled) return false;
      s->finish("cancelled");
      return true;
    });
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
    const auto& prompt = s.request.prompt;
    if (s.prefilled < prompt.size()) {
      const std::size_t n =
          std::min<std::size_t>(options_.prefill_chunk, prompt.size() - s.prefilled);
      in.tokens = std::span(prompt).subspan(s.prefilled, n);
      s.prefilled += n;
      p.prefill = true;
      p.samples = s.prefilled == prompt.size();
    } else {
      p.samples = true;
      p.decode = {s.last, s.draft};
      // A draft only where its bonus token could be kept: within max_tokens and the context.
      p.drafted = s.speculate && s.draft >= 0 && s.generated + 1 < s.request.max_tokens &&
                  p.start + 2 <= s.context_limit;
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
      const auto& prompt = s.request.prompt;
      p.next.assign(prompt.begin() + p.start + 1, prompt.begin() + p.start + p.fed + 1);
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
    const auto& prompt = s.request.prompt;
    if (p.prefill) p.next.assign(prompt.begin() + p.start + 1, prompt.end());
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

}  // namespace rbench::moe
