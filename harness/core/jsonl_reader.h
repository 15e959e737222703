// Reading JSON Lines and whole-file JSON arrays with RapidJSON, with errors that name the file and
// line ("FILE:LINE: what"), so a bad record in a 1319-line suite is found at once.
#pragma once

#include <rapidjson/document.h>

#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace rbench {

// One top-level JSON object from a file, with where it came from.
struct JsonRecord {
  const rapidjson::Value& object;  // always an object (the readers check)
  const std::filesystem::path& file;
  std::size_t line;   // 1-based line of a JSONL record; 1 for array elements (not tracked)
  std::size_t index;  // 0-based record number (blank lines not counted) or array index
  std::string where;  // "FILE:LINE" or "FILE: element N", the prefix of every error about it
  bool in_array;      // from a whole-file JSON array rather than JSONL
};

// The whole file as bytes; throws DataError naming the file when it cannot be opened or read.
std::string read_file_bytes(const std::filesystem::path& file);

// Calls on_record for every non-blank line of `contents` (the bytes of `file`), in order.
// A UTF-8 BOM and CRLF line ends are tolerated. Throws DataError "FILE:LINE: ..." for a line that
// is not valid JSON (with RapidJSON's message and the column) or not an object, and
// "FILE: empty file ..." when there is no record at all.
void for_each_jsonl_record(const std::filesystem::path& file, std::string_view contents,
                           const std::function<void(const JsonRecord&)>& on_record);

// Same contract for a file holding one JSON array of objects (AlpacaEval, sanitized MBPP).
void for_each_json_array_record(const std::filesystem::path& file, std::string_view contents,
                                const std::function<void(const JsonRecord&)>& on_record);

// "a string", "an object", "null", ... for error messages.
const char* json_type_name(const rapidjson::Value& value);

// Field access with errors like `FILE:LINE: missing field "question"`.
std::string required_string(const JsonRecord& record, std::string_view field);
// Absent or null gives nullopt; present but not a string is an error.
std::optional<std::string> optional_string(const JsonRecord& record, std::string_view field);
// A string field, or an integer field written as its decimal digits (MATH's "level": 5).
std::optional<std::string> optional_string_or_integer(const JsonRecord& record,
                                                      std::string_view field);

// Tracks ids seen in one file; insert() throws `FILE:LINE: duplicate id "x" first seen on line N`.
class UniqueIds {
 public:
  void insert(const std::string& id, const JsonRecord& record);

 private:
  std::unordered_map<std::string, std::string> first_seen_;  // id -> "on line N"
};

}  // namespace rbench
