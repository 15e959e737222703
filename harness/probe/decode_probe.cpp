#include "harness/probe/decode_probe.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <memory>
#include <random>
#include <span>

#include "harness/core/error.h"
#include "harness/core/json_writer.h"
#include "harness/probe/probe_header.h"

namespace rbench::probe {
namespace {

using Clock = std::chrono::steady_clock;

// Untimed steps without statistics before the timed ones (see measure_batch).
constexpr int kUncountedWarmup = 2;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t mid = v.size() / 2;
  return v.size() % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

void check_options(const moe::ForwardModel& model, const DecodeProbeOptions& o) {
  if (o.batches.empty()) throw UsageError("probe decode: --batch needs at least one batch size");
  for (const int b : o.batches) {
    if (b < 1) throw UsageError(fmt::format("probe decode: --batch {}: batch sizes start at 1", b));
  }
  if (o.steps < 1 || o.warmup < 1) {
    throw UsageError("probe decode: --steps and the warm-up steps must be at least 1");
  }
  if (o.prefill_chunk < 1 || o.prefill_rows_per_call < 1) {
    throw UsageError("probe decode: the prefill chunk must be at least 1 token");
  }
  // Each timed step writes position `context` (and the verification step `context + 1`).
  const int positions = model.config().max_position_embeddings;
  if (o.context < 1 || o.context + 2 > positions) {
    throw UsageError(fmt::format(
        "probe decode: --context {} must be between 1 and {} (the model's {} positions, less the "
        "2 a step adds)",
        o.context, positions - 2, positions));
  }
}

// The sequences the steps run on: caches prefilled with `context` seeded random tokens, and the
// token each feeds next (the greedy choice after its prompt, so routing sees real activations).
struct Sequences {
  std::vector<std::unique_ptr<moe::SequenceCache>> caches;
  std::vector<std::int32_t> next;
  // Sequence 0's prompt and final-normed hidden states, for the MTP module's cache.
  std::vector<std::int32_t> prompt0;
  std::vector<float> hidden0;
};

Sequences prefill(const moe::ForwardModel& model, const DecodeProbeOptions& o, int count,
                  bool keep_hidden0, DecodeProbeResult& r) {
  Sequences s;
  std::mt19937_64 rng(o.seed);
  std::uniform_int_distribution<std::int32_t> token(0, model.config().vocab_size - 1);
  std::vector<std::vector<std::int32_t>> prompts(count);
  for (auto& p : prompts) {
    p.resize(o.context);
    for (auto& t : p) t = token(rng);
  }
  for (int i = 0; i < count; ++i) s.caches.push_back(model.make_cache());
  s.next.assign(count, 0);
  std::vector<moe::TokenChoice> choices(count);
  const auto start = Clock::now();
  for (int offset = 0; offset < o.context; offset += o.prefill_chunk) {
    const int n = std::min(o.prefill_chunk, o.context - offset);
    const bool last = offset + n == o.context;
    const int per_call = std::max(1, o.prefill_rows_per_call / n);
    for (int first = 0; first < count; first += per_call) {
      std::vector<moe::ForwardInput> inputs;
      std::vector<float> hidden;
      for (int i = first; i < std::min(count, first + per_call); ++i) {
        moe::ForwardInput in;
        in.cache = s.caches[i].get();
        in.tokens = std::span(prompts[i]).subspan(offset, n);
        if (last) in.choice = &choices[i];
        if (i == 0 && keep_hidden0) in.hidden = &hidden;
        inputs.push_back(in);
      }
      model.forward(inputs);
      s.hidden0.insert(s.hidden0.end(), hidden.begin(), hidden.end());
    }
  }
  r.prefill_s = seconds_since(start);
  r.prefill_tokens = static_cast<std::int64_t>(count) * o.context;
  for (int i = 0; i < count; ++i) s.next[i] = choices[i].token;
  s.prompt0 = std::move(prompts[0]);
  return s;
}

// One decode step over the first `batch` sequences: `tokens_per_input` tokens each at positions
// context..., then every cache rolled back to `context`. Returns the seconds forward() took.
double decode_step(const moe::ForwardModel& model, Sequences& s, int batch, int tokens_per_input,
                   int context, moe::ForwardStats* stats) {
  std::vector<std::array<std::int32_t, 2>> fed(batch);
  std::vector<moe::TokenChoice> choices(batch);
  std::vector<std::vector<std::int32_t>> greedy(batch);
  std::vector<moe::ForwardInput> inputs(batch);
  for (int i = 0; i < batch; ++i) {
    // The verification step's second token stands for a draft; its value does not change the
    // work, only which expert rows are read.
    fed[i] = {s.next[i], s.next[i]};
    inputs[i].cache = s.caches[i].get();
    inputs[i].tokens = std::span(fed[i]).first(tokens_per_input);
    // As the engine's decode loop asks: a single-token step's token chosen where the logits are,
    // a verification step's argmax of both rows, and no logits back on the host.
    inputs[i].logits = false;
    if (tokens_per_input == 1) {
      inputs[i].choice = &choices[i];
    } else {
      inputs[i].all_logits = true;
      inputs[i].greedy_rows = &greedy[i];
    }
  }
  const auto start = Clock::now();
  model.forward(inputs, stats);
  const double took = seconds_since(start);
  for (int i = 0; i < batch; ++i) {
    if (tokens_per_input == 1) s.next[i] = choices[i].token;
    s.caches[i]->truncate(context);
  }
  return took;
}

DecodeStepFigures measure_batch(const moe::ForwardModel& model, Sequences& s, int batch,
                                const DecodeProbeOptions& o, double copy_gb_per_s) {
  DecodeStepFigures f;
  f.batch = batch;
  f.tokens_per_input = 1;
  moe::ForwardStats stats;
  for (int w = 0; w < o.warmup; ++w) decode_step(model, s, batch, 1, o.context, &stats);
  f.bytes_per_step = static_cast<double>(stats.bytes_read) / o.warmup;
  f.expert_activations_per_step = static_cast<double>(stats.expert_activations) / o.warmup;
  // A step that counts is not the step that is timed on a device (it may run without a CUDA
  // graph); these let the device size, capture and warm what the timed steps replay.
  for (int w = 0; w < kUncountedWarmup; ++w) decode_step(model, s, batch, 1, o.context, nullptr);
  std::vector<double> times;
  for (int k = 0; k < o.steps; ++k)
    times.push_back(decode_step(model, s, batch, 1, o.context, nullptr));
  f.steps = o.steps;
  f.step_s = times;
  f.step_s_median = median(times);
  f.step_s_min = *std::min_element(times.begin(), times.end());
  f.step_s_max = *std::max_element(times.begin(), times.end());
  if (f.step_s_median > 0) {
    f.tokens_per_s = batch / f.step_s_median;
    f.read_gb_per_s = f.bytes_per_step / f.step_s_median / 1e9;
  }
  if (copy_gb_per_s > 0) f.roofline_fraction = f.read_gb_per_s / copy_gb_per_s;
  return f;
}

// Batch 1: plain step, verification step and draft pass in alternating rounds.
MtpDecodeFigures measure_mtp(const moe::ForwardModel& model, Sequences& s,
                             const DecodeProbeOptions& o) {
  const int hidden = model.config().hidden_size;
  // The module's cache holds entry i once token i + 1 is known: rows for positions
  // 0..context-2 (hidden state i, next token i + 1), in the engine's chunks.
  auto mtp_cache = model.make_mtp_cache();
  const int rows = o.context - 1;
  for (int first = 0; first < rows; first += o.prefill_chunk) {
    const int n = std::min(o.prefill_chunk, rows - first);
    const moe::MtpInput in{mtp_cache.get(),
                           std::span(s.hidden0).subspan(static_cast<std::size_t>(first) * hidden,
                                                        static_cast<std::size_t>(n) * hidden),
                           std::span(s.prompt0).subspan(first + 1, n), false};
    model.mtp_forward(std::span(&in, 1));
  }
  // The draft pass of a decode step: the last prompt position's hidden state and the token
  // after it, then the entry rolled back.
  const auto last_hidden =
      std::span(s.hidden0).subspan(static_cast<std::size_t>(o.context - 1) * hidden, hidden);
  const auto draft_pass = [&] {
    const std::int32_t next = s.next[0];
    const moe::MtpInput in{mtp_cache.get(), last_hidden, std::span(&next, 1), false};
    const auto start = Clock::now();
    model.mtp_forward(std::span(&in, 1));
    const double took = seconds_since(start);
    mtp_cache->truncate(rows);
    return took;
  };
  for (int w = 0; w < o.warmup; ++w) {
    decode_step(model, s, 1, 2, o.context, nullptr);
    draft_pass();
  }
  std::vector<double> plain, verify, draft;
  for (int k = 0; k < o.steps; ++k) {
    plain.push_back(decode_step(model, s, 1, 1, o.context, nullptr));
    verify.push_back(decode_step(model, s, 1, 2, o.context, nullptr));
    draft.push_back(draft_pass());
  }
  MtpDecodeFigures m;
  m.rounds = o.steps;
  m.plain_step_s = median(plain);
  m.verify_step_s = median(verify);
  m.verify_step_s_all = verify;
  m.draft_pass_s = median(draft);
  if (m.plain_step_s > 0) {
    m.verify_ratio = m.verify_step_s / m.plain_step_s;
    m.draft_ratio = m.draft_pass_s / m.plain_step_s;
  }
  for (int a = 5; a <= 10; ++a) {
    m.implied_speedup.emplace_back(a / 10.0,
                                   implied_mtp_speedup(a / 10.0, m.verify_ratio, m.draft_ratio));
  }
  return m;
}

}  // namespace

double implied_mtp_speedup(double acceptance, double verify_ratio, double draft_ratio) {
  const double cost = verify_ratio + draft_ratio;
  return cost > 0 ? (1.0 + acceptance) / cost : 0.0;
}

DecodeProbeResult probe_decode(const moe::ForwardModel& model, const DecodeProbeOptions& o) {
  check_options(model, o);
  DecodeProbeResult r;
  r.device = model.device();
  r.device_description = model.describe_device();
  r.options = o;
  r.options.progress = nullptr;
  const auto say = [&](std::string line) {
    if (o.progress) o.progress(line);
  };
  r.copy = model.measure_copy(o.copy_bytes, o.copy_repeats);
  say(fmt::format("copy: {:.1f} GB/s ({} MiB, read and written)", r.copy.gb_per_s(),
                  r.copy.bytes >> 20));
  const bool mtp = o.mtp && model.has_mtp();
  const int count = *std::max_element(o.batches.begin(), o.batches.end());
  Sequences s = prefill(model, o, count, mtp, r);
  say(fmt::format("prefilled {} x {} tokens in {:.1f} s", count, o.context, r.prefill_s));
  for (const int batch : o.batches) {
    r.rows.push_back(measure_batch(model, s, batch, o, r.copy.gb_per_s()));
    const DecodeStepFigures& f = r.rows.back();
    say(fmt::format("batch {}: {:.3f} ms/step, {:.1f} tokens/s, {:.1f}% of the copy", batch,
                    f.step_s_median * 1e3, f.tokens_per_s, 100 * f.roofline_fraction));
  }
  if (mtp) {
    r.mtp = measure_mtp(model, s, o);
    say(fmt::format("mtp: verification step {:.3f}x a plain step, draft pass {:.3f}x",
                    r.mtp->verify_ratio, r.mtp->draft_ratio));
  }
  return r;
}

std::string decode_probe_config_json(const DecodeProbeOptions& o) {
  json::Writer w;
  w.object({{"batches", json::array(o.batches)},
            {"context", o.context},
            {"steps", o.steps},
            {"warmup", o.warmup},
            {"mtp", o.mtp},
            {"seed", o.seed},
            {"prefill_chunk", o.prefill_chunk},
            {"copy_bytes", static_cast<std::int64_t>(o.copy_bytes)},
            {"copy_repeats", o.copy_repeats}});
  return w.str();
}

std::string decode_probe_json(const ProbeHeader& header, const DecodeProbeResult& r) {
  const auto row = [](json::Writer& w, const DecodeStepFigures& f) {
    w.object(
        {{"batch", f.batch},
         {"tokens_per_input", f.tokens_per_input},
         {"steps", f.steps},
         {"step_ms_median", f.step_s_median * 1e3},
         {"step_ms_min", f.step_s_min * 1e3},
         {"step_ms_max", f.step_s_max * 1e3},
         {"tokens_per_s", f.tokens_per_s},
         {"bytes_per_step", f.bytes_per_step},
         {"expert_activations_per_step", f.expert_activations_per_step},
         {"read_gb_per_s", f.read_gb_per_s},
         {"roofline_fraction", f.roofline_fraction},
         {"step_ms", json::array(f.step_s, [](json::Writer& w, double s) { w.value(s * 1e3); })}});
  };
  json::Writer w;
  w.object([&](json::Writer& w) {
    write_probe_header(w, header);
    w.field("figures", [&](json::Writer& w) {
      w.object([&](json::Writer& w) {
        w.fields(
            {{"device", r.device},
             {"device_description", r.device_description},
             {"context", r.options.context},
             {"copy", json::object({{"bytes", static_cast<std::int64_t>(r.copy.bytes)},
                                    {"repeats", r.copy.repeats},
                                    {"seconds_per_copy", r.copy.seconds_per_copy},
                                    {"gb_per_s", r.copy.gb_per_s()}})},
             {"prefill", json::object({{"tokens", r.prefill_tokens}, {"seconds", r.prefill_s}})},
             {"rows", json::array(r.rows, row)}});
        if (r.mtp) {
          const MtpDecodeFigures& m = *r.mtp;
          w.field(
              "mtp",
              json::object(
                  {{"rounds", m.rounds},
                   {"plain_step_ms", m.plain_step_s * 1e3},
                   {"verify_step_ms", m.verify_step_s * 1e3},
                   {"draft_pass_ms", m.draft_pass_s * 1e3},
                   {"verify_ratio", m.verify_ratio},
                   {"draft_ratio", m.draft_ratio},
                   {"implied_speedup_formula", "(1 + acceptance) / (verify_ratio + draft_ratio)"},
                   {"implied_speedup",
                    json::array(m.implied_speedup,
                                [](json::Writer& w, const std::pair<double, double>& p) {
                                  w.object({{"acceptance", p.first}, {"speedup", p.second}});
                                })}}));
        } else {
          w.field("mtp", json::null);
        }
      });
    });
    write_assumptions(
        w, {"bytes_per_step is the forward pass's own count of what the step must read at least "
            "once: attention, dense and shared-expert weights, the router, each chosen routed "
            "expert once, the LM head, the embedding rows and the latent caches attended over",
            "roofline_fraction = bytes_per_step / median step time / the copy's bytes moved per "
            "second (a copy reads and writes each byte), both measured in this run on this device",
            "steps are timed on the host around forward(), which returns when the device is done; "
            "every step feeds one token per sequence at position context and rolls back",
            "prompt tokens are seeded random ids, so routing is what random text gives"});
  });
  return w.str();
}

std::string decode_probe_table(const DecodeProbeResult& r) {
  std::string out = fmt::format(
      "decode on {} ({})\ncontext {}, copy {:.1f} GB/s ({} MiB read and written), prefill "
      "{:.1f} s\n\n",
      r.device, r.device_description, r.options.context, r.copy.gb_per_s(), r.copy.bytes >> 20,
      r.prefill_s);
  out += fmt::format("{:>6} {:>10} {:>11} {:>13} {:>10} {:>8} {:>8}\n", "batch", "ms/step",
                     "tokens/s", "MB read/step", "GB/s read", "of copy", "experts");
  for (const DecodeStepFigures& f : r.rows) {
    out += fmt::format("{:>6} {:>10.3f} {:>11.1f} {:>13.1f} {:>10.1f} {:>7.1f}% {:>8.1f}\n",
                       f.batch, f.step_s_median * 1e3, f.tokens_per_s, f.bytes_per_step / 1e6,
                       f.read_gb_per_s, 100 * f.roofline_fraction, f.expert_activations_per_step);
  }
  if (r.mtp) {
    const MtpDecodeFigures& m = *r.mtp;
    out += fmt::format(
        "\nMTP at batch 1 ({} alternating rounds): plain step {:.3f} ms, verification step "
        "(2 tokens) {:.3f} ms = {:.3f}x, draft pass {:.3f} ms = {:.3f}x\n"
        "implied speedup (1 + a) / ({:.3f} + {:.3f}):",
        m.rounds, m.plain_step_s * 1e3, m.verify_step_s * 1e3, m.verify_ratio, m.draft_pass_s * 1e3,
        m.draft_ratio, m.verify_ratio, m.draft_ratio);
    for (const auto& [a, speedup] : m.implied_speedup) {
      out += fmt::format(" a={:.1f} {:.2f}x", a, speedup);
    }
    out += "\n";
  }
  return out;
}

}  // namespace rbench::probe
