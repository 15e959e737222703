// Parsing and validation of data/datasets.json.
#include "suites/dataset_catalogue.h"

#include <fmt/core.h>

#include <algorithm>
#include <set>

#include "harness/core/error.h"
#include "harness/core/json_reader.h"
#include "harness/core/jsonl_reader.h"

namespace rbench {
namespace {

constexpr std::size_t kSha256HexDigits = 64;

bool is_safe_relative_path(const std::string& path) {
  const std::filesystem::path p(path);
  if (path.empty() || p.is_absolute() || p.has_root_name()) return false;
  return std::none_of(p.begin(), p.end(), [](const std::filesystem::path& part) {
    return part == ".." || part == ".";
  });
}

bool is_lower_hex_sha256(const std::string& text) {
  return text.size() == kSha256HexDigits && std::all_of(text.begin(), text.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

DatasetFile parse_file(const json::Value& value) {
  DatasetFile file;
  const json::Value path = value.member("path");
  file.path = path.string();
  if (!is_safe_relative_path(file.path)) {
    path.fail(fmt::format("\"{}\" must be relative, without \".\" or \"..\"", file.path));
  }
  const json::Value sha256 = value.member("sha256");
  file.sha256 = sha256.string();
  if (!is_lower_hex_sha256(file.sha256)) {
    sha256.fail(fmt::format("\"{}\" is not 64 lower-case hex digits", file.sha256));
  }
  const json::Value bytes = value.member("bytes");
  if (!bytes.raw().IsUint64() || bytes.raw().GetUint64() == 0) {
    bytes.fail("must be a positive integer");
  }
  file.bytes = bytes.raw().GetUint64();
  const json::Value urls = value.member("urls");
  if (!urls.is_array() || urls.size() == 0) urls.fail("must be a non-empty array");
  for (const json::Value url : urls.elements()) {
    const std::string_view text = url.string_view();
    if (!text.starts_with("https://") && !text.starts_with("http://")) {
      url.fail(fmt::format("\"{}\" is not http(s)", text));
    }
    file.urls.emplace_back(text);
  }
  return file;
}

// Absent is "", present must be a string (null included, as before).
std::string optional_member(const json::Value& object, std::string_view key) {
  return object.has(key) ? object.member(key).string() : "";
}

}  // namespace

// Errors are located by JSON path ($.datasets[3].files[0].sha256), since the DOM has no lines.
std::vector<Dataset> load_dataset_catalogue(const std::filesystem::path& file) {
  const json::Document document = json::Document::parse(read_file_bytes(file), file.string());
  const json::Value datasets = document.root().member("datasets");
  std::vector<Dataset> catalogue;
  std::set<std::string> names;
  for (const json::Value entry : datasets.elements()) {
    Dataset dataset;
    const json::Value name = entry.member("name");
    dataset.name = name.string();
    if (!names.insert(dataset.name).second) {
      name.fail(fmt::format("duplicate dataset name \"{}\"", dataset.name));
    }
    dataset.description = optional_member(entry, "description");
    dataset.source = optional_member(entry, "source");
    dataset.license = optional_member(entry, "license");
    const json::Value files = entry.member("files");
    if (!files.is_array() || files.size() == 0) files.fail("must be a non-empty array");
    for (const json::Value f : files.elements()) dataset.files.push_back(parse_file(f));
    catalogue.push_back(std::move(dataset));
  }
  return catalogue;
}

const Dataset& find_dataset(const std::vector<Dataset>& catalogue, std::string_view name) {
  const auto it = std::find_if(catalogue.begin(), catalogue.end(),
                               [&](const Dataset& dataset) { return dataset.name == name; });
  if (it != catalogue.end()) return *it;
  std::string known;
  for (const Dataset& dataset : catalogue) known += (known.empty() ? "" : ", ") + dataset.name;
  throw UsageError(fmt::format("unknown dataset \"{}\"; known datasets: {}", name, known));
}

}  // namespace rbench
