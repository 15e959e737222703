// The HTML report's CSS and JavaScript are compiled in from reports/web/ (scripts/embed.cmake):
// what the binary holds is the files' bytes, exactly.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <string_view>

#include "harness/core/jsonl_reader.h"
#include "reports/html_assets.h"

namespace rbench {
namespace {

// Empty when equal; else the sizes and the first differing byte, not two pages of text.
std::string first_difference(std::string_view embedded, std::string_view file) {
  if (embedded == file) return "";
  const auto [at, _] = std::mismatch(embedded.begin(), embedded.end(), file.begin(), file.end());
  const auto offset = static_cast<std::size_t>(at - embedded.begin());
  return "embedded " + std::to_string(embedded.size()) + " bytes, file " +
         std::to_string(file.size()) + " bytes; first difference at byte " + std::to_string(offset);
}

void expect_embedded(std::string_view embedded, const char* asset) {
  const auto path = std::filesystem::path(RBENCH_SOURCE_DIR) / "reports" / "web" / asset;
  EXPECT_EQ(first_difference(embedded, read_file_bytes(path)), "") << path.string();
}

TEST(HtmlAssets, EmbeddedBytesAreTheFiles) {
  expect_embedded(html_report_style(), "style.css");
  expect_embedded(html_report_script_tables(), "tables.js");
  expect_embedded(html_report_script_items(), "items.js");
  expect_embedded(html_report_script_speed(), "speed.js");
  expect_embedded(html_report_script_frontier(), "frontier.js");
  expect_embedded(html_report_script_probes(), "probes.js");
  expect_embedded(html_report_script_overview(), "overview.js");
  expect_embedded(html_report_script_paired(), "paired.js");
  expect_embedded(html_report_script_diff(), "diff.js");
  expect_embedded(html_report_script_published(), "published.js");
}

TEST(HtmlAssets, FirstDifferenceNamesTheByte) {
  EXPECT_EQ(first_difference("abc", "abc"), "");
  EXPECT_EQ(first_difference("abc", "abd"),
            "embedded 3 bytes, file 3 bytes; first difference at byte 2");
  EXPECT_EQ(first_difference("ab", "abc"),
            "embedded 2 bytes, file 3 bytes; first difference at byte 2");
}

}  // namespace
}  // namespace rbench
