// Shared parts of the import readers, and the generic JSONL reader (fields named by flags).
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <regex>

#include "harness/core/error.h"
#include "harness/core/jsonl_reader.h"
#include "harness/core/sha256.h"
#include "harness/run/import_read_util.h"
#include "harness/run/import_records.h"

namespace rbench {
namespace import_detail {

ImportedFile start_file(const std::filesystem::path& file, std::string format, std::string& bytes) {
  bytes = read_file_bytes(file);
  ImportedFile out;
  out.path = file;
  out.format = std::move(format);
  out.sha256 = sha256_hex(bytes);
  out.bytes = bytes.size();
  return out;
}

std::optional<std::string> optional_text(const json::Value& object, std::string_view key) {
  const std::optional<json::Value> v = object.find(key);
  if (!v) return std::nullopt;
  if (v->is_string()) return v->string();
  if (v->raw().IsInt64()) return std::to_string(v->raw().GetInt64());
  if (v->raw().IsUint64()) return std::to_string(v->raw().GetUint64());
  if (v->is_number()) return fmt::format("{}", v->raw().GetDouble());
  v->fail(fmt::format("expected a string or a number, got {}", json::type_name(v->raw())));
}

std::string required_text(const json::Value& object, std::string_view key) {
  std::optional<std::string> text = optional_text(object, key);
  if (!text) object.fail_at(key, "missing (or null)");
  return std::move(*text);
}

std::vector<std::string> replies(const json::Value& value) {
  if (value.is_string()) return {value.string()};
  if (!value.is_array()) {
    value.fail(fmt::format("expected a reply (a string or a list of strings), got {}",
                           json::type_name(value.raw())));
  }
  if (value.size() == 0) value.fail("an empty list: no reply to import");
  std::vector<std::string> out;
  for (const json::Value& element : value.elements()) out.push_back(element.string());
  return out;
}

}  // namespace import_detail

std::string model_from_generator(const std::string& generator) {
  const std::size_t slash = generator.rfind('/');
  return slash == std::string::npos ? generator : generator.substr(slash + 1);
}

std::string model_from_folder(const std::filesystem::path& file) {
  std::string name = std::filesystem::absolute(file).parent_path().filename().string();
  // LiveCodeBench's submissions name folders "<Model> (N=1)"; seed copies use "<Model>_N1".
  static const std::regex samples_suffix(R"((_N\d+| \(N=\d+\))$)");
  name = std::regex_replace(name, samples_suffix, "");
  // lm-eval writes results under "<org>__<model>".
  if (const std::size_t sep = name.rfind("__"); sep != std::string::npos) name.erase(0, sep + 2);
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return name;
}

ImportedFile read_generic_jsonl(const std::filesystem::path& file, const JsonlFields& fields) {
  std::string bytes;
  ImportedFile out = import_detail::start_file(file, "jsonl", bytes);
  out.dataset = file.stem().string();
  for_each_jsonl_record(file, bytes, [&](const JsonRecord& record) {
    ImportedRecord r;
    r.where = record.where;
    r.index = record.index;
    r.id = import_detail::optional_text(record.value, fields.id).value_or("");
    r.question = import_detail::optional_text(record.value, fields.question).value_or("");
    r.reference = import_detail::optional_text(record.value, fields.reference).value_or("");
    r.model = record.value.optional_string(fields.model).value_or("");
    for (std::string& text : import_detail::replies(record.value.member(fields.response))) {
      r.answers.push_back(ImportedAnswer{.answer = std::move(text)});
    }
    if (r.id.empty() && r.question.empty()) {
      record.value.fail(fmt::format(
          "neither \"{}\" nor \"{}\": the record cannot be matched to an item (see --id-field, "
          "--question-field)",
          fields.id, fields.question));
    }
    out.records.push_back(std::move(r));
  });
  return out;
}

}  // namespace rbench
