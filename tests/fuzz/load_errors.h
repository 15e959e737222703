// Helpers of the fuzz targets that feed files to loaders (suite_loader, importer): the fuzzed
// bytes as files in a fresh temporary folder, and the check that a loader's error says where.
#pragma once

#include <exception>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "common/temp_dir.h"
#include "fuzz/fuzz_target.h"
#include "harness/core/error.h"

namespace rbench::fuzz {

// A fresh folder for one run of a target, removed with its files when the run ends.
using TempFolder = rbench::testing::TempDir;

// Where an error message points after the file's name: a JSONL line ("FILE:12: ..."), an element
// of a JSON array or a JSON path in the document ("FILE: element 3", "FILE: $[3].output: ...",
// "FILE: $: expected an array"), a position in a whole-file JSON
// document ("FILE: bad JSON at line 2, column 5"), or a fact of the whole file that no one line
// is to blame for ("FILE: empty file", "FILE: no MBPP task in the evaluation split", "FILE: gzip
// data decompresses to more than ...").
inline bool points_into(std::string_view message, const std::filesystem::path& file) {
  const std::string name = file.string();
  for (auto at = message.find(name); at != std::string_view::npos;
       at = message.find(name, at + 1)) {
    const std::string_view after = message.substr(at + name.size());
    if (after.size() >= 2 && after[0] == ':' && after[1] >= '0' && after[1] <= '9') return true;
    for (std::string_view where :
         {": element ", ": $", ": bad JSON at line ", ": empty", ": no ", ": gzip "}) {
      if (after.starts_with(where)) return true;
    }
  }
  return false;
}

// Runs `load`; passes when it returns, or when it throws an rbench::Error whose message names
// one of `files` and a place in it. Anything else (another exception type, a message without
// the file) is a finding.
template <typename Load>
void loads_or_says_where(const std::vector<std::filesystem::path>& files, Load&& load) {
  try {
    load();
  } catch (const rbench::Error& e) {
    bool located = false;
    for (const auto& file : files) located = located || points_into(e.what(), file);
    if (!located) std::fprintf(stderr, "error without its file and line: %s\n", e.what());
    check(located, "a loader's error names the file and the line");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "not an rbench error: %s\n", e.what());
    check(false, "a loader fails only with an rbench error");
  }
}

}  // namespace rbench::fuzz
