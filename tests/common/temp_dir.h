// A fresh temporary directory per test, removed with everything in it when the test ends.
#pragma once

#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <string_view>

namespace rbench::testing {

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "rbench-test-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }

  const std::filesystem::path& path() const { return path_; }

  // Writes `contents` to path()/relative (creating folders) and returns the full path.
  std::filesystem::path write(const std::string& relative, std::string_view contents) const {
    const std::filesystem::path file = path_ / relative;
    std::filesystem::create_directories(file.parent_path());
    std::ofstream out(file, std::ios::binary);
    out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
    if (!out.good()) throw std::runtime_error("cannot write the test file " + file.string());
    return file;
  }

 private:
  std::filesystem::path path_;
};

// The shared public data (read-only), or "" when this checkout has none beside it.
inline std::filesystem::path shared_data_dir() {
  const std::filesystem::path dir = RBENCH_SHARED_DATA_DIR;
  return std::filesystem::is_directory(dir) ? dir : std::filesystem::path();
}

inline std::filesystem::path bundled_data_dir() {
  return std::filesystem::path(RBENCH_SOURCE_DIR) / "data";
}

}  // namespace rbench::testing
