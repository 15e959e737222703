#include "engines/moe/tools/quantize.h"

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>
#include <system_error>
#include <vector>

#include "engines/moe/checkpoint/config.h"
#include "engines/moe/checkpoint/safetensors.h"
#include "harness/core/atomic_file.h"
#include "harness/core/error.h"
#include "harness/core/json_reader.h"
#include "harness/core/json_writer.h"

namespace rbench::moe {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kConfigFile = "config.json";
constexpr std::string_view kIndexFile = "model.safetensors.index.json";
constexpr std::string_view kScaleSuffix = "_scale_inv";

// Linear weights of the decoder layers (the MTP layer's included): every *_proj.weight and
// kv_a_proj_with_mqa.weight, but the MTP's eh_proj, which DeepSeek-V3's fp8 release keeps in
// bf16 with the router, norms and embeddings.
bool is_quantised_weight(const TensorInfo& t) {
  const std::string_view n = t.name;
  return t.shape.size() == 2 && n.starts_with("model.layers.") &&
         (n.ends_with("_proj.weight") || n.ends_with(".kv_a_proj_with_mqa.weight")) &&
         !n.ends_with(".eh_proj.weight");
}

bool is_float(DType d) {
  return d == DType::f32 || d == DType::bf16 || d == DType::f16 || d == DType::f64;
}

std::int64_t ceil_div(std::int64_t a, std::int64_t b) {
  return (a + b - 1) / b;
}

// An absolute path without a trailing separator, so that filename() names the directory.
fs::path normalised(const fs::path& p) {
  fs::path a = fs::absolute(p).lexically_normal();
  return a.has_filename() ? a : a.parent_path();
}

// Whether `inner` is `outer` or lies inside it (symbolic links resolved where they exist).
bool is_within(const fs::path& inner, const fs::path& outer) {
  const fs::path i = fs::weakly_canonical(inner);
  const fs::path o = fs::weakly_canonical(outer);
  return std::mismatch(o.begin(), o.end(), i.begin(), i.end()).first == o.end();
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) throw DataError(fmt::format("{}: cannot read", path.string()));
  return text.str();
}

void write_text(const fs::path& path, std::string_view text) {
  write_file_atomically(path, text);  // names the file and the cause (a full disk) on failure
}

// OUT's contents while they are written: a hidden directory beside OUT, removed unless commit()
// renamed it to OUT. A run killed outright leaves it; the next run into OUT clears it.
class StagingDir {
 public:
  explicit StagingDir(const fs::path& out)
      : path_(out.parent_path() / fmt::format(".{}.quantize-tmp", out.filename().string())) {
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~StagingDir() {
    if (!committed_) {
      std::error_code ignored;
      fs::remove_all(path_, ignored);
    }
  }
  StagingDir(const StagingDir&) = delete;
  StagingDir& operator=(const StagingDir&) = delete;
  const fs::path& path() const { return path_; }

  // Puts the staged directory at `out`, replacing what is there (checked to be allowed).
  void commit(const fs::path& out) {
    if (!fs::exists(out)) {
      fs::rename(path_, out);
      committed_ = true;
      return;
    }
    const fs::path old =
        out.parent_path() / fmt::format(".{}.quantize-old", out.filename().string());
    fs::remove_all(old);
    fs::rename(out, old);
    fs::rename(path_, out);
    committed_ = true;
    fs::remove_all(old);
  }

 private:
  fs::path path_;
  bool committed_ = false;
};

void check_paths(const fs::path& in, const fs::path& out, const QuantizeOptions& options) {
  if (!fs::is_directory(in)) {
    throw DataError(fmt::format("{}: checkpoint directory not found", in.string()));
  }
  if (is_within(out, in) || is_within(in, out)) {
    throw UsageError(
        fmt::format("engine quantize: OUT ({}) and IN ({}) must be apart, neither "
                    "inside the other",
                    out.string(), in.string()));
  }
  if (!fs::exists(out)) return;
  if (!fs::is_directory(out)) {
    throw UsageError(fmt::format("{}: exists and is not a directory", out.string()));
  }
  if (!fs::is_empty(out) && !options.force) {
    throw UsageError(
        fmt::format("{}: exists and is not empty (--force replaces it)", out.string()));
  }
}

// IN's config.json, checked to be one we can run and not quantised already.
std::string read_input_config(const fs::path& in) {
  const fs::path path = in / kConfigFile;
  if (!fs::is_regular_file(path)) {
    throw DataError(fmt::format(
        "{}: not found (IN must be a checkpoint directory with config.json and *.safetensors)",
        path.string()));
  }
  std::string text = read_text(path);
  const json::Document doc = json::Document::parse(text, path.string());
  if (doc.root().is_object()) {
    if (const auto q = doc.root().find("quantization_config")) {
      q->fail("the checkpoint is quantised already; quantize reads f32, bf16 or f16 weights");
    }
  }
  parse_config(text, path.string());  // DataError naming the key when it is not ours
  return text;
}

void check_not_quantised(const Checkpoint& checkpoint) {
  for (const std::string& name : checkpoint.names()) {
    const TensorInfo& t = checkpoint.info(name);
    if (t.dtype == DType::f8_e4m3 || name.ends_with(kScaleSuffix)) {
      throw DataError(fmt::format(
          "{}: tensor '{}' is {}: the checkpoint is quantised already; quantize reads f32, bf16 "
          "or f16 weights",
          checkpoint.file_of(name).path().string(), name,
          t.dtype == DType::f8_e4m3 ? "F8_E4M3" : "a block scale"));
    }
  }
}

struct Planned {
  std::string name;  // in IN
  bool quantise = false;
  std::uint64_t bytes_after = 0;  // in OUT, with the scales
};

// Every tensor in the order it lies in IN (file, then offset), so reads go through each mapping
// once, front to back. Refuses a tensor to quantise that is not of a float type before anything
// is written.
std::vector<Planned> plan(const Checkpoint& checkpoint, const QuantizeOptions& options) {
  std::vector<std::string> names = checkpoint.names();
  std::stable_sort(names.begin(), names.end(), [&](const std::string& a, const std::string& b) {
    const auto& fa = checkpoint.file_of(a).path();
    const auto& fb = checkpoint.file_of(b).path();
    return fa != fb ? fa < fb : checkpoint.info(a).begin < checkpoint.info(b).begin;
  });
  std::vector<Planned> out;
  for (std::string& name : names) {
    const TensorInfo& t = checkpoint.info(name);
    Planned p{std::move(name), is_quantised_weight(t), t.end - t.begin};
    if (p.quantise) {
      const std::string file = checkpoint.file_of(t.name).path().string();
      if (!is_float(t.dtype)) {
        throw DataError(fmt::format("{}: tensor '{}' is {}, not a float type to quantise", file,
                                    t.name, to_string(t.dtype)));
      }
      const std::int64_t rows = t.shape[0];
      const std::int64_t cols = t.shape[1];
      if (cols > INT_MAX) {
        throw DataError(
            fmt::format("{}: tensor '{}' has {} columns, too many", file, t.name, cols));
      }
      p.bytes_after = static_cast<std::uint64_t>(rows * cols) +
                      4 * static_cast<std::uint64_t>(ceil_div(rows, options.block_rows) *
                                                     ceil_div(cols, options.block_cols));
    }
    out.push_back(std::move(p));
  }
  return out;
}

// Consecutive runs of `planned` whose output stays within max_shard_bytes (a larger tensor alone).
std::vector<std::vector<const Planned*>> shard(const std::vector<Planned>& planned,
                                               std::uint64_t max_shard_bytes) {
  std::vector<std::vector<const Planned*>> shards;
  std::uint64_t size = 0;
  for (const Planned& p : planned) {
    if (shards.empty() || (size > 0 && size + p.bytes_after > max_shard_bytes)) {
      shards.emplace_back();
      size = 0;
    }
    shards.back().push_back(&p);
    size += p.bytes_after;
  }
  return shards;
}

// `name` as F8_E4M3 plus its weight_scale_inv, band by band of block_rows rows in parallel.
void push_quantised(const Checkpoint& checkpoint, const std::string& name,
                    const QuantizeOptions& options, std::vector<TensorToWrite>& out) {
  const TensorInfo& info = checkpoint.info(name);
  const std::string file = checkpoint.file_of(name).path().string();
  const std::int64_t rows = info.shape[0];
  const std::int64_t cols = info.shape[1];
  const std::int64_t scale_rows = ceil_div(rows, options.block_rows);
  const auto scale_cols = static_cast<std::size_t>(ceil_div(cols, options.block_cols));
  TensorToWrite q{name, DType::f8_e4m3, info.shape, std::vector<std::byte>(rows * cols)};
  std::vector<float> scales(scale_rows * scale_cols);
  const std::span<const std::byte> src = checkpoint.bytes(name);
  const std::size_t element = dtype_size(info.dtype);
  const std::span<std::uint8_t> codes(reinterpret_cast<std::uint8_t*>(q.data.data()),
                                      q.data.size());
  tbb::parallel_for(std::int64_t{0}, scale_rows, [&](std::int64_t band) {
    const std::int64_t r0 = band * options.block_rows;
    const std::int64_t r1 = std::min(rows, r0 + options.block_rows);
    const auto begin = static_cast<std::size_t>(r0 * cols);
    std::vector<float> values(static_cast<std::size_t>((r1 - r0) * cols));
    convert_to_f32(info.dtype, src.data() + begin * element, values.size(), values.data());
    for (std::size_t i = 0; i < values.size(); ++i) {
      if (!std::isfinite(values[i])) {
        throw DataError(fmt::format(
            "{}: tensor '{}' holds {} at [{}, {}], which fp8 block scales cannot represent", file,
            name, values[i], r0 + static_cast<std::int64_t>(i) / cols,
            static_cast<std::int64_t>(i) % cols));
      }
    }
    quantize_fp8_band(values, static_cast<int>(cols), options.block_cols,
                      codes.subspan(begin, values.size()),
                      std::span(scales).subspan(band * scale_cols, scale_cols));
  });
  TensorToWrite s{name + std::string(kScaleSuffix),
                  DType::f32,
                  {scale_rows, static_cast<std::int64_t>(scale_cols)},
                  std::vector<std::byte>(scales.size() * sizeof(float))};
  if (!scales.empty()) std::memcpy(s.data.data(), scales.data(), s.data.size());
  out.push_back(std::move(q));
  out.push_back(std::move(s));
}

void push_kept(const Checkpoint& checkpoint, const std::string& name,
               std::vector<TensorToWrite>& out) {
  const TensorInfo& info = checkpoint.info(name);
  const std::span<const std::byte> bytes = checkpoint.bytes(name);
  out.push_back({name, info.dtype, info.shape, std::vector<std::byte>(bytes.begin(), bytes.end())});
}

void write_index(const fs::path& path, std::uint64_t total_size,
                 const std::map<std::string, std::string>& weight_map) {
  json::Writer w(json::Pretty{});
  w.object({{"metadata", json::object({{"total_size", total_size}})},
            {"weight_map", json::map(weight_map)}});
  write_text(path, w.str() + "\n");
}

// Every file of IN but the weights and config.json, byte for byte, subfolders included.
int copy_other_files(const fs::path& in, const fs::path& out) {
  int copied = 0;
  for (const auto& entry : fs::recursive_directory_iterator(in)) {
    if (!entry.is_regular_file()) continue;  // follows links, as Hugging Face caches use them
    const fs::path relative = entry.path().lexically_relative(in);
    const bool top_level = relative.parent_path().empty();
    if (top_level && (relative == kConfigFile || relative == kIndexFile ||
                      relative.extension() == ".safetensors")) {
      continue;
    }
    fs::create_directories((out / relative).parent_path());
    fs::copy_file(entry.path(), out / relative);
    ++copied;
  }
  return copied;
}

}  // namespace

double QuantizeSummary::ratio() const {
  return bytes_before == 0 ? 0.0
                           : static_cast<double>(bytes_after) / static_cast<double>(bytes_before);
}

QuantizeSummary quantize_checkpoint(const fs::path& in_arg, const fs::path& out_arg,
                                    const QuantizeOptions& options) {
  if (options.format != QuantFormat::fp8) {
    throw UsageError("engine quantize: name the target format (--fp8, the only one so far)");
  }
  if (options.block_rows < 1 || options.block_cols < 1 || options.max_shard_bytes == 0) {
    throw UsageError("engine quantize: block sizes and the shard size must be positive");
  }
  const fs::path in = normalised(in_arg);
  const fs::path out = normalised(out_arg);
  check_paths(in, out, options);
  const std::string config_text = read_input_config(in);
  const Checkpoint checkpoint(in);
  check_not_quantised(checkpoint);

  QuantizeSummary summary;
  summary.block_rows = options.block_rows;
  summary.block_cols = options.block_cols;
  const std::vector<Planned> planned = plan(checkpoint, options);
  const auto shards = shard(planned, options.max_shard_bytes);
  summary.shards = static_cast<int>(shards.size());

  fs::create_directories(out.parent_path());
  StagingDir staging(out);
  const Fp8Quantization quantization{.block_rows = options.block_rows,
                                     .block_cols = options.block_cols};
  write_text(staging.path() / kConfigFile,
             with_quantization_config(config_text, quantization, (in / kConfigFile).string()));
  summary.files_copied = copy_other_files(in, staging.path());

  std::map<std::string, std::string> weight_map;
  for (std::size_t s = 0; s < shards.size(); ++s) {
    const std::string file =
        shards.size() == 1 ? std::string("model.safetensors")
                           : fmt::format("model-{:05}-of-{:05}.safetensors", s + 1, shards.size());
    std::vector<TensorToWrite> tensors;
    for (const Planned* p : shards[s]) {
      summary.bytes_before += checkpoint.info(p->name).end - checkpoint.info(p->name).begin;
      summary.bytes_after += p->bytes_after;
      if (p->quantise) {
        push_quantised(checkpoint, p->name, options, tensors);
        ++summary.tensors_quantised;
      } else {
        push_kept(checkpoint, p->name, tensors);
        ++summary.tensors_kept;
      }
    }
    for (const TensorToWrite& t : tensors) weight_map.emplace(t.name, file);
    write_safetensors(staging.path() / file, tensors, {{"format", "pt"}});
  }
  if (shards.size() > 1) write_index(staging.path() / kIndexFile, summary.bytes_after, weight_map);
  staging.commit(out);
  return summary;
}

std::string describe(const QuantizeSummary& s, const fs::path& in, const fs::path& out) {
  return fmt::format(
      "quantised {} -> {} (fp8 e4m3, {}x{} blocks)\n"
      "  {} tensors to F8_E4M3 (each with its weight_scale_inv), {} kept in their dtype\n"
      "  tensor bytes {} before, {} after (scales included): ratio {:.3f}\n"
      "  {} safetensors file{}, {} other file{} copied\n",
      in.string(), out.string(), s.block_rows, s.block_cols, s.tensors_quantised, s.tensors_kept,
      s.bytes_before, s.bytes_after, s.ratio(), s.shards, s.shards == 1 ? "" : "s", s.files_copied,
      s.files_copied == 1 ? "" : "s");
}

}  // namespace rbench::moe
