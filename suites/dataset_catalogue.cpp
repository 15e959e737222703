// Parsing and validation of data/datasets.json.
#include "suites/dataset_catalogue.h"

#include <fmt/core.h>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <algorithm>
#include <set>

#include "harness/core/error.h"
#include "harness/core/jsonl_reader.h"

namespace rbench {
namespace {

constexpr std::size_t kSha256HexDigits = 64;

// Errors in the catalogue are located by dataset name and file index, since the DOM has no lines.
struct Context {
  const std::filesystem::path& file;
  std::string entry;

  [[noreturn]] void fail(std::string_view what) const {
    throw DataError(fmt::format("{}: {}: {}", file.string(), entry, what));
  }
};

const rapidjson::Value& member(const rapidjson::Value& object, const char* field,
                               const Context& context) {
  const auto it = object.FindMember(field);
  if (it == object.MemberEnd()) context.fail(fmt::format("missing field \"{}\"", field));
  return it->value;
}

std::string string_member(const rapidjson::Value& object, const char* field, const Context& context,
                          bool required = true) {
  const auto it = object.FindMember(field);
  if (it == object.MemberEnd() && !required) return "";
  const rapidjson::Value& value = member(object, field, context);
  if (!value.IsString()) context.fail(fmt::format("field \"{}\" is not a string", field));
  return std::string(value.GetString(), value.GetStringLength());
}

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

DatasetFile parse_file(const rapidjson::Value& value, const Context& context) {
  if (!value.IsObject()) context.fail("is not an object");
  DatasetFile file;
  file.path = string_member(value, "path", context);
  if (!is_safe_relative_path(file.path)) {
    context.fail(fmt::format("path \"{}\" must be relative, without \".\" or \"..\"", file.path));
  }
  file.sha256 = string_member(value, "sha256", context);
  if (!is_lower_hex_sha256(file.sha256)) {
    context.fail(fmt::format("sha256 \"{}\" is not 64 lower-case hex digits", file.sha256));
  }
  const rapidjson::Value& bytes = member(value, "bytes", context);
  if (!bytes.IsUint64() || bytes.GetUint64() == 0) context.fail("bytes must be a positive integer");
  file.bytes = bytes.GetUint64();
  const rapidjson::Value& urls = member(value, "urls", context);
  if (!urls.IsArray() || urls.Empty()) context.fail("urls must be a non-empty array");
  for (const rapidjson::Value& url : urls.GetArray()) {
    if (!url.IsString()) context.fail("urls must hold strings");
    const std::string_view text(url.GetString(), url.GetStringLength());
    if (!text.starts_with("https://") && !text.starts_with("http://")) {
      context.fail(fmt::format("url \"{}\" is not http(s)", text));
    }
    file.urls.emplace_back(text);
  }
  return file;
}

}  // namespace

std::vector<Dataset> load_dataset_catalogue(const std::filesystem::path& file) {
  const std::string bytes = read_file_bytes(file);
  rapidjson::Document document;
  document.Parse(bytes.data(), bytes.size());
  if (document.HasParseError()) {
    throw DataError(fmt::format("{}: bad JSON at byte {}: {}", file.string(),
                                document.GetErrorOffset(),
                                rapidjson::GetParseError_En(document.GetParseError())));
  }
  const Context top{file, "top level"};
  if (!document.IsObject()) top.fail("expected an object");
  const rapidjson::Value& datasets = member(document, "datasets", top);
  if (!datasets.IsArray()) top.fail("\"datasets\" is not an array");

  std::vector<Dataset> catalogue;
  std::set<std::string> names;
  for (rapidjson::SizeType i = 0; i < datasets.Size(); ++i) {
    const rapidjson::Value& entry = datasets[i];
    Context context{file, fmt::format("dataset {}", i)};
    if (!entry.IsObject()) context.fail("is not an object");
    Dataset dataset;
    dataset.name = string_member(entry, "name", context);
    context.entry = fmt::format("dataset \"{}\"", dataset.name);
    if (!names.insert(dataset.name).second) context.fail("duplicate dataset name");
    dataset.description = string_member(entry, "description", context, false);
    dataset.source = string_member(entry, "source", context, false);
    dataset.license = string_member(entry, "license", context, false);
    const rapidjson::Value& files = member(entry, "files", context);
    if (!files.IsArray() || files.Empty()) context.fail("files must be a non-empty array");
    for (rapidjson::SizeType j = 0; j < files.Size(); ++j) {
      const Context file_context{file, fmt::format("dataset \"{}\" file {}", dataset.name, j)};
      dataset.files.push_back(parse_file(files[j], file_context));
    }
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
