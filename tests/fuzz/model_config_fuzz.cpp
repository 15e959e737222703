// Fuzz target `model_config`: a config.json's text through parse_config, and through
// with_quantization_config (what `engine quantize` rewrites). Properties: it loads or is refused
// with a DataError naming the file; a loaded config written back with to_json reads back equal
// (the writer and the reader agree); a quantization_config set by with_quantization_config reads
// back as set, every other value unchanged.
// fuzz-links: rbench_engines_moe_checkpoint
#include <string>
#include <string_view>

#include "engines/moe/checkpoint/config.h"
#include "fuzz/fuzz_target.h"
#include "harness/core/error.h"

namespace {

constexpr std::string_view kWhere = "fuzz/config.json";

bool names_file(const rbench::DataError& e) {
  return std::string_view(e.what()).find(kWhere) != std::string_view::npos;
}

}  // namespace

RBENCH_FUZZ_TARGET(model_config) {
  using rbench::fuzz::check;
  const std::string_view json = rbench::fuzz::as_text(data, size);
  rbench::moe::ModelConfig config;
  try {
    config = rbench::moe::parse_config(json, kWhere);
  } catch (const rbench::DataError& e) {
    check(names_file(e), "a refused config.json's error does not name the file");
    return 0;
  }
  const std::string written = rbench::moe::to_json(config);
  try {
    check(rbench::moe::parse_config(written, kWhere) == config,
          "to_json then parse_config changed the config");
  } catch (const rbench::DataError& e) {
    std::fprintf(stderr, "%s\n%s\n", e.what(), written.c_str());
    check(false, "parse_config refused what to_json wrote from a config it read");
  }

  rbench::moe::Fp8Quantization q;
  q.block_rows = 64;
  q.block_cols = 32;
  const std::string quantized = rbench::moe::with_quantization_config(json, q, kWhere);
  try {
    rbench::moe::ModelConfig expected = config;
    expected.quantization = q;
    check(rbench::moe::parse_config(quantized, kWhere) == expected,
          "with_quantization_config changed more than quantization_config");
  } catch (const rbench::DataError& e) {
    std::fprintf(stderr, "%s\n%s\n", e.what(), quantized.c_str());
    check(false, "parse_config refused what with_quantization_config wrote");
  }
  return 0;
}
