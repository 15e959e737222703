// SHA-256 via OpenSSL's EVP interface (the low-level SHA256_* calls are deprecated in OpenSSL 3).
#include "harness/core/sha256.h"

#include <array>
#include <fstream>

#include "harness/core/error.h"

namespace rbench {

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  if (!ctx_) throw Error("OpenSSL: EVP_MD_CTX_new failed (out of memory?)");
  if (EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr) != 1) {
    throw Error("OpenSSL: EVP_DigestInit_ex(sha256) failed");
  }
}

void Sha256::update(std::string_view bytes) {
  if (finished_) throw Error("Sha256::update called after hex_digest");
  if (EVP_DigestUpdate(ctx_.get(), bytes.data(), bytes.size()) != 1) {
    throw Error("OpenSSL: EVP_DigestUpdate failed");
  }
}

std::string Sha256::hex_digest() {
  if (finished_) throw Error("Sha256::hex_digest called twice");
  finished_ = true;
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (EVP_DigestFinal_ex(ctx_.get(), digest.data(), &length) != 1) {
    throw Error("OpenSSL: EVP_DigestFinal_ex failed");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(2 * length);
  for (unsigned int i = 0; i < length; ++i) {
    hex.push_back(kHex[digest[i] >> 4]);
    hex.push_back(kHex[digest[i] & 0x0f]);
  }
  return hex;
}

std::string sha256_hex(std::string_view bytes) {
  Sha256 hasher;
  hasher.update(bytes);
  return hasher.hex_digest();
}

std::string sha256_file_hex(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error("cannot open " + file.string() + " to hash it");
  Sha256 hasher;
  std::array<char, 1 << 16> buffer{};
  while (in) {
    in.read(buffer.data(), buffer.size());
    hasher.update(std::string_view(buffer.data(), static_cast<std::size_t>(in.gcount())));
  }
  if (in.bad()) throw Error("error reading " + file.string() + " while hashing it");
  return hasher.hex_digest();
}

}  // namespace rbench
