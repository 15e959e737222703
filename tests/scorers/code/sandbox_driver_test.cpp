// The sandbox's Python driver is compiled in from scorers/code/driver.py (scripts/embed.cmake):
// what the sandbox runs is the file's bytes, exactly.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "harness/core/jsonl_reader.h"
#include "scorers/code/sandbox_driver.h"

namespace rbench::sandbox::detail {
namespace {

TEST(SandboxDriver, EmbeddedBytesAreTheFile) {
  const auto path = std::filesystem::path(RBENCH_SOURCE_DIR) / "scorers" / "code" / "driver.py";
  const std::string file = read_file_bytes(path);
  ASSERT_EQ(kDriverSource.size(), file.size()) << path.string();
  // Not EXPECT_EQ on the strings: a mismatch would print 17 kB of Python twice.
  EXPECT_TRUE(kDriverSource == file) << path.string() << ": same size, different bytes";
}

TEST(SandboxDriver, EndsWithTheCallThatRunsIt) {
  // The driver is one function and its call; a file cut short would define it and run nothing.
  EXPECT_TRUE(kDriverSource.ends_with("\n_rbench()\n"));
}

}  // namespace
}  // namespace rbench::sandbox::detail
