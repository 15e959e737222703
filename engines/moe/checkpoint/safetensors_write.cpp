// Writing safetensors files (make-tiny, make-random, quantize): tensors back to back in the
// order given, the header padded with spaces so the data area starts 8-byte aligned, as the
// reference writer does. The file appears under its name only once it is complete.
#include "engines/moe/checkpoint/safetensors.h"

#include <fmt/format.h>

#include <array>
#include <set>
#include <stdexcept>
#include <system_error>

#include "harness/core/atomic_file.h"
#include "harness/core/error.h"
#include "harness/core/json_writer.h"

namespace rbench::moe {
namespace {

constexpr std::size_t kAlignment = 8;

std::uint64_t byte_count(const TensorToWrite& t) {
  std::uint64_t n = dtype_size(t.dtype);
  for (const std::int64_t d : t.shape) {
    if (d < 0) {
      throw std::invalid_argument(
          fmt::format("write_safetensors: tensor '{}' has a negative dimension", t.name));
    }
    n *= static_cast<std::uint64_t>(d);
  }
  return n;
}

std::string header_json(std::span<const TensorToWrite> tensors,
                        const std::map<std::string, std::string>& metadata) {
  json::Writer w;
  w.object([&](json::Writer& w) {
    if (!metadata.empty()) w.field("__metadata__", json::map(metadata));
    std::uint64_t offset = 0;
    for (const auto& t : tensors) {
      const std::uint64_t begin = offset;
      offset += t.data.size();
      w.field(t.name, json::object({{"dtype", to_string(t.dtype)},
                                    {"shape", json::array(t.shape)},
                                    {"data_offsets", json::array({begin, offset})}}));
    }
  });
  return w.str();
}

}  // namespace

void write_safetensors(const std::filesystem::path& path, std::span<const TensorToWrite> tensors,
                       const std::map<std::string, std::string>& metadata) {
  std::set<std::string_view> names;
  for (const auto& t : tensors) {
    if (t.name.empty() || t.name == "__metadata__" || !names.insert(t.name).second) {
      throw std::invalid_argument(fmt::format(
          "write_safetensors: tensor name '{}' is empty, reserved or repeated", t.name));
    }
    if (const std::uint64_t expected = byte_count(t); expected != t.data.size()) {
      throw std::invalid_argument(fmt::format(
          "write_safetensors: tensor '{}' has {} bytes of data, its shape and {} need {}", t.name,
          t.data.size(), to_string(t.dtype), expected));
    }
  }

  std::string header = header_json(tensors, metadata);
  header.append((kAlignment - header.size() % kAlignment) % kAlignment, ' ');
  std::array<char, 8> length{};
  for (std::size_t i = 0; i < length.size(); ++i) {
    length[i] = static_cast<char>((std::uint64_t{header.size()} >> (8 * i)) & 0xFFu);
  }

  // A full disk or a file size limit fails here naming `path`, and leaves nothing under it.
  AtomicFile out(path);
  out.write(std::string_view(length.data(), length.size()));
  out.write(header);
  for (const auto& t : tensors) out.write(std::span<const std::byte>(t.data));
  out.commit();
}

}  // namespace rbench::moe
