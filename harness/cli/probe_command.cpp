// `rbench probe ...`: measurements of the engine and of the harness itself, each printed as a
// table, written as a probe JSON document (--json FILE, harness/probe/probe_json.h) and stored in
// the probes table of a result store (--db FILE) under a run.
//   latency  TTFT, TPOT, ITL, end to end, throughput, goodput (probe_latency_command.cpp)
//   memory   parameters, weight bytes, KV cache (MLA latent vs multi-head), measured memory
//   ceiling  streamed requests/s of rbench's own client against the mock server, and wrk's
//   decode   the built-in engine's decode step per batch size against the device's copy bandwidth
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engines/engine_factory.h"
#include "engines/moe/engine/device_model.h"
#include "engines/moe/model/random_weights.h"
#include "harness/cli/commands.h"
#include "harness/cli/engine_options.h"
#include "harness/core/error.h"
#include "harness/core/version.h"
#include "harness/probe/ceiling_probe.h"
#include "harness/probe/decode_probe.h"
#include "harness/probe/memory_probe.h"
#include "harness/probe/probe_header.h"
#include "harness/probe/training_probe.h"
#include "harness/store/store.h"

namespace rbench::cli {
namespace {

// Where a probe's document goes besides stdout.
struct ProbeOutputs {
  std::string json_file;
  std::string db;
  std::string run;
};

void add_output_options(CLI::App& cmd, ProbeOutputs& out) {
  cmd.add_option("--json", out.json_file, "Write the probe JSON document to FILE");
  cmd.add_option("--db", out.db, "Store the probe in this SQLite result store");
  cmd.add_option("--run", out.run, "Run name in the store (default: probe-<kind>-<model>)");
}

// Stores and writes a finished probe. The row is inserted when the probe starts (put_probe) so
// that a killed probe leaves a trace; finish_probe fills in the document.
class ProbeSink {
 public:
  ProbeSink(const ProbeOutputs& out, probe::ProbeHeader header, const std::string& default_run)
      : out_(out), header_(std::move(header)) {
    header_.started_at = probe::utc_now_iso8601();
    if (out_.db.empty()) return;
    store_ = std::make_unique<Store>(out_.db);
    const std::string run = out_.run.empty() ? default_run : out_.run;
    const RunInfo info = store_->open_run(run, header_.config_json, version(), git_sha());
    run_id_ = info.id;
    probe_id_ = store_->put_probe({.run_id = info.id,
                                   .kind = header_.kind,
                                   .model = header_.model,
                                   .config_json = header_.config_json});
  }

  probe::ProbeHeader finished_header(const std::string& model) {
    header_.model = model;
    header_.finished_at = probe::utc_now_iso8601();
    return header_;
  }

  void finish(const std::string& document) {
    if (!out_.json_file.empty()) {
      std::ofstream file(out_.json_file, std::ios::binary);
      file << document << "\n";
      if (!file) throw Error(fmt::format("--json: cannot write {}", out_.json_file));
      fmt::print(stderr, "wrote {}\n", out_.json_file);
    }
    if (store_) {
      store_->put_probe({.id = probe_id_,
                         .run_id = run_id_,
                         .kind = header_.kind,
                         .model = header_.model,
                         .config_json = header_.config_json});
      store_->finish_probe(probe_id_, document);
      store_->finish_run(run_id_);
      fmt::print(stderr, "stored probe {} in {}\n", probe_id_, out_.db);
    }
  }

 private:
  ProbeOutputs out_;
  probe::ProbeHeader header_;
  std::unique_ptr<Store> store_;
  std::int64_t run_id_ = 0;
  std::int64_t probe_id_ = 0;
};

// "1,8,32": positive integers, comma-separated; UsageError naming `flag` otherwise.
std::vector<int> parse_int_list(std::string_view text, std::string_view flag) {
  std::vector<int> values;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    const std::string_view item = text.substr(start, comma - start);
    int v = 0;
    const auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), v);
    if (item.empty() || ec != std::errc{} || end != item.data() + item.size() || v < 1) {
      throw UsageError(
          fmt::format("{} '{}': expected positive integers separated by commas", flag, text));
    }
    values.push_back(v);
    start = comma + 1;
  }
  return values;
}

}  // namespace

void add_probe_memory(CLI::App& probe, int& exit_code) {
  struct Options {
    std::string model;
    std::string config;
    double budget_gib = 0;
    int context = 1024;
    std::string kv_dtype = "bf16";
    std::string device = "cpu";
    ProbeOutputs out;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = probe.add_subcommand(
      "memory",
      "Parameters, weight bytes, KV cache (MLA latent vs multi-head) and, with --model, "
      "measured memory and the largest batch x context that fits");
  auto* model_opt =
      cmd->add_option("--model", o->model, "Checkpoint directory (loads it: measured figures)");
  cmd->add_option("--config", o->config, "A config.json alone (analytic figures)")
      ->excludes(model_opt);
  cmd->add_option("--memory-budget", o->budget_gib,
                  "GiB the model may use (default: MemAvailable of /proc/meminfo; with --device "
                  "cuda, the device's total memory)");
  cmd->add_option("--device", o->device,
                  "Where --model is loaded and the forward pass runs: cpu | cuda | cuda:N (the "
                  "weights, cache per token and cache peak as the device holds them, with its "
                  "name and total and free memory)")
      ->capture_default_str();
  cmd->add_option("--context", o->context, "Tokens of the forward pass and per-context figures")
      ->capture_default_str();
  cmd->add_option("--kv-dtype", o->kv_dtype, "Cache element of the analytic figures: bf16|fp8|f32")
      ->capture_default_str();
  add_output_options(*cmd, o->out);
  cmd->callback([o, &exit_code] {
    probe::MemoryProbeOptions options;
    options.model_dir = o->model;
    options.config_path = o->config;
    if (o->budget_gib != 0) options.memory_budget_gib = o->budget_gib;
    options.context = o->context;
    options.kv_dtype = o->kv_dtype;
    if (o->model.empty() == o->config.empty()) {
      throw UsageError("probe memory: give --model DIR (measured) or --config FILE (analytic)");
    }
    probe::kv_dtype_bytes(options.kv_dtype);  // a bad flag fails before the store is touched
    const moe::DeviceSpec device = moe::parse_device(o->device);
    if (device.kind != moe::DeviceSpec::Kind::cpu) {
      if (o->model.empty()) throw UsageError("probe memory: --device measures a --model DIR");
      if (const std::string why = moe::device_unavailable(device); !why.empty()) {
        throw SetupError(fmt::format("--device {}: {}", device.str(), why));
      }
      options.load_model = [device](const std::filesystem::path& dir) {
        return moe::load_model(dir, device, {.mtp = false});
      };
    }
    const std::string name = probe::memory_model_name(options);
    ProbeSink sink(o->out,
                   {.kind = "memory",
                    .model = name,
                    .engine = "builtin",
                    .config_json = probe::memory_probe_config_json(options)},
                   "probe-memory-" + name);
    const probe::MemoryReport report = probe::probe_memory(options);
    fmt::print("{}", probe::memory_report_table(report));
    sink.finish(probe::memory_probe_json(sink.finished_header(report.model), report));
    exit_code = kExitOk;
  });
}

namespace {

// "14.8T", "2.788M", "37e9", "1200": a count with an optional K/M/B/T suffix (powers of 1000).
double parse_count(const std::string& text, const char* flag) {
  std::string number = text;
  double scale = 1;
  if (!number.empty()) {
    switch (number.back()) {
      case 'K':
      case 'k':
        scale = 1e3;
        break;
      case 'M':
      case 'm':
        scale = 1e6;
        break;
      case 'B':
      case 'b':
      case 'G':
      case 'g':
        scale = 1e9;
        break;
      case 'T':
      case 't':
        scale = 1e12;
        break;
      default:
        break;
    }
    if (scale != 1) number.pop_back();
  }
  double value = 0;
  const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
  if (number.empty() || ec != std::errc{} || end != number.data() + number.size() || value <= 0) {
    throw UsageError(fmt::format(
        "probe training: {} \"{}\" is not a positive number (a suffix K, M, B or T may follow)",
        flag, text));
  }
  return value * scale;
}

}  // namespace

void add_probe_training(CLI::App& probe, int& exit_code) {
  struct Options {
    std::string config;
    std::string tokens, gpu_hours;
    double peak_tflops = 0;
    double price_per_hour = 0;
    int sequence_length = 4096;
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = probe.add_subcommand(
      "training",
      "Check a published training-cost claim against a config: training FLOPs (6 x active "
      "parameters x tokens, plus MTP and attention), the MFU the claimed GPU-hours imply, and the "
      "claimed cost");
  cmd->add_option("--config", o->config,
                  "A config.json, or a built-in shape: deepseek-v3 | deepseek-v2-lite")
      ->required();
  cmd->add_option("--tokens", o->tokens, "Training tokens, e.g. 14.8T")->required();
  cmd->add_option("--gpu-hours", o->gpu_hours, "Claimed GPU-hours, e.g. 2.788M")->required();
  cmd->add_option("--peak-tflops", o->peak_tflops,
                  "The GPU's dense peak at the training precision, TFLOP/s (H800: 989 bf16, "
                  "1979 fp8)")
      ->required()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--price-per-hour", o->price_per_hour, "USD per GPU-hour of the claim")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--sequence-length", o->sequence_length, "Training context of attention's FLOPs")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_flag("--json", o->json, "Print the figures as JSON");
  cmd->callback([o, &exit_code] {
    probe::TrainingOptions options;
    options.tokens = parse_count(o->tokens, "--tokens");
    options.gpu_hours = parse_count(o->gpu_hours, "--gpu-hours");
    options.peak_tflops = o->peak_tflops;
    options.price_per_hour = o->price_per_hour;
    options.sequence_length = o->sequence_length;
    const bool is_file = std::filesystem::exists(o->config);
    const moe::ModelConfig config =
        is_file ? moe::load_config(o->config) : moe::shape_config(o->config);
    // A checkpoint's config.json is named by its folder; any other file by its own name.
    const std::filesystem::path path(o->config);
    std::string name = o->config;
    if (is_file) {
      name = path.filename() == "config.json" && !path.parent_path().filename().empty()
                 ? path.parent_path().filename().string()
                 : path.stem().string();
    }
    const probe::TrainingReport report = probe::probe_training(config, name, options);
    fmt::print("{}", o->json ? probe::training_report_json(report) + "\n"
                             : probe::training_report_text(report));
    exit_code = kExitOk;
  });
}

void add_probe_ceiling(CLI::App& probe, int& exit_code) {
  struct Options {
    probe::CeilingOptions ceiling;
    std::string wrk;
    bool no_wrk = false;
    ProbeOutputs out;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = probe.add_subcommand(
      "ceiling",
      "Streamed requests/s of rbench's client against the in-process mock server, "
      "next to wrk's against the same server");
  cmd->add_option("--duration", o->ceiling.duration_s, "Seconds of each measurement")
      ->capture_default_str();
  cmd->add_option("--connections", o->ceiling.connections, "Concurrent requests (and wrk's -c)")
      ->capture_default_str();
  cmd->add_option("--wrk", o->wrk, "Path of wrk (default: wrk on PATH)");
  cmd->add_flag("--no-wrk", o->no_wrk, "Measure rbench's client only");
  add_output_options(*cmd, o->out);
  cmd->callback([o, &exit_code] {
    probe::CeilingOptions options = o->ceiling;
    options.wrk = o->wrk;
    options.skip_wrk = o->no_wrk;
    ProbeSink sink(o->out,
                   {.kind = "ceiling",
                    .model = "",
                    .engine = "mock",
                    .config_json = probe::ceiling_probe_config_json(options)},
                   "probe-ceiling");
    const probe::CeilingReport report = probe::probe_ceiling(options);
    fmt::print("{}", probe::ceiling_report_table(report));
    sink.finish(probe::ceiling_probe_json(sink.finished_header(""), report));
    exit_code = kExitOk;
  });
}

void add_probe_decode(CLI::App& probe, int& exit_code) {
  struct Options : EngineOptions {
    std::string batches = "1,8,32,64,128";
    int context = 1024;
    int steps = 32;
    std::uint64_t seed = 0;
    ProbeOutputs out;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = probe.add_subcommand(
      "decode",
      "The built-in engine's decode step per batch size on --device: tokens/s and the bytes it "
      "must read per second against a copy in the same memory, measured in the same run");
  // The model alone, no engine: no batch bound, no cache bound, no tokenizer.
  add_engine_flags(*cmd, *o,
                   {.max_batch = false,
                    .builtin_only = true,
                    .kv_cache_memory = false,
                    .tokenizer = false,
                    .mtp_help = "Also time, at batch 1, the 2-token verification step of "
                                "self-speculative decoding and the MTP module's draft pass "
                                "(the model needs the module; a dummy model gets one)"});
  cmd->add_option("--batch", o->batches, "Batch sizes, comma-separated")->capture_default_str();
  cmd->add_option("--context", o->context, "Positions in each sequence's cache at every step")
      ->capture_default_str();
  cmd->add_option("--steps", o->steps, "Timed steps per batch size")->capture_default_str();
  cmd->add_option("--seed", o->seed, "Seed of the random prompt tokens")->capture_default_str();
  add_output_options(*cmd, o->out);
  cmd->callback([o, &exit_code] {
    probe::DecodeProbeOptions options;
    options.batches = parse_int_list(o->batches, "--batch");
    options.context = o->context;
    options.steps = o->steps;
    options.seed = o->seed;
    options.mtp = o->mtp;
    options.progress = [](std::string_view line) {
      fmt::print(stderr, "probe decode: {}\n", line);
    };
    check_engine_options(*o, "probe decode");
    const moe::DeviceSpec device = moe::parse_device(o->device);
    const auto dummy = dummy_spec(*o);
    const auto model =
        dummy ? moe::load_dummy_model(*dummy, device) : moe::load_model(o->model, device);
    if (o->mtp && !model->has_mtp()) {
      throw DataError(fmt::format("{}: --mtp: the checkpoint has no MTP module", o->model));
    }
    const std::filesystem::path dir = std::filesystem::path(o->model).lexically_normal();
    std::string name = dummy                ? moe::dummy_name(*dummy)
                       : dir.has_filename() ? dir.filename().string()
                                            : dir.parent_path().filename().string();
    if (device.kind != moe::DeviceSpec::Kind::cpu) name += "+cuda";
    ProbeSink sink(o->out,
                   {.kind = "decode",
                    .model = name,
                    .engine = "builtin",
                    .config_json = probe::decode_probe_config_json(options)},
                   "probe-decode-" + name);
    const probe::DecodeProbeResult result = probe::probe_decode(*model, options);
    fmt::print("{}", probe::decode_probe_table(result));
    sink.finish(probe::decode_probe_json(sink.finished_header(name), result));
    exit_code = kExitOk;
  });
}

void add_probe_command(CLI::App& app, int& exit_code) {
  CLI::App* probe =
      app.add_subcommand("probe",
                         "Measure models, the engine and the harness (latency, memory, "
                         "ceiling, decode)");
  probe->require_subcommand(1);
  add_probe_memory(*probe, exit_code);
  add_probe_ceiling(*probe, exit_code);
  add_probe_latency(*probe, exit_code);  // in probe_latency_command.cpp
  add_probe_decode(*probe, exit_code);
  add_probe_training(*probe, exit_code);
}

}  // namespace rbench::cli
