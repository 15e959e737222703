// Fuzz target `safetensors`: a .safetensors file written to a fresh temporary directory and opened
// as a Checkpoint (mapped read-only), then every tensor converted to f32. Byte 0 picks the layout:
//   even: the rest is the file as it stands (the 8-byte header length is fuzzed too);
//   odd:  two bytes give a header length L, then L bytes of header JSON, then the data area; the
//         file gets the true 8-byte length of that JSON, so the fuzzer works on the offsets,
//         shapes and dtypes inside a header that is read.
// Properties: the file loads or is refused with a DataError naming it; a loaded tensor's bytes
// lie inside the data area, at the offsets its header entry gives, and match its shape.
// fuzz-links: rbench_engines_moe_checkpoint
#include <fcntl.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <span>
#include <string>

#include "engines/moe/checkpoint/safetensors.h"
#include "fuzz/fuzz_target.h"
#include "harness/core/error.h"

namespace {

namespace fs = std::filesystem;
using rbench::fuzz::check;

// A directory under /tmp for one run, removed with everything in it at the end.
class TempDir {
 public:
  TempDir() {
    char name[] = "/tmp/rbench-fuzz-st-XXXXXX";
    check(::mkdtemp(name) != nullptr, "mkdtemp failed");
    path_ = name;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

void write_file(const fs::path& path, std::string_view bytes) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  check(fd >= 0, "cannot create the temporary file");
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
  check(done == bytes.size(), "short write of the temporary file");
}

std::string file_bytes(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return {};
  if ((data[0] & 1) == 0) return std::string(rbench::fuzz::as_text(data + 1, size - 1));
  if (size < 3) return {};
  const std::size_t want = data[1] | (std::size_t{data[2]} << 8);
  const std::size_t header = std::min(want, size - 3);
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((std::uint64_t{header} >> (8 * i)) & 0xff);
  out.append(rbench::fuzz::as_text(data + 3, size - 3));
  return out;
}

std::uint64_t header_length(const std::string& file) {
  std::uint64_t n = 0;
  for (int i = 0; i < 8; ++i) n |= std::uint64_t{static_cast<unsigned char>(file[i])} << (8 * i);
  return n;
}

}  // namespace

RBENCH_FUZZ_TARGET(safetensors) {
  // Every run writes the input to a file: a larger one only slows the fuzzer down.
  if (size > (1 << 16)) return 0;
  const std::string file = file_bytes(data, size);
  const TempDir dir;
  const fs::path path = dir.path() / "model.safetensors";
  write_file(path, file);
  try {
    const rbench::moe::Checkpoint ckpt(dir.path());
    const std::size_t data_offset = 8 + header_length(file);
    check(data_offset <= file.size(), "a loaded file's header runs past its end");
    for (const std::string& name : ckpt.names()) {
      const rbench::moe::TensorInfo& t = ckpt.info(name);
      const std::span<const std::byte> bytes = ckpt.bytes(name);
      check(t.begin <= t.end && t.end <= file.size() - data_offset,
            "a tensor's offsets run past the data area");
      check(bytes.size() == t.end - t.begin, "a tensor's bytes differ from its offsets");
      check(bytes.size() == static_cast<std::size_t>(t.numel()) * rbench::moe::dtype_size(t.dtype),
            "a tensor's bytes do not match its shape");
      // The mapped bytes are the file's bytes at the stated offsets.
      check(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()) ==
                std::string_view(file).substr(data_offset + t.begin, bytes.size()),
            "a tensor's bytes are not the file's bytes at its offsets");
      try {
        const auto values = ckpt.to_f32(name);
        check(values.values.size() == static_cast<std::size_t>(t.numel()),
              "to_f32 gave a different number of values");
      } catch (const rbench::Error&) {
        // An integer tensor, or an fp8 one whose scales are missing or of the wrong shape.
      } catch (const std::invalid_argument&) {
      }
    }
  } catch (const rbench::DataError& e) {
    check(std::string_view(e.what()).find(dir.path().string()) != std::string_view::npos,
          "a refused checkpoint's error does not name it");
  }
  return 0;
}
