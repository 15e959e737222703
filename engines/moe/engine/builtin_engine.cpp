#include "engines/moe/engine/builtin_engine.h"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>

#include "engines/api/think_splitter.h"
#include "engines/moe/engine/device_model.h"
#include "engines/moe/engine/scheduler.h"
#include "engines/moe/tokenizer/byte_tokenizer.h"
#include "harness/core/error.h"
#include "harness/core/jsonl_reader.h"

namespace rbench::moe {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Length of the longest prefix of `s` that is complete UTF-8 (an invalid lead byte counts as a
// complete character: it will never become valid, so it is passed on as it is).
std::size_t complete_utf8_prefix(std::string_view s) {
  std::size_t i = s.size();
  // Look back at most 3 bytes for the lead byte of an unfinished sequence.
  for (std::size_t back = 1; back <= 3 && back <= s.size(); ++back) {
    const auto c = static_cast<unsigned char>(s[s.size() - back]);
    if ((c & 0xC0) == 0x80) continue;  // continuation byte
    const std::size_t need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    if (need > back) i = s.size() - back;
    break;
  }
  return i;
}

}  // namespace

std::string TextStream::feed(std::string_view bytes) {
  if (stopped_) return {};
  utf8_pending_.append(bytes);
  const std::size_t n = complete_utf8_prefix(utf8_pending_);
  text_pending_.append(utf8_pending_, 0, n);
  utf8_pending_.erase(0, n);
  // The earliest stop string ends the text.
  std::size_t first = std::string::npos;
  for (const auto& s : stops_) {
    if (s.empty()) continue;
    first = std::min(first, text_pending_.find(s));
  }
  if (first != std::string::npos) {
    stopped_ = true;
    std::string out = text_pending_.substr(0, first);
    text_pending_.clear();
    utf8_pending_.clear();
    return out;
  }
  // Hold back the longest tail that could still grow into a stop string.
  std::size_t hold = 0;
  for (const auto& s : stops_) {
    for (std::size_t k = std::min(s.size() - 1, text_pending_.size()); k > hold; --k) {
      if (text_pending_.compare(text_pending_.size() - k, k, s, 0, k) == 0) {
        hold = k;
        break;
      }
    }
  }
  std::string out = text_pending_.substr(0, text_pending_.size() - hold);
  text_pending_.erase(0, text_pending_.size() - hold);
  return out;
}

std::string TextStream::finish() {
  if (stopped_) return {};
  std::string out = text_pending_ + utf8_pending_;
  text_pending_.clear();
  utf8_pending_.clear();
  return out;
}

BuiltinEngine::BuiltinEngine(std::shared_ptr<const ForwardModel> model,
                             std::shared_ptr<const Tokenizer> tokenizer, std::filesystem::path dir,
                             BuiltinEngineOptions options)
    : model_(std::move(model)),
      tokenizer_(std::move(tokenizer)),
      dir_(std::move(dir)),
      options_(options) {
  if (options_.mtp && !model_->has_mtp()) {
    const int modules = model_->config().num_nextn_predict_layers;
    throw DataError(fmt::format(
        "{}: multi-token prediction (--mtp) needs the checkpoint's MTP module, and it has none "
        "(config.json's num_nextn_predict_layers is {}{})",
        dir_.string(), modules, modules > 0 ? ", but none of its tensors are stored" : ""));
  }
  scheduler_ = std::make_unique<Scheduler>(*model_, options_);
}

BuiltinEngine::~BuiltinEngine() = default;

std::unique_ptr<BuiltinEngine> BuiltinEngine::open(const std::filesystem::path& dir,
                                                   BuiltinEngineOptions options) {
  if (!std::filesystem::is_directory(dir)) {
    throw DataError(
        fmt::format("{}: not a model directory (expected config.json, "
                    "*.safetensors and tokenizer.json)",
                    dir.string()));
  }
  auto tokenizer = std::make_shared<const Tokenizer>(Tokenizer::load(dir / "tokenizer.json"));
  // The MTP module stays on disk unless it is used (DeepSeek-V3's is 11.5B parameters).
  auto model = load_model(dir, parse_device(options.device), {.mtp = options.mtp});
  if (tokenizer->vocab_size() > model->config().vocab_size) {
    throw DataError(
        fmt::format("{}: tokenizer.json has {} tokens but config.json's vocab_size is {}",
                    dir.string(), tokenizer->vocab_size(), model->config().vocab_size));
  }
  return std::make_unique<BuiltinEngine>(std::move(model), std::move(tokenizer), dir, options);
}

std::unique_ptr<BuiltinEngine> BuiltinEngine::open_dummy(
    const DummySpec& spec, const std::filesystem::path& tokenizer_json,
    BuiltinEngineOptions options) {
  const ModelConfig config = dummy_config(spec);
  Tokenizer tokenizer = tokenizer_json.empty()
                            ? byte_tokenizer({.vocab_size = config.vocab_size,
                                              .bos = config.bos_token_id.value_or(-1),
                                              .eos = config.eos_token_id.value_or(-1)})
                            : Tokenizer::load(tokenizer_json);
  if (tokenizer.vocab_size() > config.vocab_size) {
    throw DataError(fmt::format("{}: {} tokens, but {} has a vocabulary of {}",
                                tokenizer_json.string(), tokenizer.vocab_size(), spec.shape,
                                config.vocab_size));
  }
  // Random weights choose any id of the shape's vocabulary, which a given tokenizer.json may
  // not have: those print as <tok_ID> instead of failing the request.
  tokenizer.add_placeholders(config.vocab_size);
  auto model = load_dummy_model(spec, parse_device(options.device));
  auto engine = std::make_unique<BuiltinEngine>(
      std::move(model), std::make_shared<const Tokenizer>(std::move(tokenizer)), dummy_name(spec),
      options);
  engine->dummy_ = spec;
  engine->dummy_tokenizer_ = tokenizer_json;
  return engine;
}

std::string BuiltinEngine::describe() const {
  const ModelConfig& c = model_->config();
  return fmt::format("builtin:{} ({}, {} layers, {} routed experts, {:.1f} MB of weights, {}{})",
                     dir_.string(), c.architecture, c.num_hidden_layers, c.n_routed_experts,
                     model_->host().weights().bytes() / 1e6, model_->describe_device(),
                     options_.mtp ? ", mtp self-speculative greedy decoding" : "");
}

std::string BuiltinEngine::checkpoint_digest() const {
  if (dummy_ && dummy_tokenizer_.empty()) return dummy_digest(*dummy_);
  std::uint64_t h = 0xcbf29ce484222325ULL;
  auto mix = [&h](const char* data, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i)
      h = (h ^ static_cast<unsigned char>(data[i])) * 0x100000001b3ULL;
  };
  if (dummy_) {
    // A tokenizer.json of its own changes the prompts: the weights' digest and its bytes.
    const std::string weights = dummy_digest(*dummy_);
    const std::string tokenizer = read_file_bytes(dummy_tokenizer_);
    mix(weights.data(), weights.size());
    mix(tokenizer.data(), tokenizer.size());
    return fmt::format("{:016x}", h);
  }
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
    const auto name = entry.path().filename().string();
    if (name == "config.json" || name == "tokenizer.json" ||
        entry.path().extension() == ".safetensors") {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  std::vector<char> block(1 << 16);
  for (const auto& f : files) {
    const std::string name = f.filename().string();
    mix(name.data(), name.size());
    std::ifstream in(f, std::ios::binary);
    const auto size = std::filesystem::file_size(f);
    mix(reinterpret_cast<const char*>(&size), sizeof size);
    const bool whole = f.extension() != ".safetensors" || size <= (64u << 20);
    const std::uintmax_t stride = whole ? block.size() : (64u << 20);
    for (std::uintmax_t offset = 0; offset < size; offset += stride) {
      in.seekg(static_cast<std::streamoff>(offset));
      in.read(block.data(), static_cast<std::streamsize>(block.size()));
      mix(block.data(), static_cast<std::size_t>(in.gcount()));
      in.clear();
    }
  }
  return fmt::format("{:016x}", h);
}

std::vector<std::int32_t> BuiltinEngine::chat_prompt(
    const std::vector<ChatMessage>& messages) const {
  return tokenizer_->encode(apply_chat_template(messages, options_.chat), {.parse_special = true});
}

std::vector<std::int32_t> BuiltinEngine::raw_prompt(std::string_view text) const {
  std::vector<std::int32_t> ids =
      tokenizer_->encode(text, {.parse_special = true, .add_special_tokens = true});
  const auto bos = model_->config().bos_token_id;
  const bool post_processed = !tokenizer_->encode("", {.add_special_tokens = true}).empty();
  if (!post_processed && bos && (ids.empty() || ids.front() != *bos)) ids.insert(ids.begin(), *bos);
  return ids;
}

std::vector<std::int32_t> BuiltinEngine::stop_ids() const {
  std::vector<std::int32_t> ids;
  if (model_->config().eos_token_id) ids.push_back(*model_->config().eos_token_id);
  if (auto eos = tokenizer_->token_id(kEosToken)) {
    if (std::find(ids.begin(), ids.end(), *eos) == ids.end()) ids.push_back(*eos);
  }
  return ids;
}

GenerateResult BuiltinEngine::generate(const GenerateRequest& request,
                                       const std::function<bool(std::int32_t)>& on_token,
                                       std::stop_token stop) {
  GenerateResult result;
  result.prompt_tokens = static_cast<int>(request.prompt.size());
  const int context = model_->config().max_position_embeddings;
  if (request.prompt.empty()) {
    result.error = "empty prompt";
    return result;
  }
  if (static_cast<int>(request.prompt.size()) >= context) {
    result.error = fmt::format("the prompt has {} tokens; the model's context is {}",
                               request.prompt.size(), context);
    return result;
  }
  auto seq = std::make_shared<Sequence>(request);
  seq->context_limit = context;
  seq->cache = model_->make_cache();
  // Sampled sequences decode without drafts: verifying a draft against a sampled token would
  // need speculative sampling's acceptance rule, which this engine does not implement.
  seq->speculate = options_.mtp && seq->sampler.greedy();
  if (seq->speculate) seq->mtp_cache = model_->make_mtp_cache();
  scheduler_->submit(seq);
  std::unique_lock lock(seq->mutex);
  for (;;) {
    seq->ready.wait(lock, stop, [&] { return !seq->tokens.empty() || seq->done; });
    if (stop.stop_requested()) {
      seq->cancelled = true;
      result.finish_reason = "cancelled";
      break;
    }
    std::deque<std::int32_t> batch;
    batch.swap(seq->tokens);
    const bool done = seq->done;
    lock.unlock();
    bool go_on = true;
    for (std::int32_t t : batch) {
      result.tokens.push_back(t);
      if (!on_token(t)) {
        go_on = false;
        break;
      }
    }
    lock.lock();
    if (!go_on) {
      seq->cancelled = true;
      result.finish_reason = "stop";
      break;
    }
    if (done && seq->tokens.empty()) {
      result.finish_reason = seq->finish_reason;
      result.error = seq->error;
      if (result.finish_reason == "error") result.finish_reason.clear();
      break;
    }
  }
  result.generated = seq->generated;
  result.draft_tokens = seq->draft_tokens;
  result.accepted_draft_tokens = seq->accepted_draft_tokens;
  result.preemptions = seq->preemptions;
  return result;
}

Completion BuiltinEngine::complete(const ChatRequest& request, TokenSink* sink,
                                   std::stop_token stop) {
  const auto t0 = Clock::now();
  Completion c;
  const SamplingParams& s = request.sampling;
  const bool raw = !request.prompt.empty();
  GenerateRequest g;
  try {
    g.prompt = raw ? raw_prompt(request.prompt) : chat_prompt(request.messages);
  } catch (const std::exception& e) {
    c.error_kind = ErrorKind::engine;
    c.error = fmt::format("tokenizing the prompt failed: {}", e.what());
    return c;
  }
  // Greedy unless a temperature is asked for: a local engine's run should reproduce exactly.
  g.sampler.temperature = s.temperature.value_or(0.0);
  g.sampler.top_p = s.top_p.value_or(1.0);
  g.sampler.top_k = s.top_k.value_or(0);
  g.sampler.seed = s.seed.value_or(0);
  g.max_tokens = s.max_tokens.value_or(options_.default_max_tokens);
  if (!s.ignore_eos) g.stop_ids = stop_ids();
  g.min_tokens = std::max(0, s.min_tokens.value_or(0));

  // The template opened <think>: the text starts inside the reasoning. A raw completion has no
  // template and no reasoning: all of it is the answer, a <think> in it left for the scorer.
  const bool open_think = options_.chat.open_think && !raw;
  ThinkSplitter splitter(raw          ? ThinkTags::off
                         : open_think ? ThinkTags::implicit_open
                                      : ThinkTags::leading);
  TextStream text(s.stop);
  bool think_closed = !open_think;
  std::int64_t reasoning_tokens = 0;
  auto emit = [&](const ThinkSplitter::Split& part) {
    if (part.empty()) return;
    const double t = seconds_since(t0);
    if (c.timings.ttft_s < 0) c.timings.ttft_s = t;
    c.timings.chunk_times_s.push_back(t);
    c.reasoning += part.reasoning;
    c.answer += part.answer;
    if (sink) {
      if (!part.reasoning.empty()) sink->on_reasoning(part.reasoning, t);
      if (!part.answer.empty()) sink->on_answer(part.answer, t);
    }
  };
  const GenerateResult r = generate(
      g,
      [&](std::int32_t token) {
        const std::string bytes =
            tokenizer_->is_special(token) ? std::string() : tokenizer_->token_bytes(token);
        if (!think_closed) {
          ++reasoning_tokens;
          if (bytes.find("</think>") != std::string::npos) think_closed = true;
        }
        emit(splitter.feed(text.feed(bytes)));
        return !text.stopped();
      },
      stop);
  emit(splitter.feed(text.finish()));
  emit(splitter.finish());
  c.timings.e2e_s = seconds_since(t0);
  c.usage.prompt_tokens = r.prompt_tokens;
  c.usage.completion_tokens = r.generated;
  c.usage.reasoning_tokens = reasoning_tokens;
  if (options_.mtp && g.sampler.temperature <= 0) {
    c.usage.draft_tokens = r.draft_tokens;
    c.usage.accepted_draft_tokens = r.accepted_draft_tokens;
  }
  c.attempts = 1;
  c.finish_reason = r.finish_reason;
  if (!r.error.empty() && r.finish_reason != "cancelled") {
    c.error_kind = ErrorKind::engine;
    c.error = r.error;
  } else if (r.finish_reason == "cancelled") {
    c.error_kind = ErrorKind::cancelled;
    c.error = r.error.empty() ? "cancelled" : r.error;
  }
  return c;
}

}  // namespace rbench::moe
