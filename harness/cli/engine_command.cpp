// `rbench engine ...`: the built-in MoE engine's own tools for engine developers.
//   make-tiny    a small random DeepSeek-V3-architecture checkpoint with a trained tokenizer
//   make-random  random weights at published widths (DeepSeek-V2-Lite, V3) for benchmarks
//   quantize     a checkpoint's linear weights to fp8 e4m3 with 128x128 block scales
//   logits       logits for given token ids, as JSON, to compare with other implementations
//   generate     text from a prompt, greedy or sampled, streamed to stdout
//   tokenize     token ids of a text
//   memory       parameters, weight bytes and KV cache per token (MLA latent vs multi-head)
#include <fmt/format.h>

#include <charconv>
#include <chrono>
#include <iostream>
#include <map>
#include <span>

#include "engines/engine_factory.h"
#include "engines/moe/engine/builtin_engine.h"
#include "engines/moe/engine/device_model.h"
#include "engines/moe/model/memory.h"
#include "engines/moe/tools/quantize.h"
#include "engines/moe/tools/random_checkpoint.h"
#include "harness/cli/commands.h"
#include "harness/cli/engine_options.h"
#include "harness/core/error.h"
#include "harness/core/json_writer.h"

namespace rbench::cli {
namespace {

using namespace rbench::moe;

DType parse_weight_dtype(const std::string& name) {
  if (name == "f32") return DType::f32;
  if (name == "bf16") return DType::bf16;
  if (name == "fp8" || name == "f8_e4m3") return DType::f8_e4m3;
  throw UsageError(fmt::format("--dtype: '{}' is not one of f32, bf16, fp8", name));
}

std::vector<std::int32_t> parse_tokens(const std::string& list) {
  std::vector<std::int32_t> ids;
  std::size_t pos = 0;
  while (pos <= list.size()) {
    const std::size_t comma = std::min(list.find(',', pos), list.size());
    std::string_view item(list.data() + pos, comma - pos);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    std::int32_t v = 0;
    const auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), v);
    if (item.empty() || ec != std::errc() || end != item.data() + item.size() || v < 0) {
      throw UsageError(fmt::format("--tokens: '{}' is not a token id (expected e.g. 1,2,3)", item));
    }
    ids.push_back(v);
    pos = comma + 1;
  }
  return ids;
}

void add_make_tiny(CLI::App& engine) {
  struct Options {
    std::string out;
    std::string variant = "v3";
    std::string dtype = "f32";
    std::uint64_t seed = 0;
    int vocab = 1024;
    bool mtp = false;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd =
      engine.add_subcommand("make-tiny", "Write a tiny random checkpoint with a tokenizer");
  cmd->add_option("--out", o->out, "Directory to write")->required();
  cmd->add_option("--variant", o->variant, "v3 | v2-lite | v2 | dense")->capture_default_str();
  cmd->add_option("--dtype", o->dtype, "f32 | bf16 | fp8")->capture_default_str();
  cmd->add_option("--seed", o->seed, "Seed of the weights")->capture_default_str();
  cmd->add_option("--vocab", o->vocab, "Learnt BPE vocabulary size")->capture_default_str();
  cmd->add_flag("--mtp", o->mtp,
                "Add a multi-token-prediction module (num_nextn_predict_layers 1); the other "
                "weights stay the same");
  cmd->callback([o] {
    make_tiny(o->out, {.variant = o->variant,
                       .dtype = parse_weight_dtype(o->dtype),
                       .seed = o->seed,
                       .vocab_size = o->vocab,
                       .mtp = o->mtp});
    fmt::print(stderr, "wrote {} (variant {}, {}{})\n", o->out, o->variant, o->dtype,
               o->mtp ? ", with an MTP module" : "");
  });
}

void add_make_random(CLI::App& engine) {
  struct Options {
    std::string out;
    std::string shape;
    std::string dtype = "bf16";
    std::uint64_t seed = 0;
    bool mtp = false;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = engine.add_subcommand("make-random",
                                        "Write random weights at published widths (no tokenizer)");
  cmd->add_option("--shape", o->shape, "deepseek-v2-lite | deepseek-v2-lite-4l | deepseek-v3")
      ->required();
  cmd->add_option("--out", o->out, "Directory to write")->required();
  cmd->add_option("--dtype", o->dtype, "f32 | bf16 | fp8")->capture_default_str();
  cmd->add_option("--seed", o->seed, "Seed of the weights")->capture_default_str();
  cmd->add_flag("--mtp", o->mtp,
                "With MTP module 0 (num_nextn_predict_layers 1, its tensors under "
                "model.layers.{num_hidden_layers}), for --mtp decoding");
  cmd->callback([o] {
    ModelConfig config = shape_config(o->shape);
    if (o->mtp) config.num_nextn_predict_layers = std::max(config.num_nextn_predict_layers, 1);
    write_random_checkpoint(
        o->out, config, {.dtype = parse_weight_dtype(o->dtype), .seed = o->seed, .mtp = o->mtp});
    fmt::print(stderr, "wrote {} ({} {}{})\n", o->out, o->shape, o->dtype,
               o->mtp ? ", with an MTP module" : "");
  });
}

void add_quantize(CLI::App& engine) {
  struct Options {
    std::string in;
    std::string out;
    bool fp8 = false;
    bool force = false;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = engine.add_subcommand(
      "quantize", "Write a quantised copy of a checkpoint (--fp8: DeepSeek-V3's layout)");
  cmd->add_option("IN", o->in, "Checkpoint directory to read (f32, bf16 or f16 weights)")
      ->required();
  cmd->add_option("OUT", o->out, "Directory to write (absent or empty unless --force)")->required();
  cmd->add_flag("--fp8", o->fp8,
                "fp8 e4m3 linear weights with one f32 scale per 128x128 block (the only format)");
  cmd->add_flag("--force", o->force, "Replace OUT even when it is not empty");
  cmd->callback([o] {
    const QuantizeSummary s = quantize_checkpoint(
        o->in, o->out,
        {.format = o->fp8 ? QuantFormat::fp8 : QuantFormat::none, .force = o->force});
    fmt::print(stderr, "{}", describe(s, o->in, o->out));
  });
}

void add_logits(CLI::App& engine) {
  // --model and --mtp are the shared flags' (inherited: o->model, o->mtp read as before).
  struct Options : EngineOptions {
    std::string tokens;
    bool all_positions = false;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = engine.add_subcommand(
      "logits", "Logits of the last position (or all) for token ids, as JSON on stdout");
  // The model alone, no engine: no batch, and --mtp asks for the module's logits.
  add_engine_flags(*cmd, *o,
                   {.max_batch = false,
                    .builtin_only = true,
                    .kv_cache_memory = false,
                    .mtp_help = "The MTP module's logits instead: row i (positions 0..n-2, from "
                                "the hidden state of position i and token i+1) predicts token "
                                "i+2"});
  cmd->add_option("--tokens", o->tokens, "Token ids, e.g. 1,2,3")->required();
  cmd->add_flag("--all-positions", o->all_positions, "Logits for every position");
  cmd->callback([o] {
    check_engine_options(*o, "engine logits");
    const auto tokens = parse_tokens(o->tokens);
    const auto dummy = dummy_spec(*o);
    const auto model = dummy ? load_dummy_model(*dummy, parse_device(o->device))
                             : load_model(o->model, parse_device(o->device));
    if (o->mtp && !model->has_mtp()) {
      throw DataError(fmt::format("{}: --mtp: the checkpoint has no MTP module", o->model));
    }
    if (o->mtp && tokens.size() < 2) throw UsageError("--mtp: give at least 2 tokens");
    for (std::int32_t t : tokens) {
      if (t >= model->config().vocab_size) {
        throw UsageError(fmt::format("--tokens: {} is outside the vocabulary (size {})", t,
                                     model->config().vocab_size));
      }
    }
    const auto cache = model->make_cache();
    std::vector<float> hidden;
    const ForwardInput in{cache.get(), tokens, o->all_positions, o->mtp ? &hidden : nullptr};
    auto logits = model->forward(std::span(&in, 1)).front();
    std::size_t rows = tokens.size();
    if (o->mtp) {
      rows = tokens.size() - 1;
      const auto mtp_cache = model->make_mtp_cache();
      const MtpInput rows_in{mtp_cache.get(),
                             std::span(hidden).first(rows * model->config().hidden_size),
                             std::span(tokens).subspan(1), o->all_positions};
      logits = model->mtp_forward(std::span(&rows_in, 1)).front();
    }
    const int vocab = model->config().vocab_size;
    const auto row = [&](json::Writer& w, std::size_t r) {
      w.value(json::array(std::span(logits).subspan(r * vocab, vocab)));
    };
    json::Writer w;
    w.object({{"tokens", json::array(tokens)},
              {"device", model->device()},
              {"logits", [&](json::Writer& w) {
                 if (!o->all_positions) return row(w, 0);
                 w.array([&](json::Writer& w) {
                   for (std::size_t r = 0; r < rows; ++r) row(w, r);
                 });
               }}});
    fmt::print("{}\n", w.str());
  });
}

void add_generate(CLI::App& engine) {
  // --model and --mtp are the shared flags' (inherited: o->model, o->mtp read as before).
  struct Options : EngineOptions {
    std::string prompt;
    bool greedy = false;
    bool chat = false;
    bool json = false;
    int max_tokens = 64;
    double temperature = 0.6;
    double top_p = 0.95;
    int top_k = 0;
    std::uint64_t seed = 0;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd =
      engine.add_subcommand("generate", "Generate text from a prompt on the built-in engine");
  // One sequence at a time: --max-batch would change nothing.
  add_engine_flags(*cmd, *o, {.max_batch = false, .builtin_only = true});
  cmd->add_option("--prompt", o->prompt, "Prompt text")->required();
  cmd->add_flag("--greedy", o->greedy, "Greedy decoding (otherwise sampled)");
  cmd->add_flag("--chat", o->chat, "Wrap the prompt in the chat template as a user message");
  cmd->add_flag("--json", o->json, "Print token ids, text and timings as JSON");
  cmd->add_option("--max-tokens", o->max_tokens, "Tokens to generate")->capture_default_str();
  cmd->add_option("--temperature", o->temperature, "Sampling temperature")->capture_default_str();
  cmd->add_option("--top-p", o->top_p, "Nucleus sampling")->capture_default_str();
  cmd->add_option("--top-k", o->top_k, "Top-k sampling (0: off)")->capture_default_str();
  cmd->add_option("--seed", o->seed, "Sampling seed")->capture_default_str();
  cmd->callback([o] {
    check_engine_options(*o, "engine generate");
    auto engine = open_builtin_engine(*o);
    GenerateRequest g;
    // Without --chat, tokenised as a raw /v1/completions prompt is, so the two agree.
    g.prompt = o->chat ? engine->chat_prompt({{"user", o->prompt}}) : engine->raw_prompt(o->prompt);
    g.max_tokens = o->max_tokens;
    g.stop_ids = engine->stop_ids();
    if (!o->greedy) {
      g.sampler = {
          .temperature = o->temperature, .top_k = o->top_k, .top_p = o->top_p, .seed = o->seed};
    }
    TextStream text({});
    const auto t0 = std::chrono::steady_clock::now();
    double ttft = -1;
    const GenerateResult r = engine->generate(g, [&](std::int32_t id) {
      if (ttft < 0) {
        ttft = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      }
      if (!o->json && !engine->tokenizer().is_special(id)) {
        fmt::print("{}", text.feed(engine->tokenizer().token_bytes(id)));
        std::fflush(stdout);
      }
      return true;
    });
    const double total =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!r.error.empty()) throw Error("generate: " + r.error);
    const double decode_s = total - ttft;
    const double tpot = r.generated > 1 ? decode_s / (r.generated - 1) : 0;
    const double tokens_per_s = total > 0 ? r.generated / total : 0;
    const double acceptance =
        r.draft_tokens > 0 ? static_cast<double>(r.accepted_draft_tokens) / r.draft_tokens : 0;
    // Only with a bound: the output without one stays as it was.
    const bool bounded = !o->kv_cache_memory.empty();
    if (o->json) {
      const std::string out = engine->tokenizer().decode(r.tokens);
      const auto if_mtp = [&](int v) { return o->mtp ? json::OutValue(v) : std::nullopt; };
      json::Writer w;
      w.object({{"prompt_tokens", json::array(g.prompt)},
                {"tokens", json::array(r.tokens)},
                {"text", out},
                {"finish_reason", r.finish_reason},
                {"ttft_s", ttft},
                {"tpot_s", tpot},
                {"tokens_per_s", tokens_per_s},
                {"draft_tokens", if_mtp(r.draft_tokens)},
                {"accepted_draft_tokens", if_mtp(r.accepted_draft_tokens)},
                {"preemptions", bounded ? json::OutValue(r.preemptions) : std::nullopt}});
      fmt::print("{}\n", w.str());
    } else {
      fmt::print("{}\n", text.finish());
      const std::string mtp =
          o->mtp ? fmt::format("; mtp: {} of {} drafts accepted ({:.1f}%)", r.accepted_draft_tokens,
                               r.draft_tokens, 100.0 * acceptance)
                 : "";
      const std::string preemptions = bounded ? fmt::format("; {} preemptions", r.preemptions) : "";
      fmt::print(stderr,
                 "[{} prompt tokens, {} generated in {:.2f} s ({:.1f} tokens/s), finish {}; time "
                 "to first token {:.1f} ms, {:.1f} ms per output token{}{}]\n",
                 g.prompt.size(), r.generated, total, tokens_per_s, r.finish_reason, ttft * 1e3,
                 tpot * 1e3, mtp, preemptions);
    }
  });
}

void add_tokenize(CLI::App& engine) {
  struct Options {
    std::string model;
    std::string text;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = engine.add_subcommand("tokenize", "Token ids of a text (special tokens parsed)");
  cmd->add_option("--model", o->model, "Directory with tokenizer.json")->required();
  cmd->add_option("--text", o->text, "Text")->required();
  cmd->callback([o] {
    const Tokenizer t = Tokenizer::load(std::filesystem::path(o->model) / "tokenizer.json");
    fmt::print("{}\n", fmt::join(t.encode(o->text), ","));
  });
}

void add_memory(CLI::App& engine) {
  struct Options {
    std::string model;
    std::string config;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = engine.add_subcommand(
      "memory", "Parameters, weight bytes and KV cache per token (latent vs multi-head)");
  auto* model_opt =
      cmd->add_option("--model", o->model, "Checkpoint directory (loads the weights)");
  cmd->add_option("--config", o->config, "A config.json alone (analytic figures)")
      ->excludes(model_opt);
  cmd->callback([o] {
    if (o->model.empty() == o->config.empty()) {
      throw UsageError("engine memory: give --model DIR or --config FILE");
    }
    const ModelConfig c =
        load_config(o->config.empty() ? std::filesystem::path(o->model) / "config.json"
                                      : std::filesystem::path(o->config));
    const ParameterCounts p = count_parameters(c);
    const KvCacheFigures kv = kv_cache_figures(c, 2);
    const WeightBytes wb = weight_bytes(c);
    std::vector<json::Field> fields = {{"architecture", c.architecture},
                                       {"parameters_total", p.total},
                                       {"parameters_active_per_token", p.active_per_token},
                                       {"parameters_mtp", p.mtp},
                                       {"weight_bytes_bf16", wb.bf16},
                                       {"weight_bytes_fp8", wb.fp8},
                                       {"kv_bytes_per_token_latent_bf16", kv.latent_per_token},
                                       {"kv_bytes_per_token_mha_bf16", kv.mha_per_token},
                                       {"kv_reduction", kv.reduction()}};
    // Measured in this order: the peak RSS after loading and after one cache.
    std::map<std::string, std::size_t> loaded, loaded_mtp;
    if (!o->model.empty()) {
      const auto model = Model::load(o->model);
      loaded = model->weights().bytes_by_dtype();
      loaded_mtp = model->weights().mtp_bytes_by_dtype();
      const auto held = static_cast<std::int64_t>(model->new_cache().bytes_per_token());
      fields.insert(fields.end(), {{"loaded_weight_bytes", json::map(loaded)},
                                   // Included in loaded_weight_bytes.
                                   {"loaded_mtp_weight_bytes", json::map(loaded_mtp)},
                                   {"kv_bytes_per_token_held_f32", held},
                                   {"peak_rss_bytes", peak_rss_bytes()}});
    }
    json::Writer w;
    w.object(fields);
    fmt::print("{}\n", w.str());
    fmt::print(stderr,
               "{}: {:.2f}B parameters, {:.2f}B active per token ({:.1f}%); weights {:.1f} GB in "
               "bf16, {:.1f} GB in fp8 ({:.1f}% less); KV cache per token {} B latent vs {} B "
               "multi-head in bf16: {:.1f}% smaller\n",
               c.architecture, p.total / 1e9, p.active_per_token / 1e9,
               100.0 * p.active_per_token / std::max<std::int64_t>(p.total, 1), wb.bf16 / 1e9,
               wb.fp8 / 1e9,
               100.0 * (1.0 - static_cast<double>(wb.fp8) / std::max<std::int64_t>(wb.bf16, 1)),
               kv.latent_per_token, kv.mha_per_token, 100.0 * kv.reduction());
  });
}

}  // namespace

void add_engine_command(CLI::App& app) {
  CLI::App* engine = app.add_subcommand("engine", "The built-in MoE engine's tools");
  engine->require_subcommand(1);
  add_make_tiny(*engine);
  add_make_random(*engine);
  add_quantize(*engine);
  add_logits(*engine);
  add_generate(*engine);
  add_tokenize(*engine);
  add_memory(*engine);
}

}  // namespace rbench::cli
