// The JSON writer: field lists written as RapidJSON writes them, byte for byte.
#include "harness/core/json_writer.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace rbench {
namespace {

TEST(JsonWriter, NumbersKeepTheirCxxType) {
  json::Writer w;
  w.object({{"int", 5},
            {"double", 5.0},
            {"fraction", 0.1},
            {"float", 0.5f},
            {"int64_min", std::numeric_limits<std::int64_t>::min()},
            {"uint64_max", std::numeric_limits<std::uint64_t>::max()},
            {"size", std::size_t{7}},
            {"negative", -3},
            {"large", 1e300},
            {"true", true},
            {"false", false},
            {"null", json::null}});
  EXPECT_EQ(w.str(),
            R"({"int":5,"double":5.0,"fraction":0.1,"float":0.5,"int64_min":-9223372036854775808,)"
            R"("uint64_max":18446744073709551615,"size":7,"negative":-3,"large":1e300,)"
            R"("true":true,"false":false,"null":null})");
}

TEST(JsonWriter, StringsAreEscaped) {
  const std::string owned = "tab\there \"quoted\" back\\slash\n";
  const std::string with_nul("a\0b", 3);
  json::Writer w;
  w.object({{"literal", "caf\xc3\xa9 </script>"},
            {"owned", owned},
            {"view", std::string_view("control\x01")},
            {"moved", std::string("temporary")},
            {"nul", with_nul},
            {"key \"quoted\"", 1}});
  EXPECT_EQ(w.str(),
            "{\"literal\":\"caf\xc3\xa9 </script>\","
            R"("owned":"tab\there \"quoted\" back\\slash\n",)"
            R"("view":"control\u0001","moved":"temporary","nul":"a\u0000b",)"
            R"("key \"quoted\"":1})");
}

TEST(JsonWriter, OptionalsAreLeftOutOrNull) {
  const std::optional<double> none;
  const std::optional<double> some = 2.5;
  const std::optional<std::string> name = "x";
  json::Writer w;
  w.object({{"a", none},
            {"b", some},
            {"c", json::nullable(none)},
            {"d", json::nullable(some)},
            {"e", name},
            {"f", std::nullopt},
            {"g", json::array(std::vector<std::optional<int>>{1, std::nullopt, 3})}});
  EXPECT_EQ(w.str(), R"({"b":2.5,"c":null,"d":2.5,"e":"x","g":[1,3]})");
}

TEST(JsonWriter, ArraysAndNesting) {
  const std::vector<int> ints = {1, 2};
  const std::vector<std::string> names = {"p", "q"};
  struct Row {
    int context;
    double share;
  };
  const std::vector<Row> rows = {{8, 0.5}, {16, 1}};
  const std::map<std::string, std::int64_t> counts = {{"b", 2}, {"a", 1}};
  json::Writer w;
  w.object({{"ints", json::array(ints)},
            {"names", json::array(names)},
            {"pair", json::array({0.25, 1.0})},
            {"empty", json::array(std::vector<int>{})},
            {"rows", json::array(rows,
                                 [](json::Writer& w, const Row& r) {
                                   w.object({{"context", r.context}, {"share", r.share}});
                                 })},
            {"nested", json::object({{"x", 1}, {"y", json::object({{"z", "deep"}})}})},
            {"counts", json::map(counts)},
            {"by_hand", [](json::Writer& w) {
               w.object([](json::Writer& w) {
                 w.field("k", 1);
                 w.fields({{"l", 2}, {"m", std::optional<int>()}});
               });
             }}});
  EXPECT_EQ(w.str(), R"({"ints":[1,2],"names":["p","q"],"pair":[0.25,1.0],"empty":[],)"
                     R"("rows":[{"context":8,"share":0.5},{"context":16,"share":1.0}],)"
                     R"("nested":{"x":1,"y":{"z":"deep"}},"counts":{"a":1,"b":2},)"
                     R"("by_hand":{"k":1,"l":2}})");
}

TEST(JsonWriter, RawAndDocumentsAreSpliced) {
  rapidjson::Document doc;
  doc.Parse(R"({"b": [1, 2.0], "a": "s"})");
  json::Writer w;
  w.object({{"raw", json::raw(R"({"kept":  "as is"})")}, {"doc", doc}, {"after", 1}});
  EXPECT_EQ(w.str(), R"({"raw":{"kept":  "as is"},"doc":{"b":[1,2.0],"a":"s"},"after":1})");
  EXPECT_EQ(json::to_string(doc), R"({"b":[1,2.0],"a":"s"})");

  json::Writer top;
  top.raw("[1]");
  EXPECT_EQ(top.str(), "[1]");
}

TEST(JsonWriter, PrettyIndentsByTwo) {
  rapidjson::Document doc;
  doc.Parse(R"({"d": {"e": 1}})");
  json::Writer w(json::Pretty{});
  w.object({{"a", 1}, {"b", json::array({1, 2})}, {"c", json::object({})}, {"doc", doc}});
  EXPECT_EQ(w.str(),
            "{\n  \"a\": 1,\n  \"b\": [\n    1,\n    2\n  ],\n  \"c\": {},\n"
            "  \"doc\": {\n    \"d\": {\n      \"e\": 1\n    }\n  }\n}");

  json::Writer single(json::Pretty{.single_line_arrays = true});
  single.object({{"shape", json::array({2, 3})}});
  EXPECT_EQ(single.str(), "{\n  \"shape\": [2, 3]\n}");
}

TEST(JsonWriter, FieldListsCanBeBuiltBeforeWriting) {
  std::vector<json::Field> fields = {{"first", 1}};
  fields.insert(fields.end(), {{"second", std::string("owned")}});
  json::Writer w;
  w.object(fields);
  EXPECT_EQ(w.str(), R"({"first":1,"second":"owned"})");
}

}  // namespace
}  // namespace rbench
