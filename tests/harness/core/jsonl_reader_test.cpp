// JSONL and JSON-array reading: records in order, and errors that name file, line and field.
#include "harness/core/jsonl_reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <vector>

#include "common/temp_dir.h"
#include "harness/core/error.h"

namespace rbench {
namespace {

using ::testing::HasSubstr;

// Collects (line, index, "name" field) of every record.
struct Seen {
  std::size_t line;
  std::size_t index;
  std::string name;
};

std::vector<Seen> read_jsonl(const std::filesystem::path& file, std::string_view contents) {
  std::vector<Seen> seen;
  for_each_jsonl_record(file, contents, [&](const JsonRecord& record) {
    seen.push_back({record.line, record.index, record.value.member("name").string()});
  });
  return seen;
}

std::string jsonl_error(std::string_view contents) {
  try {
    read_jsonl("f.jsonl", contents);
  } catch (const DataError& error) {
    return error.what();
  }
  return "no error";
}

TEST(JsonlReader, ReadsRecordsInOrderSkippingBlankLines) {
  const auto seen =
      read_jsonl("f.jsonl", "{\"name\":\"a\"}\n\n  \n{\"name\":\"b\"}\r\n{\"name\":\"c\"}");
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].name, "a");
  EXPECT_EQ(seen[1].line, 4u);
  EXPECT_EQ(seen[1].index, 1u);
  EXPECT_EQ(seen[2].line, 5u);
  EXPECT_EQ(seen[2].name, "c");
}

TEST(JsonlReader, ToleratesUtf8Bom) {
  const auto seen = read_jsonl("f.jsonl", "\xEF\xBB\xBF{\"name\":\"caf\xC3\xA9\"}\n");
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].name, "caf\xC3\xA9");
}

TEST(JsonlReader, BadJsonNamesFileLineAndColumn) {
  const std::string error = jsonl_error("{\"name\":\"a\"}\n{\"name\": oops}\n");
  EXPECT_THAT(error, HasSubstr("f.jsonl:2: bad JSON at column 10"));
  EXPECT_THAT(error, HasSubstr("Invalid value"));
}

TEST(JsonlReader, NonObjectLineIsAnError) {
  EXPECT_THAT(jsonl_error("{\"name\":\"a\"}\n[1, 2]\n"),
              HasSubstr("f.jsonl:2: $: expected an object, got an array"));
}

TEST(JsonlReader, MissingAndMistypedFieldsNameTheField) {
  EXPECT_THAT(jsonl_error("{\"other\":1}\n"), HasSubstr("f.jsonl:1: $.name: missing"));
  EXPECT_THAT(jsonl_error("\n{\"name\":42}\n"),
              HasSubstr("f.jsonl:2: $.name: expected a string, got a number"));
}

TEST(JsonlReader, EmptyFileIsAnError) {
  EXPECT_THAT(jsonl_error(""), HasSubstr("f.jsonl: empty file"));
  EXPECT_THAT(jsonl_error("\n \n"), HasSubstr("f.jsonl: empty file"));
}

TEST(JsonlReader, DuplicateIdsNameBothLines) {
  UniqueIds ids;
  std::string error;
  try {
    for_each_jsonl_record("f.jsonl", "{\"id\":\"x\"}\n{\"id\":\"y\"}\n\n{\"id\":\"x\"}\n",
                          [&](const JsonRecord& record) {
                            ids.insert(record.value.member("id").string(), record, "id");
                          });
  } catch (const DataError& e) {
    error = e.what();
  }
  EXPECT_EQ(error, "f.jsonl:4: $.id: duplicate id \"x\" first seen on line 1");
}

TEST(JsonlReader, OptionalFields) {
  for_each_jsonl_record("f.jsonl", "{\"a\":\"s\",\"n\":null,\"level\":5}",
                        [](const JsonRecord& record) {
                          EXPECT_EQ(record.value.optional_string("a"), "s");
                          EXPECT_EQ(record.value.optional_string("n"), std::nullopt);
                          EXPECT_EQ(record.value.optional_string("absent"), std::nullopt);
                          EXPECT_THROW(record.value.optional_string("level"), DataError);
                        });
}

TEST(JsonlReader, ReadFileBytesNamesMissingFile) {
  try {
    read_file_bytes("/nonexistent/rbench/x.jsonl");
    FAIL() << "expected DataError";
  } catch (const DataError& error) {
    EXPECT_THAT(error.what(), HasSubstr("/nonexistent/rbench/x.jsonl: cannot open"));
  }
}

TEST(JsonArrayReader, ReadsElementsByIndex) {
  std::vector<std::string> names;
  for_each_json_array_record("f.json", "\xEF\xBB\xBF[{\"name\":\"a\"},\n {\"name\":\"b\"}]",
                             [&](const JsonRecord& record) {
                               EXPECT_EQ(record.index, names.size());
                               names.push_back(record.value.member("name").string());
                             });
  EXPECT_EQ(names, (std::vector<std::string>{"a", "b"}));
}

TEST(JsonArrayReader, ErrorsNameLineOrElement) {
  const auto error_of = [](std::string_view contents) -> std::string {
    try {
      for_each_json_array_record("f.json", contents, [](const JsonRecord& record) {
        record.value.member("name").string();
      });
    } catch (const DataError& error) {
      return error.what();
    }
    return "no error";
  };
  EXPECT_THAT(error_of("[\n{\"name\":\"a\"},\n{\"name\" \"b\"}]"),
              HasSubstr("f.json: bad JSON at line 3, column 9"));
  EXPECT_THAT(error_of("{\"name\":\"a\"}"),
              HasSubstr("f.json: $: expected an array of records, got an object"));
  EXPECT_THAT(error_of("[]"), HasSubstr("f.json: empty file"));
  EXPECT_THAT(error_of("[{\"name\":\"a\"}, 3]"),
              HasSubstr("f.json: $[1]: expected an object, got a number"));
  EXPECT_THAT(error_of("[{\"name\":\"a\"}, {}]"), HasSubstr("f.json: $[1].name: missing"));
}

TEST(JsonArrayReader, DuplicateIdsNameTheElement) {
  UniqueIds ids;
  EXPECT_THROW(
      {
        try {
          for_each_json_array_record("f.json", "[{\"id\":\"x\"},{\"id\":\"x\"}]",
                                     [&](const JsonRecord& record) {
                                       ids.insert(record.value.member("id").string(), record, "id");
                                     });
        } catch (const DataError& error) {
          EXPECT_STREQ(error.what(), "f.json: $[1].id: duplicate id \"x\" first seen at element 0");
          throw;
        }
      },
      DataError);
}

}  // namespace
}  // namespace rbench
