#include "harness/core/byte_size.h"

#include <gtest/gtest.h>

#include <string>

#include "harness/core/error.h"

namespace rbench {
namespace {

TEST(ByteSize, ReadsBytesAndBinaryUnits) {
  EXPECT_EQ(parse_byte_size("65536", "--x"), 65536u);
  EXPECT_EQ(parse_byte_size("10B", "--x"), 10u);
  EXPECT_EQ(parse_byte_size("64KiB", "--x"), 64u * 1024);
  EXPECT_EQ(parse_byte_size("64k", "--x"), 64u * 1024);
  EXPECT_EQ(parse_byte_size("512MiB", "--x"), 512u << 20);
  EXPECT_EQ(parse_byte_size("512MB", "--x"), 512u << 20);
  EXPECT_EQ(parse_byte_size("2GiB", "--x"), std::size_t{2} << 30);
  EXPECT_EQ(parse_byte_size("2gib", "--x"), std::size_t{2} << 30);
  EXPECT_EQ(parse_byte_size("1TiB", "--x"), std::size_t{1} << 40);
}

TEST(ByteSize, BadValuesAreUsageErrorsNamingTheFlagAndTheValue) {
  for (const std::string bad : {"", "MiB", "-1", "1.5GiB", "12XB", "0", "0KiB", " 1", "1 MiB",
                                "99999999999999999999", "99999999999999TiB"}) {
    try {
      parse_byte_size(bad, "--kv-cache-memory");
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const UsageError& e) {
      const std::string message = e.what();
      EXPECT_NE(message.find("--kv-cache-memory '" + bad + "' is not a size"), std::string::npos)
          << message;
    }
  }
}

}  // namespace
}  // namespace rbench
