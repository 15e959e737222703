// A safetensors file truncated while it is mapped: reading a page past its new end would raise
// SIGBUS, so SafetensorsFile::bytes() checks the length again and refuses with a DataError naming
// the file and the tensor; the tensors still inside the file read as before.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "common/temp_dir.h"
#include "engines/moe/checkpoint/safetensors.h"
#include "harness/core/error.h"

namespace rbench::moe {
namespace {

namespace fs = std::filesystem;
using rbench::testing::TempDir;

TensorToWrite f32_tensor(std::string name, std::int64_t n, float value) {
  std::vector<float> values(static_cast<std::size_t>(n), value);
  TensorToWrite t{std::move(name), DType::f32, {n}, std::vector<std::byte>(values.size() * 4)};
  std::memcpy(t.data.data(), values.data(), t.data.size());
  return t;
}

TEST(SafetensorsTruncated, TruncatedWhileMappedIsRefusedNamingFileAndTensor) {
  TempDir dir;
  const fs::path file = dir.path() / "model.safetensors";
  // "a" first in the data area, "b" after it: 64 KiB each, several pages.
  const std::vector<TensorToWrite> tensors{f32_tensor("a", 16384, 1.0f),
                                           f32_tensor("b", 16384, 2.0f)};
  write_safetensors(file, tensors);
  SafetensorsFile st(file);
  const TensorInfo* a = st.find("a");
  const TensorInfo* b = st.find("b");
  ASSERT_TRUE(a && b);

  // Cut the file inside "b", as a restarted download or a copy that filled the disk does.
  fs::resize_file(file, fs::file_size(file) - 8192);
  try {
    (void)st.bytes(*b);
    FAIL() << "a tensor past the end of a truncated file was handed out";
  } catch (const DataError& e) {
    const std::string message = e.what();
    EXPECT_EQ(message.rfind(file.string() + ": tensor 'b': the file is now", 0), 0u) << message;
    EXPECT_NE(message.find("SIGBUS"), std::string::npos) << message;
  }
  const auto bytes = st.bytes(*a);  // still whole: read as before
  float first = 0;
  std::memcpy(&first, bytes.data(), sizeof first);
  EXPECT_EQ(first, 1.0f);
}

}  // namespace
}  // namespace rbench::moe
