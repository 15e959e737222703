// A file that appears under its final name only once it is whole: written to "<name>.tmp" beside
// it, flushed, then renamed over the final name. A failed write (a full disk, a file size limit)
// removes the temporary file and names the final one, so no half-written output is ever left
// under the name readers open.
#pragma once

#include <cstddef>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>

namespace rbench {

class AtomicFile {
 public:
  // Creates "<out>.tmp" (replacing a stale one). Throws rbench::Error naming it.
  explicit AtomicFile(std::filesystem::path out);
  ~AtomicFile();  // removes the temporary file unless commit() succeeded
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void write(std::string_view bytes);
  void write(std::span<const std::byte> bytes);
  // Closes (checked: a full disk may only show here) and renames onto the final name.
  void commit();

  const std::filesystem::path& temporary_path() const { return tmp_; }

 private:
  [[noreturn]] void fail(std::string_view doing, int error_number);

  std::filesystem::path out_;
  std::filesystem::path tmp_;
  int fd_ = -1;
  bool committed_ = false;
};

// The whole file at once, through AtomicFile.
void write_file_atomically(const std::filesystem::path& out, std::string_view bytes);

// "disk full" / "file size limit reached" / the errno's text: how write errors are worded.
std::string describe_write_error(int error_number);

}  // namespace rbench
