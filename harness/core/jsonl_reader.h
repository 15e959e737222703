// Reading JSON Lines and whole-file JSON arrays, with errors that name the file and line
// ("FILE:LINE: $.field: what"), so a bad record in a 1319-line suite is found at once.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "harness/core/json_reader.h"

namespace rbench {

// One top-level JSON object from a file, with where it came from. Its fields are read through
// `value` (harness/core/json_reader.h), whose errors say "FILE:LINE: $.field: what" for a JSONL
// record and "FILE: $[N].field: what" for an array element.
struct JsonRecord {
  json::Value value;  // always an object (the readers check); borrows from the reader's loop
  const std::filesystem::path& file;
  std::size_t line;   // 1-based line of a JSONL record; 1 for array elements (not tracked)
  std::size_t index;  // 0-based record number (blank lines not counted) or array index
  std::string where;  // "FILE:LINE" or "FILE: element N": where the item came from, for the store
  bool in_array;      // from a whole-file JSON array rather than JSONL
};

// The whole file as bytes; throws DataError naming the file when it cannot be opened or read.
std::string read_file_bytes(const std::filesystem::path& file);

// Calls on_record for every non-blank line of `contents` (the bytes of `file`), in order.
// A UTF-8 BOM and CRLF line ends are tolerated. Throws DataError "FILE:LINE: bad JSON at column C:
// ..." for a line that is not valid JSON, "FILE:LINE: $: expected an object, ..." for one that is
// not an object, and "FILE: empty file ..." when there is no record at all.
void for_each_jsonl_record(const std::filesystem::path& file, std::string_view contents,
                           const std::function<void(const JsonRecord&)>& on_record);

// Same contract for a file holding one JSON array of objects (AlpacaEval, sanitized MBPP); parse
// errors say "FILE: bad JSON at line L, column C: ...".
void for_each_json_array_record(const std::filesystem::path& file, std::string_view contents,
                                const std::function<void(const JsonRecord&)>& on_record);

// Tracks ids seen in one file; insert() throws
// `FILE:LINE: $.id: duplicate id "x" first seen on line N` (`field` names where the id was read).
class UniqueIds {
 public:
  void insert(const std::string& id, const JsonRecord& record, std::string_view field);

 private:
  std::unordered_map<std::string, std::string> first_seen_;  // id -> "on line N"
};

}  // namespace rbench
