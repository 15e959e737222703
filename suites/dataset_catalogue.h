// The catalogue of public datasets `rbench data fetch` can download (data/datasets.json): for each
// dataset, its files with their commit-pinned URLs (primary first, then mirrors), sha256 and size.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace rbench {

struct DatasetFile {
  std::string path;    // relative to the data dir, e.g. "gsm8k/test.jsonl"
  std::string sha256;  // lower-case hex
  std::uint64_t bytes = 0;
  std::vector<std::string> urls;  // primary first, then mirrors
};

struct Dataset {
  std::string name;
  std::string description;
  std::string source;  // where it comes from, for `rbench data list`
  std::string license;
  std::vector<DatasetFile> files;
};

// Reads and validates the catalogue: relative paths without "..", 64-hex sha256, sizes > 0,
// http(s) URLs, unique dataset names. Throws DataError naming the file and the entry.
std::vector<Dataset> load_dataset_catalogue(const std::filesystem::path& file);

// The named dataset; throws UsageError listing the known names when there is none.
const Dataset& find_dataset(const std::vector<Dataset>& catalogue, std::string_view name);

}  // namespace rbench
