// Safetensors checkpoints, read through a memory map and validated before use: the header is
// JSON of at most 100 MB; every tensor's dtype is known, its byte range lies inside the data area,
// matches shape x dtype size exactly, and no two ranges overlap. A truncated or corrupt file is
// refused with a DataError naming the file and the tensor.
//
// A file truncated while it is mapped (a download restarted over it, a disk that filled while
// it was copied in place) cannot be refused by any check at open: the kernel raises SIGBUS on the
// first read of a page past the file's new end, and SIGBUS is not an error a thread can catch
// safely. So bytes() checks the file's length again (one fstat of the descriptor kept open) and
// throws a DataError naming the file and the tensor before handing out a range past the end. A
// truncation in the instant between that check and the read still ends the process with SIGBUS.
//
// A Checkpoint is a directory with model.safetensors, or several shards listed in
// model.safetensors.index.json ("weight_map": tensor -> file).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engines/moe/checkpoint/dtype.h"

namespace rbench::moe {

struct TensorInfo {
  std::string name;
  DType dtype = DType::f32;
  std::vector<std::int64_t> shape;
  std::size_t begin = 0;  // byte offsets inside the data area (after the header)
  std::size_t end = 0;
  std::int64_t numel() const;
};

// One .safetensors file, memory-mapped read-only (RAII: unmapped on destruction).
class SafetensorsFile {
 public:
  explicit SafetensorsFile(const std::filesystem::path& path);  // maps and validates
  ~SafetensorsFile();
  SafetensorsFile(const SafetensorsFile&) = delete;
  SafetensorsFile& operator=(const SafetensorsFile&) = delete;

  const std::filesystem::path& path() const { return path_; }
  const std::vector<TensorInfo>& tensors() const { return tensors_; }  // sorted by name
  const TensorInfo* find(std::string_view name) const;                 // nullptr when absent
  // The tensor's bytes; DataError when the file is now shorter than they need (see above).
  std::span<const std::byte> bytes(const TensorInfo& t) const;
  const std::map<std::string, std::string>& metadata() const { return metadata_; }

 private:
  struct Unmap {  // munmap of the whole file
    std::size_t size;
    void operator()(const std::byte* p) const;
  };

  struct Descriptor {  // kept open: fstat sees the mapped file even after a rename over it
    int fd = -1;
    explicit Descriptor(int f) : fd(f) {}
    ~Descriptor();
    Descriptor(const Descriptor&) = delete;
    Descriptor& operator=(const Descriptor&) = delete;
  };

  std::filesystem::path path_;
  Descriptor fd_;
  std::size_t mapped_size_ = 0;
  std::unique_ptr<const std::byte, Unmap> map_;
  std::size_t data_offset_ = 0;
  std::vector<TensorInfo> tensors_;  // sorted by name
  std::map<std::string, std::string> metadata_;
};

// A tensor's values as f32 with its shape, row-major.
struct FloatTensor {
  std::vector<std::int64_t> shape;
  std::vector<float> values;
};

class Checkpoint {
 public:
  // `dir` holds model.safetensors.index.json (sharded) or *.safetensors files.
  explicit Checkpoint(const std::filesystem::path& dir);

  bool has(std::string_view name) const;
  const TensorInfo& info(std::string_view name) const;  // DataError when absent
  std::span<const std::byte> bytes(std::string_view name) const;
  const SafetensorsFile& file_of(std::string_view name) const;
  std::vector<std::string> names() const;  // sorted

  // Values as f32. An F8_E4M3 tensor NAME is multiplied by its block scales NAME_scale_inv
  // (weight_scale_inv for NAME == "...weight"):
  //   element (i, j) by scale[i / block_rows][j / block_cols].
  // Checks `expected_shape` when not empty (DataError naming the tensor otherwise).
  FloatTensor to_f32(std::string_view name, std::span<const std::int64_t> expected_shape = {},
                     int block_rows = 128, int block_cols = 128) const;

 private:
  std::filesystem::path dir_;
  std::vector<std::unique_ptr<SafetensorsFile>> files_;
  std::map<std::string, std::size_t, std::less<>> index_;  // tensor name -> files_ position
};

// For writers (make-tiny, make-random, quantize): tensors in the order given, 8-byte aligned
// data, an optional __metadata__ map. Writes to a temporary file and renames it into place.
struct TensorToWrite {
  std::string name;
  DType dtype = DType::f32;
  std::vector<std::int64_t> shape;
  std::vector<std::byte> data;  // exactly numel * dtype_size bytes
};
void write_safetensors(const std::filesystem::path& path, std::span<const TensorToWrite> tensors,
                       const std::map<std::string, std::string>& metadata = {});

}  // namespace rbench::moe
