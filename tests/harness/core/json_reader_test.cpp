// The checked JSON reader: one error format, "SOURCE: PATH: WHAT", for every type, key and parse
// error, with paths that lead to the value.
#include "harness/core/json_reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/temp_dir.h"
#include "harness/core/error.h"
#include "harness/core/jsonl_reader.h"

namespace rbench {
namespace {

using ::testing::HasSubstr;

// The message of the DataError that `call` throws, or "no error".
template <typename Call>
std::string error_of(Call&& call) {
  try {
    call();
  } catch (const DataError& error) {
    return error.what();
  }
  return "no error";
}

const char* const kProfile = R"({
  "name": "o1",
  "pricing": {"input_per_mtok": 15, "as_of": 20250101},
  "tags": ["a", 7],
  "model": {"merges": ["a b", ["c", "d"]], "vocab": {"Ġthe": 1, "x": -1}},
  "nothing": null,
  "ratio": 0.5,
  "big": 10000000000,
  "flag": true
})";

TEST(JsonReader, ScalarsReadAndMistypedOnesNameSourceAndPath) {
  const auto doc = json::Document::parse(kProfile, "data/models/o1.json");
  const json::Value root = doc.root();
  EXPECT_EQ(root.path(), "$");
  EXPECT_EQ(root.member("name").string(), "o1");
  EXPECT_EQ(root.member("pricing").member("input_per_mtok").integer(), 15);
  EXPECT_EQ(root.member("ratio").number(), 0.5);
  EXPECT_TRUE(root.member("flag").boolean());
  EXPECT_EQ(error_of([&] { root.member("pricing").member("as_of").string(); }),
            "data/models/o1.json: $.pricing.as_of: expected a string, got a number");
  EXPECT_EQ(error_of([&] { root.member("name").integer(); }),
            "data/models/o1.json: $.name: expected an integer, got a string");
  EXPECT_EQ(error_of([&] { root.member("ratio").integer(); }),
            "data/models/o1.json: $.ratio: expected an integer, got 0.5");
  EXPECT_EQ(error_of([&] { root.member("flag").number(); }),
            "data/models/o1.json: $.flag: expected a number, got a boolean");
  EXPECT_EQ(error_of([&] { root.member("name").boolean(); }),
            "data/models/o1.json: $.name: expected true or false, got a string");
  EXPECT_EQ(error_of([&] { root.member("nothing").string(); }),
            "data/models/o1.json: $.nothing: expected a string, got null");
}

// Found by the model_config fuzz target: RapidJSON 1.1's full-precision parse of a zero written
// with an exponent takes its slow path, which counts the leading zeros of a zero significand
// (undefined behaviour, ignored for RapidJSON in scripts/ubsan-ignorelist.txt). The value is 0.
TEST(JsonReader, ZeroWithExponentReadsAsZero) {
  const auto doc = json::Document::parse(
      R"([0e-061, 0.000000000000000000000000e-400, 0.0e+10, -0e-99])", "zeros.json");
  for (const json::Value& v : doc.root().elements()) EXPECT_EQ(v.number(), 0.0) << v.path();
}

TEST(JsonReader, PathsOfArraysNestedObjectsAndOddKeys) {
  const auto doc = json::Document::parse(kProfile, "tokenizer.json");
  const json::Value model = doc.root().member("model");
  EXPECT_EQ(model.member("merges").at(0).string(), "a b");
  EXPECT_EQ(error_of([&] { model.member("merges").at(1).string(); }),
            "tokenizer.json: $.model.merges[1]: expected a string, got an array");
  EXPECT_EQ(error_of([&] { model.member("merges").at(1).at(2); }),
            "tokenizer.json: $.model.merges[1]: index 2 is out of range (the array has 2 "
            "elements)");
  EXPECT_EQ(error_of([&] { doc.root().member("tags").at(1).string(); }),
            "tokenizer.json: $.tags[1]: expected a string, got a number");
  // Keys that are not identifiers are quoted, so the path stays unambiguous.
  EXPECT_EQ(error_of([&] { model.member("vocab").member("Ġthe").string(); }),
            "tokenizer.json: $.model.vocab[\"Ġthe\"]: expected a string, got a number");
  EXPECT_EQ(error_of([&] { model.member("merges").size(); }), "no error");
  EXPECT_EQ(error_of([&] { model.size(); }),
            "tokenizer.json: $.model: expected an array, got an object");
  EXPECT_EQ(error_of([&] { model.member("merges").member("x"); }),
            "tokenizer.json: $.model.merges: expected an object, got an array");
}

TEST(JsonReader, MemberIsRequiredFindIsNot) {
  const auto doc = json::Document::parse(kProfile, "p.json");
  const json::Value root = doc.root();
  EXPECT_EQ(error_of([&] { root.member("question"); }), "p.json: $.question: missing");
  EXPECT_EQ(error_of([&] { root.member("pricing").member("source"); }),
            "p.json: $.pricing.source: missing");
  EXPECT_FALSE(root.find("question").has_value());
  EXPECT_FALSE(root.find("nothing").has_value());  // null reads as absent
  EXPECT_TRUE(root.has("nothing"));
  EXPECT_EQ(root.find("name")->string(), "o1");
  EXPECT_EQ(root.optional_string("name"), "o1");
  EXPECT_EQ(root.optional_string("nothing"), std::nullopt);
  EXPECT_EQ(root.string_or("absent", "fallback"), "fallback");
  EXPECT_EQ(error_of([&] { root.optional_string("ratio"); }),
            "p.json: $.ratio: expected a string, got a number");
  EXPECT_EQ(error_of([&] { root.fail_at("base_url", "missing (e.g. ...)"); }),
            "p.json: $.base_url: missing (e.g. ...)");
}

TEST(JsonReader, BoundsAndChoices) {
  const auto doc =
      json::Document::parse(R"({"n": 0, "x": 2.5, "big": 10000000000, "m": "b"})", "c.json");
  const json::Value root = doc.root();
  EXPECT_EQ(error_of([&] { root.member("n").integer(1); }), "c.json: $.n: must be >= 1, got 0");
  EXPECT_EQ(error_of([&] { root.member("n").integer(-5, -1); }),
            "c.json: $.n: must be <= -1, got 0");
  EXPECT_EQ(root.member("big").integer(), 10000000000);
  EXPECT_EQ(error_of([&] { root.member("big").int32(); }),
            "c.json: $.big: 10000000000 is out of range for a 32-bit integer");
  EXPECT_EQ(root.member("n").int32(0), 0);
  EXPECT_EQ(root.member("x").number(0, true), 2.5);
  EXPECT_EQ(error_of([&] { root.member("n").number(0, true); }), "c.json: $.n: must be > 0, got 0");
  EXPECT_EQ(error_of([&] { root.member("x").number(3); }), "c.json: $.x: must be >= 3, got 2.5");
  EXPECT_EQ(root.member("m").one_of({"a", "b"}), "b");
  EXPECT_EQ(error_of([&] {
              root.member("m").one_of({"x", "y"});
            }),
            "c.json: $.m: \"b\" is not one of: x, y");
}

TEST(JsonReader, IteratesElementsAndMembersWithTheirPaths) {
  const auto doc = json::Document::parse(R"({"a": [1, 2, 3], "o": {"k": 1, "l": 2}})", "i.json");
  std::vector<std::string> paths;
  for (const json::Value element : doc.root().member("a").elements()) {
    paths.push_back(element.path());
  }
  for (const auto& [key, value] : doc.root().member("o").members()) {
    paths.push_back(std::string(key) + "=" + value.path());
  }
  EXPECT_EQ(paths, (std::vector<std::string>{"$.a[0]", "$.a[1]", "$.a[2]", "k=$.o.k", "l=$.o.l"}));
  EXPECT_EQ(error_of([&] { doc.root().member("o").elements(); }),
            "i.json: $.o: expected an array, got an object");
}

TEST(JsonReader, StrictObjectRejectsUnknownKeys) {
  const auto doc = json::Document::parse(
      R"({"base_url": "http://x", "temprature": 1, "pricing": {"input": 1}})", "p.json");
  json::StrictObject top(doc.root());
  EXPECT_EQ(top.member("base_url").string(), "http://x");
  EXPECT_FALSE(top.find("temperature").has_value());
  EXPECT_EQ(error_of([&] { top.reject_unknown(); }), "p.json: $.temprature: unknown key (a typo?)");
  json::StrictObject pricing(*top.find("pricing"));
  EXPECT_EQ(error_of([&] { pricing.reject_unknown(); }),
            "p.json: $.pricing.input: unknown key (a typo?)");
  top.find("temprature");
  EXPECT_EQ(error_of([&] { top.reject_unknown(); }), "no error");
  EXPECT_EQ(error_of([&] { json::StrictObject(doc.root().member("base_url")); }),
            "p.json: $.base_url: expected an object, got a string");
}

TEST(JsonReader, ParseErrorsGiveLineAndColumn) {
  EXPECT_EQ(error_of([] { json::Document::parse("{\n  \"a\": 1,\n  \"b\": oops\n}", "f.json"); }),
            "f.json: bad JSON at line 3, column 8: Invalid value.");
  EXPECT_EQ(error_of([] { json::Document::parse("", "e.json"); }),
            "e.json: bad JSON at line 1, column 1: The document is empty.");
}

TEST(JsonReader, ReadFileUsesThePathAsSourceAndOutlivesMoves) {
  const testing::TempDir dir;
  const auto file = dir.write("m.json", R"({"n": "x"})");
  json::Document moved = json::Document::read_file(file);
  const json::Value before = moved.root();
  const json::Document doc = std::move(moved);
  EXPECT_EQ(error_of([&] { before.member("n").integer(); }),
            file.string() + ": $.n: expected an integer, got a string");
  EXPECT_THAT(error_of([&] { json::Document::read_file(dir.path() / "none.json"); }),
              HasSubstr("none.json: cannot open file"));
}

TEST(JsonReader, JsonlRecordsCarryFileAndLine) {
  std::vector<std::string> seen;
  const std::string error = error_of([&] {
    for_each_jsonl_record("suite.jsonl", "{\"question\": \"a\"}\n\n{\"q\": 1}\n",
                          [&](const JsonRecord& record) {
                            seen.push_back(record.where);
                            record.value.member("question").string();
                          });
  });
  EXPECT_EQ(error, "suite.jsonl:3: $.question: missing");
  EXPECT_EQ(seen, (std::vector<std::string>{"suite.jsonl:1", "suite.jsonl:3"}));
  EXPECT_EQ(error_of([] { for_each_jsonl_record("s.jsonl", "{\"a\": }\n", [](const auto&) {}); }),
            "s.jsonl:1: bad JSON at column 7: Invalid value.");
  EXPECT_EQ(error_of([] {
              for_each_json_array_record("a.json", "[{\"q\": [1, true]}]", [](const JsonRecord& r) {
                r.value.member("q").at(1).number();
              });
            }),
            "a.json: $[0].q[1]: expected a number, got a boolean");
}

}  // namespace
}  // namespace rbench
