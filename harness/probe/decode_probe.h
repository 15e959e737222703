// `rbench probe decode`: the built-in engine's decode step timed where it runs (--device), set
// against a copy within the same memory measured in the same run. A decode step at small batch is
// memory-bound: it must read every weight it uses and the caches it attends over once, so its
// bytes read per second over the copy's bytes moved per second is how close it comes to the
// memory roofline.
//
// What a step must read is the forward pass's own count (ForwardStats::bytes_read): attention,
// dense and shared-expert weights, the router, each routed expert the step's tokens chose once
// however many chose it, the LM head, the embedding rows, and the latent caches attended over.
//
// Method: every sequence gets `context` random prompt tokens (seeded), prefilled in the engine's
// chunks; each timed step then feeds every sequence of the batch one token at position `context`
// and rolls the cache back, so all steps see the same context. Steps are timed on the host around
// forward() (which returns only once the device is done); the median is reported. With an MTP
// module, batch 1 also times the 2-token verification step of self-speculative decoding and the
// module's draft pass, in alternating rounds with the plain step so drift cancels out of the
// ratios.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engines/moe/model/forward_model.h"
#include "harness/probe/probe_json.h"

namespace rbench::probe {

struct DecodeProbeOptions {
  std::vector<int> batches{1, 8, 32, 64, 128};
  int context = 1024;  // positions in every cache before each timed step
  int steps = 32;      // timed steps per batch size
  int warmup = 3;      // untimed steps first; they also count the bytes each step reads
  bool mtp = true;     // with an MTP module: the verification step and draft pass at batch 1
  std::uint64_t seed = 0;
  int prefill_chunk = 256;           // prompt tokens of one sequence per forward call
  int prefill_rows_per_call = 4096;  // prompt tokens of all sequences per forward call
  std::size_t copy_bytes = std::size_t{256} << 20;  // larger than any L2 or L3
  int copy_repeats = 10;
  // Called with a line of progress (a batch size done); may be empty.
  std::function<void(std::string_view)> progress;
};

struct DecodeStepFigures {
  int batch = 0;
  int tokens_per_input = 1;  // 2: the verification step of self-speculative decoding
  int steps = 0;
  double step_s_median = 0;
  double step_s_min = 0;
  double step_s_max = 0;
  double tokens_per_s = 0;    // batch x tokens_per_input / median step
  double bytes_per_step = 0;  // what the step must read (ForwardStats::bytes_read), warm-up mean
  double expert_activations_per_step = 0;
  double read_gb_per_s = 0;      // bytes_per_step / median step
  double roofline_fraction = 0;  // read_gb_per_s over the copy's GB/s
  std::vector<double> step_s;    // every timed step, in order (`rbench perf compare` tests them)
};

struct MtpDecodeFigures {
  int rounds = 0;
  double plain_step_s = 0;   // medians over the same alternating rounds
  double verify_step_s = 0;  // [last token, draft]: both tokens' logits, one read of the weights
  double draft_pass_s = 0;   // the MTP module's pass that makes the next draft
  double verify_ratio = 0;   // verify / plain
  double draft_ratio = 0;    // draft / plain
  std::vector<double> verify_step_s_all;  // every round's verification step, in order
  // Self-speculative decoding makes 1 + a tokens per (verification step + draft pass) at draft
  // acceptance a, against 1 token per plain step: speedup(a) = (1 + a) / (verify_ratio +
  // draft_ratio). Pairs (a, speedup) for a = 0.5, 0.6, ..., 1.0.
  std::vector<std::pair<double, double>> implied_speedup;
};

struct DecodeProbeResult {
  std::string device;              // "cpu", "cuda:0"
  std::string device_description;  // the model's describe_device()
  DecodeProbeOptions options;
  moe::CopyBandwidth copy;
  std::int64_t prefill_tokens = 0;
  double prefill_s = 0;
  std::vector<DecodeStepFigures> rows;  // one per batch size
  std::optional<MtpDecodeFigures> mtp;
};

// Runs the probe. UsageError for options the model cannot take (a context past its positions, a
// batch below 1). Holds max(batches) caches of context + 2 positions at once.
DecodeProbeResult probe_decode(const moe::ForwardModel& model, const DecodeProbeOptions& options);

// speedup(a) = (1 + a) / (verify_ratio + draft_ratio), see MtpDecodeFigures.
double implied_mtp_speedup(double acceptance, double verify_ratio, double draft_ratio);

std::string decode_probe_config_json(const DecodeProbeOptions& options);
// The document of kind "decode" (probe_json.h): "figures" holds the device, the copy, the rows
// and the MTP figures.
std::string decode_probe_json(const ProbeHeader& header, const DecodeProbeResult& result);
std::string decode_probe_table(const DecodeProbeResult& result);

}  // namespace rbench::probe
