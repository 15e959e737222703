// SHA-256 of files and byte strings (OpenSSL EVP), used to version suites by their data and to
// verify downloaded datasets.
#pragma once

#include <openssl/evp.h>

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace rbench {

// Incremental hasher: feed bytes with update(), then hex_digest() once.
class Sha256 {
 public:
  Sha256();
  void update(std::string_view bytes);
  // Lower-case hex of the 32-byte digest. Finalises the hash: call it once.
  std::string hex_digest();

 private:
  struct CtxDeleter {
    void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
  };
  std::unique_ptr<EVP_MD_CTX, CtxDeleter> ctx_;
  bool finished_ = false;
};

std::string sha256_hex(std::string_view bytes);

// Hashes a file in chunks; throws rbench::Error naming the file if it cannot be read.
std::string sha256_file_hex(const std::filesystem::path& file);

}  // namespace rbench
