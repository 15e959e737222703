// Safetensors files and checkpoints: mapped read-only, every header entry checked against the
// file before any byte is handed out, so a truncated download fails here with the tensor named
// rather than later as a crash or as garbage weights.
#include "engines/moe/checkpoint/safetensors.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

#include "harness/core/error.h"
#include "harness/core/json_reader.h"

namespace rbench::moe {
namespace {

namespace fs = std::filesystem;

constexpr std::uint64_t kMaxHeaderBytes = 100'000'000;  // the limit the reference reader uses
constexpr std::size_t kLengthBytes = 8;
constexpr const char* kIndexFile = "model.safetensors.index.json";
constexpr const char* kMetadataKey = "__metadata__";

std::string shape_string(std::span<const std::int64_t> shape) {
  return fmt::format("[{}]", fmt::join(shape, ", "));
}

[[noreturn]] void tensor_error(const fs::path& file, std::string_view name, std::string_view what) {
  throw DataError(fmt::format("{}: tensor '{}': {}", file.string(), name, what));
}

std::uint64_t checked_numel(const fs::path& file, std::string_view name,
                            const std::vector<std::int64_t>& shape) {
  std::uint64_t n = 1;
  for (const std::int64_t d : shape) {
    if (__builtin_mul_overflow(n, static_cast<std::uint64_t>(d), &n)) {
      tensor_error(file, name, fmt::format("shape {} overflows", shape_string(shape)));
    }
  }
  return n;
}

std::uint64_t read_u64_le(const std::byte* p) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < kLengthBytes; ++i) {
    v |= std::uint64_t{std::to_integer<std::uint8_t>(p[i])} << (8 * i);
  }
  return v;
}

std::map<std::string, std::string> parse_metadata(const fs::path& file,
                                                  const rapidjson::Value& value) {
  if (!value.IsObject()) {
    throw DataError(fmt::format("{}: {} is not an object", file.string(), kMetadataKey));
  }
  std::map<std::string, std::string> metadata;
  for (const auto& kv : value.GetObject()) {
    if (!kv.value.IsString()) {
      throw DataError(fmt::format("{}: {} value of '{}' is not a string", file.string(),
                                  kMetadataKey, kv.name.GetString()));
    }
    metadata.emplace(kv.name.GetString(), kv.value.GetString());
  }
  return metadata;
}

TensorInfo parse_entry(const fs::path& file, std::string name, const rapidjson::Value& entry,
                       std::size_t data_size) {
  if (!entry.IsObject()) tensor_error(file, name, "header entry is not an object");
  TensorInfo t;
  t.name = std::move(name);

  const auto dtype = entry.FindMember("dtype");
  if (dtype == entry.MemberEnd() || !dtype->value.IsString()) {
    tensor_error(file, t.name, "missing or non-string \"dtype\"");
  }
  const std::string_view dtype_name(dtype->value.GetString(), dtype->value.GetStringLength());
  const auto parsed = parse_dtype(dtype_name);
  if (!parsed) tensor_error(file, t.name, fmt::format("unknown dtype \"{}\"", dtype_name));
  t.dtype = *parsed;

  const auto shape = entry.FindMember("shape");
  if (shape == entry.MemberEnd() || !shape->value.IsArray()) {
    tensor_error(file, t.name, "missing or non-array \"shape\"");
  }
  for (const auto& d : shape->value.GetArray()) {
    if (!d.IsInt64() || d.GetInt64() < 0) {
      tensor_error(file, t.name, "\"shape\" must hold non-negative integers");
    }
    t.shape.push_back(d.GetInt64());
  }

  const auto offsets = entry.FindMember("data_offsets");
  if (offsets == entry.MemberEnd() || !offsets->value.IsArray() || offsets->value.Size() != 2 ||
      !offsets->value[0].IsUint64() || !offsets->value[1].IsUint64()) {
    tensor_error(file, t.name, "\"data_offsets\" must be two non-negative integers [begin, end]");
  }
  t.begin = offsets->value[0].GetUint64();
  t.end = offsets->value[1].GetUint64();
  if (t.begin > t.end) {
    tensor_error(file, t.name,
                 fmt::format("data_offsets [{}, {}] end before they begin", t.begin, t.end));
  }
  if (t.end > data_size) {
    tensor_error(file, t.name,
                 fmt::format("data_offsets [{}, {}] run past the end of the data area ({} bytes); "
                             "is the file truncated?",
                             t.begin, t.end, data_size));
  }
  const std::uint64_t numel = checked_numel(file, t.name, t.shape);
  std::uint64_t expected = 0;
  if (__builtin_mul_overflow(numel, dtype_size(t.dtype), &expected) ||
      expected != t.end - t.begin) {
    tensor_error(file, t.name,
                 fmt::format("data_offsets [{}, {}] hold {} bytes, but shape {} of {} needs {}",
                             t.begin, t.end, t.end - t.begin, shape_string(t.shape), dtype_name,
                             numel * dtype_size(t.dtype)));
  }
  return t;
}

void check_no_overlap(const fs::path& file, const std::vector<TensorInfo>& tensors) {
  std::vector<const TensorInfo*> by_offset;
  for (const auto& t : tensors) {
    if (t.begin != t.end) by_offset.push_back(&t);  // an empty tensor owns no bytes
  }
  std::sort(by_offset.begin(), by_offset.end(),
            [](const TensorInfo* a, const TensorInfo* b) { return a->begin < b->begin; });
  for (std::size_t i = 1; i < by_offset.size(); ++i) {
    const TensorInfo& prev = *by_offset[i - 1];
    const TensorInfo& t = *by_offset[i];
    if (t.begin < prev.end) {
      tensor_error(file, t.name,
                   fmt::format("bytes [{}, {}] overlap tensor '{}' at [{}, {}]", t.begin, t.end,
                               prev.name, prev.begin, prev.end));
    }
  }
}

// The header of a .safetensors file: raw RapidJSON, because its errors are about tensors
// ("tensor 'x': ...", tensor_error) rather than JSON paths, and it can list thousands of them.
rapidjson::Document parse_json(std::string_view text, const fs::path& where,
                               std::string_view what) {
  rapidjson::Document doc;
  doc.Parse(text.data(), text.size());
  if (doc.HasParseError()) {
    throw DataError(fmt::format("{}: {} is not valid JSON: {} (at byte {})", where.string(), what,
                                rapidjson::GetParseError_En(doc.GetParseError()),
                                doc.GetErrorOffset()));
  }
  if (!doc.IsObject()) {
    throw DataError(fmt::format("{}: {} is not a JSON object", where.string(), what));
  }
  return doc;
}

// model.safetensors.index.json's weight_map as (tensor, shard file name) pairs.
std::vector<std::pair<std::string, std::string>> read_weight_map(const fs::path& index_path) {
  const json::Document doc = json::Document::read_file(index_path);
  std::vector<std::pair<std::string, std::string>> entries;
  std::set<std::string, std::less<>> seen;
  for (const auto& [tensor, value] : doc.root().member("weight_map").members()) {
    std::string file = value.string();
    // Shards sit next to the index; a path elsewhere is not something we should open.
    if (file.empty() || file.find('/') != std::string::npos || file == "." || file == "..") {
      value.fail(fmt::format("\"{}\" is not a file name in the checkpoint directory", file));
    }
    if (!seen.emplace(tensor).second) value.fail("the tensor is listed twice");
    entries.emplace_back(std::string(tensor), std::move(file));
  }
  return entries;
}

bool is_float(DType t) {
  return t == DType::f32 || t == DType::f16 || t == DType::bf16 || t == DType::f8_e4m3 ||
         t == DType::f64;
}

std::int64_t ceil_div(std::int64_t a, std::int64_t b) {
  return (a + b - 1) / b;
}

}  // namespace

std::int64_t TensorInfo::numel() const {
  std::int64_t n = 1;
  for (const std::int64_t d : shape) n *= d;
  return n;
}

void SafetensorsFile::Unmap::operator()(const std::byte* p) const {
  ::munmap(const_cast<std::byte*>(p), size);
}

SafetensorsFile::Descriptor::~Descriptor() {
  if (fd >= 0) ::close(fd);
}

SafetensorsFile::SafetensorsFile(const std::filesystem::path& path)
    : path_(path), fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {
  const Descriptor& fd = fd_;
  if (fd.fd < 0) {
    throw DataError(fmt::format("{}: cannot open: {}", path.string(), std::strerror(errno)));
  }
  struct stat st {};
  if (::fstat(fd.fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    throw DataError(fmt::format("{}: not a regular file", path.string()));
  }
  const auto file_size = static_cast<std::size_t>(st.st_size);
  if (file_size < kLengthBytes) {
    throw DataError(fmt::format("{}: {} bytes, too short for a safetensors file (at least {})",
                                path.string(), file_size, kLengthBytes));
  }
  mapped_size_ = file_size;
  void* p = ::mmap(nullptr, file_size, PROT_READ, MAP_PRIVATE, fd.fd, 0);
  if (p == MAP_FAILED) {
    throw Error(fmt::format("{}: cannot map: {}", path.string(), std::strerror(errno)));
  }
  map_ =
      std::unique_ptr<const std::byte, Unmap>(static_cast<const std::byte*>(p), Unmap{file_size});

  const std::uint64_t header_size = read_u64_le(map_.get());
  if (header_size > kMaxHeaderBytes) {
    throw DataError(fmt::format("{}: header length {} exceeds the {}-byte limit", path.string(),
                                header_size, kMaxHeaderBytes));
  }
  if (header_size > file_size - kLengthBytes) {
    throw DataError(fmt::format("{}: header length {} runs past the end of the {}-byte file",
                                path.string(), header_size, file_size));
  }
  data_offset_ = kLengthBytes + header_size;
  const std::size_t data_size = file_size - data_offset_;

  const std::string_view header(reinterpret_cast<const char*>(map_.get()) + kLengthBytes,
                                header_size);
  const rapidjson::Document doc = parse_json(header, path, "the header");
  for (const auto& m : doc.GetObject()) {
    std::string name(m.name.GetString(), m.name.GetStringLength());
    if (name == kMetadataKey) {
      metadata_ = parse_metadata(path, m.value);
    } else {
      tensors_.push_back(parse_entry(path, std::move(name), m.value, data_size));
    }
  }
  check_no_overlap(path, tensors_);
  std::sort(tensors_.begin(), tensors_.end(),
            [](const TensorInfo& a, const TensorInfo& b) { return a.name < b.name; });
  const auto dup =
      std::adjacent_find(tensors_.begin(), tensors_.end(),
                         [](const TensorInfo& a, const TensorInfo& b) { return a.name == b.name; });
  if (dup != tensors_.end()) tensor_error(path, dup->name, "appears twice in the header");
}

SafetensorsFile::~SafetensorsFile() = default;

const TensorInfo* SafetensorsFile::find(std::string_view name) const {
  const auto it = std::lower_bound(
      tensors_.begin(), tensors_.end(), name,
      [](const TensorInfo& t, std::string_view n) { return std::string_view(t.name) < n; });
  return it != tensors_.end() && it->name == name ? &*it : nullptr;
}

std::span<const std::byte> SafetensorsFile::bytes(const TensorInfo& t) const {
  // Reading a mapped page past the file's end raises SIGBUS: refuse while it can be an error.
  struct stat st {};
  const std::size_t needed = data_offset_ + t.end;
  if (::fstat(fd_.fd, &st) == 0 && static_cast<std::size_t>(st.st_size) < needed) {
    tensor_error(path_, t.name,
                 fmt::format("the file is now {} bytes, {} when it was opened, and the tensor "
                             "ends at byte {}: it was truncated while in use (reading on would "
                             "crash with SIGBUS); restore it and start again",
                             st.st_size, mapped_size_, needed));
  }
  return {map_.get() + data_offset_ + t.begin, t.end - t.begin};
}

Checkpoint::Checkpoint(const std::filesystem::path& dir) : dir_(dir) {
  if (!fs::is_directory(dir)) {
    throw DataError(fmt::format("{}: checkpoint directory not found", dir.string()));
  }
  std::map<std::string, std::size_t, std::less<>> opened;  // file name -> files_ position
  const auto open = [&](const fs::path& file) {
    const auto [it, added] = opened.emplace(file.filename().string(), files_.size());
    if (added) files_.push_back(std::make_unique<SafetensorsFile>(file));
    return it->second;
  };

  const fs::path index_path = dir / kIndexFile;
  if (fs::exists(index_path)) {
    // Only what the index lists is part of the model, whatever else the shards hold.
    for (const auto& [tensor, file] : read_weight_map(index_path)) {
      const std::size_t pos = open(dir / file);
      if (files_[pos]->find(tensor) == nullptr) {
        throw DataError(fmt::format("{}: tensor '{}' is listed in {} but missing from the file",
                                    files_[pos]->path().string(), tensor, kIndexFile));
      }
      index_.emplace(tensor, pos);
    }
    return;
  }

  std::vector<fs::path> shards;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.is_regular_file() && entry.path().extension() == ".safetensors") {
      shards.push_back(entry.path());
    }
  }
  if (shards.empty()) {
    throw DataError(fmt::format("{}: no *.safetensors files and no {}", dir.string(), kIndexFile));
  }
  std::sort(shards.begin(), shards.end());
  for (const auto& shard : shards) {
    const std::size_t pos = open(shard);
    for (const auto& t : files_[pos]->tensors()) {
      const auto [it, added] = index_.emplace(t.name, pos);
      if (!added) {
        tensor_error(shard, t.name, fmt::format("also in {}", files_[it->second]->path().string()));
      }
    }
  }
}

bool Checkpoint::has(std::string_view name) const {
  return index_.find(name) != index_.end();
}

const SafetensorsFile& Checkpoint::file_of(std::string_view name) const {
  const auto it = index_.find(name);
  if (it == index_.end()) {
    throw DataError(fmt::format("{}: no tensor '{}' in the checkpoint", dir_.string(), name));
  }
  return *files_[it->second];
}

const TensorInfo& Checkpoint::info(std::string_view name) const {
  // The constructor checked that every indexed tensor is in its file.
  return *file_of(name).find(name);
}

std::span<const std::byte> Checkpoint::bytes(std::string_view name) const {
  return file_of(name).bytes(info(name));
}

std::vector<std::string> Checkpoint::names() const {
  std::vector<std::string> out;
  out.reserve(index_.size());
  for (const auto& [name, pos] : index_) out.push_back(name);
  return out;
}

FloatTensor Checkpoint::to_f32(std::string_view name, std::span<const std::int64_t> expected_shape,
                               int block_rows, int block_cols) const {
  if (block_rows < 1 || block_cols < 1) {
    throw std::invalid_argument(
        fmt::format("to_f32: block size {}x{} must be positive", block_rows, block_cols));
  }
  const SafetensorsFile& file = file_of(name);
  const TensorInfo& t = *file.find(name);
  if (!expected_shape.empty() && !std::ranges::equal(expected_shape, t.shape)) {
    tensor_error(file.path(), name,
                 fmt::format("expected shape {}, found {}", shape_string(expected_shape),
                             shape_string(t.shape)));
  }
  if (!is_float(t.dtype)) {
    tensor_error(file.path(), name,
                 fmt::format("dtype {} is not a floating-point type", to_string(t.dtype)));
  }
  FloatTensor out{t.shape, std::vector<float>(static_cast<std::size_t>(t.numel()))};
  const std::span<const std::byte> data = file.bytes(t);
  if (t.dtype != DType::f8_e4m3) {
    convert_to_f32(t.dtype, data.data(), out.values.size(), out.values.data());
    return out;
  }

  // fp8 weights are stored divided by a per-block scale; multiply it back.
  if (t.shape.size() != 2) {
    tensor_error(file.path(), name,
                 fmt::format("F8_E4M3 tensors must be 2-D for block scales, found shape {}",
                             shape_string(t.shape)));
  }
  const std::string scale_name = std::string(name) + "_scale_inv";
  if (!has(scale_name)) {
    tensor_error(file.path(), name,
                 fmt::format("F8_E4M3 without its block scales '{}'", scale_name));
  }
  const SafetensorsFile& scale_file = file_of(scale_name);
  const TensorInfo& s = info(scale_name);
  const std::int64_t rows = t.shape[0];
  const std::int64_t cols = t.shape[1];
  const std::vector<std::int64_t> scale_shape{ceil_div(rows, block_rows),
                                              ceil_div(cols, block_cols)};
  if (s.dtype != DType::f32 && s.dtype != DType::bf16) {
    tensor_error(scale_file.path(), scale_name,
                 fmt::format("block scales must be F32 or BF16, found {}", to_string(s.dtype)));
  }
  if (s.shape != scale_shape) {
    tensor_error(scale_file.path(), scale_name,
                 fmt::format("expected shape {} for {} blocks of {}x{} over {}, found {}",
                             shape_string(scale_shape), name, block_rows, block_cols,
                             shape_string(t.shape), shape_string(s.shape)));
  }
  std::vector<float> scale(static_cast<std::size_t>(s.numel()));
  convert_to_f32(s.dtype, scale_file.bytes(s).data(), scale.size(), scale.data());
  for (std::int64_t i = 0; i < rows; ++i) {
    const float* scale_row = scale.data() + (i / block_rows) * scale_shape[1];
    for (std::int64_t j = 0; j < cols; ++j) {
      const auto code = std::to_integer<std::uint8_t>(data[i * cols + j]);
      out.values[i * cols + j] = f8_e4m3_to_f32(code) * scale_row[j / block_cols];
    }
  }
  return out;
}

}  // namespace rbench::moe
