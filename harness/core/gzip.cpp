// gzip decompression with zlib's inflate; see gzip.h for the error contract.
#include "harness/core/gzip.h"

#include <fmt/core.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <limits>

#include "harness/core/error.h"

namespace rbench {
namespace {

// Owns a z_stream between inflateInit2 and inflateEnd.
class Inflater {
 public:
  Inflater() {
    // 16 + MAX_WBITS: expect a gzip header and trailer (and check the trailer's CRC-32).
    if (inflateInit2(&stream_, 16 + MAX_WBITS) != Z_OK) {
      throw Error("zlib: inflateInit2 failed (out of memory?)");
    }
  }
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;
  ~Inflater() { inflateEnd(&stream_); }

  z_stream& stream() { return stream_; }

 private:
  z_stream stream_{};
};

std::size_t line_of_end(std::string_view text) {
  return 1 + static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

}  // namespace

bool is_gzip(std::string_view bytes) {
  return bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0x1f &&
         static_cast<unsigned char>(bytes[1]) == 0x8b;
}

std::string gunzip(std::string_view bytes, const std::filesystem::path& file,
                   std::size_t max_output_bytes) {
  const auto corrupt = [&](const std::string& out, std::string_view what) {
    return DataError(
        fmt::format("{}:{}: corrupt gzip data: {} (the line number counts lines of the "
                    "decompressed text)",
                    file.string(), line_of_end(out), what));
  };
  if (bytes.size() > std::numeric_limits<uInt>::max()) {
    throw DataError(fmt::format("{}: gzip file too large", file.string()));
  }
  Inflater inflater;
  z_stream& stream = inflater.stream();
  // zlib's API takes non-const input but never writes through it.
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  stream.avail_in = static_cast<uInt>(bytes.size());

  std::string out;
  std::array<char, 64 * 1024> chunk{};
  while (true) {
    stream.next_out = reinterpret_cast<Bytef*>(chunk.data());
    stream.avail_out = static_cast<uInt>(chunk.size());
    const int status = inflate(&stream, Z_NO_FLUSH);
    out.append(chunk.data(), chunk.size() - stream.avail_out);
    if (out.size() > max_output_bytes) {
      throw DataError(fmt::format("{}: gzip data decompresses to more than {} bytes", file.string(),
                                  max_output_bytes));
    }
    if (status == Z_STREAM_END) {
      // gzip allows several members back to back (`cat a.gz b.gz`); anything else after the
      // trailer is damage.
      if (stream.avail_in == 0) break;
      if (!is_gzip(
              std::string_view(reinterpret_cast<const char*>(stream.next_in), stream.avail_in))) {
        throw corrupt(out, "trailing bytes after the gzip stream");
      }
      if (inflateReset(&stream) != Z_OK) throw corrupt(out, "cannot restart for the next member");
      continue;
    }
    if (status == Z_OK) continue;
    // Every call gets a fresh output chunk, so "no progress possible" means the input ran out
    // before the end of the stream.
    if (status == Z_BUF_ERROR) throw corrupt(out, "unexpected end of the data (truncated file?)");
    throw corrupt(out, stream.msg != nullptr ? stream.msg : zError(status));
  }
  return out;
}

}  // namespace rbench
