// Code suite loaders: HumanEval (gzip and plain), MBPP (original and sanitized), rbench's code
// JSONL, gzip handling, and malformed input reported with file and line.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include <set>

#include "common/temp_dir.h"
#include "harness/core/error.h"
#include "harness/core/gzip.h"
#include "harness/core/sha256.h"
#include "suites/loaders.h"
#include "suites/registry.h"

namespace rbench {
namespace {

using ::testing::HasSubstr;
using testing::shared_data_dir;
using testing::TempDir;

std::string error_of(Suite (*load)(const std::filesystem::path&),
                     const std::filesystem::path& file) {
  try {
    load(file);
  } catch (const DataError& error) {
    return error.what();
  }
  return "no error";
}

// `text` as one gzip member, made with zlib's deflate.
std::string gzip(std::string_view text) {
  z_stream stream{};
  // 16 + 15 window bits: a gzip header and trailer rather than zlib's.
  if (deflateInit2(&stream, Z_BEST_COMPRESSION, Z_DEFLATED, 16 + 15, 8, Z_DEFAULT_STRATEGY) !=
      Z_OK) {
    throw std::runtime_error("deflateInit2 failed");
  }
  std::string out(deflateBound(&stream, text.size()) + 64, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  stream.avail_in = static_cast<uInt>(text.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  const int status = deflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  if (status != Z_STREAM_END) throw std::runtime_error("deflate failed");
  return out;
}

const std::string kHumanEvalRecord =
    R"({"task_id": "HumanEval/0", "prompt": "def f(x):\n    \"\"\"Double x.\"\"\"\n", )"
    R"("canonical_solution": "    return 2 * x\n", )"
    R"("test": "def check(candidate):\n    assert candidate(2) == 4\n", "entry_point": "f"})"
    "\n";

// --- gzip

TEST(Gzip, RoundTripsAndRecognisesTheMagicBytes) {
  const std::string text = "line one\nline two\n";
  const std::string packed = gzip(text);
  EXPECT_TRUE(is_gzip(packed));
  EXPECT_FALSE(is_gzip(text));
  EXPECT_FALSE(is_gzip("\x1f"));
  EXPECT_EQ(gunzip(packed, "x.gz"), text);
  EXPECT_EQ(gunzip(gzip(""), "x.gz"), "");
  // Concatenated members decompress to the concatenated texts, as gzip -d does.
  EXPECT_EQ(gunzip(packed + gzip("three\n"), "x.gz"), text + "three\n");
}

TEST(Gzip, DamageIsADataErrorWithFileAndLine) {
  std::string text;
  for (int i = 0; i < 2000; ++i) text += "{\"n\": " + std::to_string(i * 7919 % 10007) + "}\n";
  const std::string packed = gzip(text);
  const auto error = [](std::string_view bytes) {
    try {
      gunzip(bytes, "/d/h.jsonl.gz");
    } catch (const DataError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  // Cut in the middle: the line reached so far is named.
  const std::string truncated = error(packed.substr(0, packed.size() / 2));
  EXPECT_THAT(truncated, HasSubstr("/d/h.jsonl.gz:"));
  EXPECT_THAT(truncated, HasSubstr("corrupt gzip data: unexpected end of the data"));
  EXPECT_THAT(truncated, ::testing::Not(HasSubstr("h.jsonl.gz:1:")));
  // The trailer's CRC no longer matches.
  std::string flipped = packed;
  flipped[flipped.size() - 6] = static_cast<char>(flipped[flipped.size() - 6] ^ 0x55);
  EXPECT_THAT(error(flipped), HasSubstr("corrupt gzip data"));
  EXPECT_THAT(error(packed + "junk"), HasSubstr("trailing bytes after the gzip stream"));
  EXPECT_THAT(error(packed.substr(0, 5)), HasSubstr("/d/h.jsonl.gz:1: corrupt gzip data"));
  EXPECT_THROW(gunzip(packed, "x.gz", 100), DataError);  // over the output limit
}

// --- HumanEval

TEST(HumanEvalLoader, GzipAndPlainGiveTheSameItems) {
  const std::filesystem::path data = shared_data_dir();
  if (data.empty()) GTEST_SKIP() << "no shared data at " << RBENCH_SHARED_DATA_DIR;
  const std::filesystem::path gz = data / "humaneval" / "HumanEval.jsonl.gz";
  const std::filesystem::path plain = data / "humaneval" / "HumanEval.jsonl";
  if (!std::filesystem::exists(gz) || !std::filesystem::exists(plain)) GTEST_SKIP();
  const Suite packed = load_humaneval(gz);
  const Suite unpacked = load_humaneval(plain);
  ASSERT_EQ(packed.items.size(), 164u);
  ASSERT_EQ(unpacked.items.size(), 164u);
  EXPECT_EQ(packed.version, "b796127e635a67f9");  // sha256 prefix of the .gz (SOURCES.md)
  EXPECT_EQ(unpacked.version, "1d49078ba3e2b196");
  for (std::size_t i = 0; i < packed.items.size(); ++i) {
    const Item& a = packed.items[i];
    const Item& b = unpacked.items[i];
    EXPECT_EQ(a.id, "HumanEval/" + std::to_string(i));
    EXPECT_EQ(a.id, b.id);
    EXPECT_EQ(a.question, b.question);
    EXPECT_EQ(a.reference, b.reference);
    EXPECT_EQ(a.code.prompt, b.code.prompt);
    EXPECT_EQ(a.code.entry_point, b.code.entry_point);
    EXPECT_EQ(a.code.tests, b.code.tests);
    EXPECT_EQ(a.source, gz.string() + ":" + std::to_string(i + 1));
    EXPECT_TRUE(a.is_code()) << a.id;
    EXPECT_EQ(a.question, a.code.prompt);
    EXPECT_EQ(a.code.setup, "");
    EXPECT_THAT(a.code.tests, HasSubstr("def check(candidate)")) << a.id;
    EXPECT_THAT(a.code.prompt, HasSubstr("def " + a.code.entry_point + "(")) << a.id;
  }
  const Item& first = packed.items[0];
  EXPECT_EQ(first.code.entry_point, "has_close_elements");
  EXPECT_THAT(first.code.prompt, ::testing::StartsWith("from typing import List\n"));
  EXPECT_THAT(first.reference, ::testing::StartsWith("    for idx, elem in enumerate(numbers):"));
}

TEST(HumanEvalLoader, MalformedFilesNameFileAndLine) {
  TempDir dir;
  // A record without "test", in the plain and the compressed file: the line is the same.
  const std::string no_test =
      R"({"task_id": "HumanEval/1", "prompt": "def g():\n", "canonical_solution": "", )"
      R"("entry_point": "g"})"
      "\n";
  EXPECT_THAT(error_of(load_humaneval, dir.write("a.jsonl", kHumanEvalRecord + no_test)),
              HasSubstr("a.jsonl:2: $.test: missing"));
  EXPECT_THAT(error_of(load_humaneval, dir.write("a.jsonl.gz", gzip(kHumanEvalRecord + no_test))),
              HasSubstr("a.jsonl.gz:2: $.test: missing"));
  // Gzip is detected by content: a compressed file under a plain name still loads.
  EXPECT_EQ(load_humaneval(dir.write("b.jsonl", gzip(kHumanEvalRecord))).items.size(), 1u);
  // A bad JSON line.
  EXPECT_THAT(
      error_of(load_humaneval, dir.write("c.jsonl.gz", gzip(kHumanEvalRecord + "{\"task_id\":\n"))),
      HasSubstr("c.jsonl.gz:2: bad JSON"));
  // A truncated download.
  std::string many;
  for (int i = 0; i < 300; ++i) {
    std::string record = kHumanEvalRecord;
    record.replace(record.find("HumanEval/0"), 11, "HumanEval/" + std::to_string(i));
    many += record;
  }
  const std::string packed = gzip(many);
  const std::string truncated =
      error_of(load_humaneval, dir.write("d.jsonl.gz", packed.substr(0, packed.size() - 40)));
  EXPECT_THAT(truncated, HasSubstr("d.jsonl.gz:"));
  EXPECT_THAT(truncated, HasSubstr("corrupt gzip data"));
  // Tests that define no check() could never pass.
  std::string no_check = kHumanEvalRecord;
  no_check.replace(no_check.find("def check(candidate)"), 20, "def verify(candidate)");
  EXPECT_THAT(error_of(load_humaneval, dir.write("e.jsonl", no_check)),
              HasSubstr("e.jsonl:1: $.test: defines no check(candidate)"));
  EXPECT_THAT(error_of(load_humaneval, dir.write("f.jsonl", kHumanEvalRecord + kHumanEvalRecord)),
              HasSubstr("f.jsonl:2: $.task_id: duplicate id \"HumanEval/0\""));
}

TEST(HumanEvalLoader, VersionHashesTheBytesAsRead) {
  TempDir dir;
  const std::string packed = gzip(kHumanEvalRecord);
  EXPECT_EQ(load_humaneval(dir.write("h.jsonl.gz", packed)).version,
            sha256_hex(packed).substr(0, 16));
  EXPECT_EQ(load_humaneval(dir.write("h.jsonl", kHumanEvalRecord)).version,
            sha256_hex(kHumanEvalRecord).substr(0, 16));
}

// --- MBPP

TEST(MbppLoader, OriginalKeepsTheTestSplit) {
  const std::filesystem::path data = shared_data_dir();
  if (data.empty()) GTEST_SKIP() << "no shared data at " << RBENCH_SHARED_DATA_DIR;
  const std::filesystem::path file = data / "mbpp" / "mbpp.jsonl";
  if (!std::filesystem::exists(file)) GTEST_SKIP();
  const Suite suite = load_mbpp(file);
  ASSERT_EQ(suite.items.size(), 500u);
  EXPECT_EQ(suite.version, "ccf64ceae9c5403b");
  for (std::size_t i = 0; i < suite.items.size(); ++i) {
    const Item& item = suite.items[i];
    EXPECT_EQ(item.id, "mbpp/" + std::to_string(11 + i));
    EXPECT_TRUE(item.is_code());
    EXPECT_EQ(item.code.prompt, "");
    EXPECT_EQ(item.code.entry_point, "");
    EXPECT_EQ(item.code.setup, "");
    // The question shows the asserts the tests end with; every task of the split has three.
    constexpr std::string_view kMarker = " Your code should pass these tests:\n\n";
    const std::size_t marker = item.question.find(kMarker);
    ASSERT_NE(marker, std::string::npos) << item.id;
    const std::string asserts = item.question.substr(marker + kMarker.size());
    EXPECT_EQ(std::count(asserts.begin(), asserts.end(), '\n'), 2) << item.id;
    EXPECT_THAT(asserts, ::testing::StartsWith("assert ")) << item.id;
    EXPECT_THAT(item.code.tests, ::testing::EndsWith(asserts)) << item.id;
    EXPECT_FALSE(item.reference.empty());
  }
  const Item& first = suite.items.front();
  EXPECT_EQ(first.source, file.string() + ":11");
  EXPECT_THAT(first.question,
              ::testing::StartsWith("Write a python function to remove first and last "
                                    "occurrence of a given character"));
  EXPECT_THAT(first.code.tests, ::testing::StartsWith("assert remove_Occ(\"hello\",\"l\") == "));
  // The one task of the split with test_setup_code: it builds trees of the solution's Node class,
  // so it starts the tests rather than preceding the candidate.
  const Item& trees = suite.items[367 - 11];
  EXPECT_EQ(trees.id, "mbpp/367");
  EXPECT_THAT(trees.code.tests, ::testing::StartsWith("root = Node(1)"));
  EXPECT_THAT(trees.question, ::testing::Not(HasSubstr("Node(1)")));
}

TEST(MbppLoader, SanitizedKeepsTheTestSplit) {
  const std::filesystem::path data = shared_data_dir();
  if (data.empty()) GTEST_SKIP() << "no shared data at " << RBENCH_SHARED_DATA_DIR;
  const std::filesystem::path file = data / "mbpp" / "sanitized-mbpp.json";
  if (!std::filesystem::exists(file)) GTEST_SKIP();
  const Suite suite = load_mbpp(file);
  ASSERT_EQ(suite.items.size(), 257u);  // of the file's 427 tasks
  EXPECT_EQ(suite.version, "ca95deaa9a01ef0a");
  std::set<std::string> ids;
  std::size_t three_tests = 0;
  std::size_t with_imports = 0;
  for (const Item& item : suite.items) {
    ids.insert(item.id);
    const int task_id = std::stoi(item.id.substr(5));
    EXPECT_GE(task_id, 11);
    EXPECT_LE(task_id, 510);
    three_tests += std::count(item.code.tests.begin(), item.code.tests.end(), '\n') == 2 ? 1 : 0;
    if (!item.code.setup.empty()) {
      ++with_imports;
      EXPECT_THAT(item.code.setup, ::testing::StartsWith("import ")) << item.id;
    }
  }
  EXPECT_EQ(ids.size(), 257u);
  EXPECT_EQ(three_tests, 253u);  // 3 tasks have 4 asserts, 1 has 5
  EXPECT_GT(with_imports, 0u);
  EXPECT_EQ(suite.items.front().id, "mbpp/11");
  EXPECT_EQ(suite.items.front().source, file.string() + ": element 7");
}

TEST(MbppLoader, SmallFilesInBothLayouts) {
  TempDir dir;
  const std::string original =
      R"({"text": "Prompt example.", "code": "def a(): return 1", "task_id": 2, )"
      R"("test_setup_code": "", "test_list": ["assert a() == 1"], "challenge_test_list": []})"
      "\n"
      R"({"text": "Write a function to add. ", "code": "def add(x, y):\r\n  return x + y", )"
      R"("task_id": 11, "test_setup_code": "import math", )"
      R"("test_list": ["assert add(1, 2) == 3", "assert add(0, 0) == 0"], )"
      R"("challenge_test_list": ["assert add(-1, 1) == 0"]})"
      "\n";
  const Suite suite = load_mbpp(dir.write("mbpp.jsonl", original));
  ASSERT_EQ(suite.items.size(), 1u);  // task 2 is a prompt example, not a test task
  const Item& item = suite.items[0];
  EXPECT_EQ(item.id, "mbpp/11");
  EXPECT_EQ(item.question,
            "Write a function to add. Your code should pass these tests:\n\n"
            "assert add(1, 2) == 3\nassert add(0, 0) == 0");
  EXPECT_EQ(item.reference, "def add(x, y):\r\n  return x + y");
  EXPECT_EQ(item.code.tests, "import math\nassert add(1, 2) == 3\nassert add(0, 0) == 0");
  EXPECT_EQ(item.code.setup, "");
  EXPECT_EQ(item.source, (dir.path() / "mbpp.jsonl").string() + ":2");

  const std::string sanitized =
      R"(  [{"source_file": "x.ipynb", "task_id": 12, "prompt": "Write a function to negate.", )"
      R"("code": "def neg(x):\n  return -x", "test_imports": ["import math", "import re"], )"
      R"("test_list": ["assert neg(1) == -1"]}])";
  const Suite s = load_mbpp(dir.write("s.json", sanitized));
  ASSERT_EQ(s.items.size(), 1u);
  EXPECT_EQ(s.items[0].id, "mbpp/12");
  EXPECT_EQ(s.items[0].code.setup, "import math\nimport re");
  EXPECT_EQ(s.items[0].code.tests, "assert neg(1) == -1");
  EXPECT_THAT(s.items[0].question, ::testing::StartsWith("Write a function to negate. Your code"));
}

TEST(MbppLoader, MalformedFilesNameFileAndLine) {
  TempDir dir;
  const std::string good =
      R"({"text": "t", "code": "c", "task_id": 11, "test_list": ["assert f() == 1"]})"
      "\n";
  EXPECT_THAT(error_of(load_mbpp, dir.write("a.jsonl", good + "{\"text\": \n")),
              HasSubstr("a.jsonl:2: bad JSON"));
  EXPECT_THAT(error_of(load_mbpp,
                       dir.write("b.jsonl", good + R"({"text": "t", "code": "c", "task_id": 12})")),
              HasSubstr("b.jsonl:2: $.test_list: missing"));
  EXPECT_THAT(
      error_of(load_mbpp, dir.write("c.jsonl", good + R"({"text": "t", "code": "c", )"
                                                      R"("task_id": "12", "test_list": []})")),
      HasSubstr("c.jsonl:2: $.task_id: expected an integer, got a string"));
  EXPECT_THAT(error_of(load_mbpp, dir.write("d.jsonl", good + good)),
              HasSubstr("d.jsonl:2: $.task_id: duplicate id \"11\" first seen on line 1"));
  EXPECT_THAT(error_of(load_mbpp, dir.write("e.jsonl", R"({"text": "t", "code": "c", )"
                                                       R"("task_id": 11, "test_list": []})")),
              HasSubstr("e.jsonl:1: $.test_list: is empty"));
  EXPECT_THAT(error_of(load_mbpp, dir.write("f.jsonl", R"({"text": "t", "code": "c", )"
                                                       R"("task_id": 600, "test_list": ["x"]})")),
              HasSubstr("f.jsonl: no MBPP task in the evaluation split (task_id 11-510)"));
  EXPECT_THAT(error_of(load_mbpp, dir.write("g.json", R"([{"task_id": 11, "prompt": "p"}, )")),
              HasSubstr("g.json: bad JSON at line 1, column "));
  EXPECT_THAT(error_of(load_mbpp, dir.write("h.json", R"([{"task_id": 11, "prompt": "p", )"
                                                      R"("code": "c", "test_list": [1]}])")),
              HasSubstr("h.json: $[0].test_list[0]: expected a string, got a number"));
}

// --- rbench code JSONL

TEST(RbenchCodeJsonl, LoadsHeaderAndMbppStyleTasks) {
  TempDir dir;
  const std::string contents =
      R"({"id": "double", "prompt": "def double(x):\n    \"\"\"Twice x.\"\"\"\n", )"
      R"("entry_point": "double", "tests": "def check(candidate):\n    assert candidate(2) == 4\n", )"
      R"("solution": "    return 2 * x\n"})"
      "\n"
      R"({"id": "neg", "question": "Write neg(x). Tests: assert neg(1) == -1", )"
      R"("tests": "assert neg(1) == -1", "setup": "import math"})"
      "\n";
  const auto file = dir.write("mine.jsonl", contents);
  EXPECT_EQ(rbench_jsonl_kind(file), RbenchJsonlKind::code);
  const Suite suite = load_rbench_code_jsonl(file);
  ASSERT_EQ(suite.items.size(), 2u);
  EXPECT_EQ(suite.version, sha256_hex(contents).substr(0, 16));
  const Item& header = suite.items[0];
  EXPECT_EQ(header.question, header.code.prompt);  // question defaults to the prompt
  EXPECT_EQ(header.code.entry_point, "double");
  EXPECT_EQ(header.reference, "    return 2 * x\n");
  const Item& plain = suite.items[1];
  EXPECT_EQ(plain.code.prompt, "");
  EXPECT_EQ(plain.code.entry_point, "");
  EXPECT_EQ(plain.code.setup, "import math");
  EXPECT_EQ(plain.question, "Write neg(x). Tests: assert neg(1) == -1");
  EXPECT_EQ(plain.source, file.string() + ":2");
}

TEST(RbenchCodeJsonl, MalformedFilesNameFileAndLine) {
  TempDir dir;
  const std::string good = R"({"id": "a", "question": "q", "tests": "assert True"})"
                           "\n";
  EXPECT_THAT(error_of(load_rbench_code_jsonl, dir.write("a.jsonl", good + R"({"id": "b"})")),
              HasSubstr("a.jsonl:2: $.tests: missing"));
  EXPECT_THAT(error_of(load_rbench_code_jsonl,
                       dir.write("b.jsonl", good + R"({"id": "b", "tests": "assert True"})")),
              HasSubstr("b.jsonl:2: $: the task is not stated"));
  EXPECT_THAT(error_of(load_rbench_code_jsonl,
                       dir.write("c.jsonl", R"({"id": "c", "prompt": "def f():\n", )"
                                            R"("tests": "def check(candidate):\n  pass"})")),
              HasSubstr("c.jsonl:1: $.entry_point: missing, and \"tests\" defines "
                        "check(candidate)"));
  EXPECT_THAT(
      error_of(load_rbench_code_jsonl,
               dir.write("d.jsonl", R"({"id": "d", "prompt": "def f():\n", )"
                                    R"("entry_point": "f", "tests": "assert f() is None"})")),
      HasSubstr("d.jsonl:1: $.entry_point: is set but \"tests\" defines no check"));
  EXPECT_THAT(error_of(load_rbench_code_jsonl, dir.write("e.jsonl", good + good)),
              HasSubstr("e.jsonl:2: $.id: duplicate id \"a\""));
  EXPECT_THAT(error_of(load_rbench_code_jsonl, dir.write("f.jsonl", good + "{\n")),
              HasSubstr("f.jsonl:2: bad JSON"));
}

TEST(RbenchCodeJsonl, TheFirstRecordDecidesTheKind) {
  TempDir dir;
  EXPECT_NE(RbenchJsonlKind::code,
            rbench_jsonl_kind(dir.write("m.jsonl",
                                        "\n{\"id\":\"a\",\"question\":\"q\",\"answer\":"
                                        "\"1\"}\n{\"tests\": \"x\"}\n")));
  EXPECT_EQ(RbenchJsonlKind::code,
            rbench_jsonl_kind(dir.write("c.jsonl",
                                        "\xEF\xBB\xBF\n{\"id\":\"a\",\"tests\":\"x\"}\n"
                                        "not json\n")));
  EXPECT_NE(RbenchJsonlKind::code, rbench_jsonl_kind(dir.write("bad.jsonl", "{oops\n")));
  EXPECT_NE(RbenchJsonlKind::code, rbench_jsonl_kind(dir.write("empty.jsonl", "")));
  EXPECT_EQ(RbenchJsonlKind::integer_answers,
            rbench_jsonl_kind(dir.write("i.jsonl",
                                        "{\"id\":\"a\",\"question\":\"q\","
                                        "\"answer\":7,\"answer_type\":\"integer\"}\n")));
  EXPECT_EQ(RbenchJsonlKind::math,
            rbench_jsonl_kind(dir.write("t.jsonl",
                                        "{\"id\":\"a\",\"question\":\"q\","
                                        "\"answer\":\"x\",\"answer_type\":\"text\"}\n")));
}

// --- Registry

TEST(CodeSuiteRegistry, KnowsTheCodeSuites) {
  for (const char* name : {"humaneval", "mbpp", "mbpp-sanitized", "demo-code"}) {
    const std::optional<SuiteInfo> info = find_suite(name);
    ASSERT_TRUE(info.has_value()) << name;
    EXPECT_EQ(info->scorer, "code") << name;
    EXPECT_EQ(info->prompt_template, "code-chat-v1") << name;
  }
  EXPECT_EQ(find_suite("humaneval")->relative_path, "humaneval/HumanEval.jsonl.gz");
  EXPECT_EQ(find_suite("humaneval")->dataset, "humaneval");
  EXPECT_EQ(find_suite("mbpp")->relative_path, "mbpp/mbpp.jsonl");
  EXPECT_EQ(find_suite("mbpp-sanitized")->relative_path, "mbpp/sanitized-mbpp.json");
  EXPECT_EQ(find_suite("mbpp-sanitized")->dataset, "mbpp");
  EXPECT_EQ(find_suite("demo-code")->location, DataLocation::bundled);
}

TEST(CodeSuiteRegistry, LoadsPublicCodeSuitesFromTheDataDir) {
  const std::filesystem::path data = shared_data_dir();
  if (data.empty()) GTEST_SKIP() << "no shared data at " << RBENCH_SHARED_DATA_DIR;
  const auto bundled = testing::bundled_data_dir();
  const Suite humaneval = load_suite("humaneval", data, bundled);
  EXPECT_EQ(humaneval.name, "humaneval");
  EXPECT_EQ(humaneval.scorer, "code");
  EXPECT_EQ(humaneval.items.size(), 164u);
  EXPECT_EQ(load_suite("mbpp", data, bundled).items.size(), 500u);
  EXPECT_EQ(load_suite("mbpp-sanitized", data, bundled).items.size(), 257u);
}

TEST(CodeSuiteRegistry, MissingMbppSaysWhatToFetch) {
  TempDir empty;
  try {
    load_suite("mbpp-sanitized", empty.path(), testing::bundled_data_dir());
    FAIL() << "expected DataError";
  } catch (const DataError& error) {
    EXPECT_THAT(error.what(), HasSubstr("run `rbench data fetch mbpp`"));
  }
}

TEST(CodeSuiteRegistry, CustomCodeJsonlIsACodeSuite) {
  TempDir dir;
  const auto file =
      dir.write("my-code.jsonl", R"({"id": "a", "question": "Write f() returning 1.", )"
                                 R"("tests": "assert f() == 1"})"
                                 "\n");
  const Suite suite = load_suite(file.string(), dir.path(), testing::bundled_data_dir());
  EXPECT_EQ(suite.name, "my-code");
  EXPECT_EQ(suite.scorer, "code");
  EXPECT_EQ(suite.prompt_template, "code-chat-v1");
  ASSERT_EQ(suite.items.size(), 1u);
  EXPECT_TRUE(suite.items[0].is_code());
}

}  // namespace
}  // namespace rbench
