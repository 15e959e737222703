// to_latex and canonicalize: the printed spellings, the round trip through the parser on
// MATH-500's reference answers and on random token strings, and the canonical form's rules.
#include "scorers/math/printer.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "scorers/math/latex_parser.h"

namespace rbench::math {
namespace {

Expr parsed(std::string_view text) {
  Parsed p = parse_answer(text);
  EXPECT_TRUE(p.ok) << text << ": " << p.error;
  return p.expr;
}

Expr integer(std::string digits) {
  return leaf(Kind::integer, std::move(digits));
}

// The round trip every parsed tree must survive, and canonicalize's idempotence. Returns a
// message, empty when all holds.
std::string check_round_trip(std::string_view text) {
  const Parsed p = parse_answer(text);
  if (!p.ok) return {};
  const std::string latex = to_latex(p.expr);
  const Parsed again = parse_answer(latex);
  if (!again.ok || !(again.expr == p.expr)) {
    return fmt::format("'{}' -> {} printed '{}' -> {}", text, debug_string(p.expr), latex,
                       again.ok ? debug_string(again.expr) : again.error);
  }
  const Expr canonical = canonicalize(p.expr);
  if (!(canonicalize(canonical) == canonical)) {
    return fmt::format("'{}': canonicalize not idempotent: {} then {}", text,
                       debug_string(canonical), debug_string(canonicalize(canonical)));
  }
  const Parsed canonical_again = parse_answer(to_latex(canonical));
  if (!canonical_again.ok || !(canonical_again.expr == canonical)) {
    return fmt::format("'{}': canonical {} printed '{}' does not read back", text,
                       debug_string(canonical), to_latex(canonical));
  }
  return {};
}

struct PrintCase {
  const char* input;
  const char* latex;
};

TEST(Printer, PrintsParsedAnswersCanonically) {
  const PrintCase cases[] = {
      {"\\dfrac{1}{2}", "\\frac{1}{2}"},
      {"\\frac12", "\\frac{1}{2}"},
      {"a/b", "\\frac{a}{b}"},
      {"\\sqrt2", "\\sqrt{2}"},
      {"\\sqrt[3]{x}", "\\sqrt[3]{x}"},
      {"2^10", "2^{10}"},
      {"1-x", "1-x"},
      {"1+-x", "1-x"},
      {"-2x+3", "-2x+3"},
      {"--5", "-(-5)"},
      {"1-(-2)", "1-(-2)"},
      {"(1+2)+3", "(1+2)+3"},
      {"1+(2+3)", "1+(2+3)"},
      {"2\\cdot(3\\cdot4)", "2(3\\cdot4)"},
      {"(-2)^2", "(-2)^{2}"},
      {"-2^2", "-2^{2}"},
      {"(x^2)^3", "(x^{2})^{3}"},
      {"2\\times3", "2\\cdot3"},
      {"2x", "2x"},
      {"xy", "x y"},
      {"2e", "2 e"},
      {"2\\cdot\\frac{1}{2}", "2\\cdot\\frac{1}{2}"},
      {"x\\frac{1}{2}", "x\\frac{1}{2}"},
      {"2\\frac{1}{2}", "2+\\frac{1}{2}"},
      {"2(x+1)", "2(x+1)"},
      {"2\\cdot(-3)", "2(-3)"},
      {"2\\sqrt{3}", "2\\sqrt{3}"},
      {"\\alpha x", "\\alpha x"},
      {"\\pi r^2", "\\pi r^{2}"},
      {"x_1", "x_{1}"},
      {"\\alpha_{12}", "\\alpha_{12}"},
      {"\\sin x", "\\sin(x)"},
      {"\\sin^2 x", "\\sin(x)^{2}"},
      {"\\log_2 8", "\\log_{2}(8)"},
      {"\\operatorname{lcm}(4,6)", "\\operatorname{lcm}(4, 6)"},
      {"|x|", "\\left|x\\right|"},
      {"n!", "n!"},
      {"(n+1)!", "(n+1)!"},
      {"\\binom{n}{k}", "\\binom{n}{k}"},
      {"\\lfloor x \\rfloor", "\\lfloor x\\rfloor"},
      {"30^\\circ", "30^{\\circ}"},
      {"50\\%", "50\\%"},
      {"1 \\pm \\sqrt{2}", "1\\pm\\sqrt{2}"},
      {"\\pm x", "\\pm x"},
      {"1 \\mp 2", "1\\pm-2"},
      {"x \\leq 3", "x \\le 3"},
      {"0<x\\le1", "0 < x \\le 1"},
      {"x \\in [0,1]", "x \\in [0, 1]"},
      {"\\{1,2\\}", "\\{1, 2\\}"},
      {"\\{\\}", "\\emptyset"},
      {"(1,2]", "(1, 2]"},
      {"(1,2)\\cup(3,4)", "(1, 2)\\cup (3, 4)"},
      {"1,2,3", "1, 2, 3"},
      {"\\begin{bmatrix}1&2\\\\3&4\\end{bmatrix}",
       "\\begin{pmatrix}1 & 2 \\\\ 3 & 4\\end{pmatrix}"},
      {"(B)", "\\text{(B)}"},
      {"\\text{Evelyn}", "\\text{evelyn}"},
      {"1,000", "1000"},
      {"1.5\\times10^{-3}", "1.5e-3"},
      {"204_5", "204_{5}"},
  };
  for (const PrintCase& c : cases) {
    EXPECT_EQ(to_latex(parsed(c.input)), c.latex) << c.input;
  }
}

TEST(Printer, PrintsHandBuiltTrees) {
  // A product that would read as a mixed number, and a symbol named after a Greek letter.
  EXPECT_EQ(
      to_latex(node(Kind::mul, {integer("2"), node(Kind::div, {integer("1"), integer("2")})})),
      "2\\cdot\\frac{1}{2}");
  EXPECT_EQ(to_latex(leaf(Kind::symbol, "theta")), "\\theta");
  EXPECT_EQ(to_latex(node(Kind::mul, {leaf(Kind::symbol, "theta"), leaf(Kind::symbol, "x")})),
            "\\theta x");
  // Letters next to each other stay apart so they do not read as a word or a unit ("cm").
  EXPECT_EQ(to_latex(node(Kind::mul, {leaf(Kind::symbol, "c"), leaf(Kind::symbol, "m")})), "c m");
  EXPECT_EQ(to_latex(node(Kind::neg, {node(Kind::neg, {integer("5")})})), "-(-5)");
  EXPECT_EQ(to_latex(node(Kind::add,
                          {integer("1"), node(Kind::plus_minus, {integer("2"), integer("3")})})),
            "1+(2\\pm3)");
  EXPECT_EQ(to_latex(node(Kind::mul, {integer("2"), integer("3")})), "2\\cdot3");
  EXPECT_EQ(to_latex(node(Kind::mul, {integer("2"), leaf(Kind::constant, "e")})), "2 e");
  EXPECT_EQ(to_latex(node(Kind::interval, {integer("1"), integer("2")}, "[)")), "[1, 2)");
}

TEST(Printer, RoundTripsHandWrittenAnswers) {
  for (const char* text : {"x^5 - x^4 + x^3",
                           "\\frac{11+9a}{20}",
                           "(a+5)(b+2)",
                           "1 \\pm \\sqrt{19}",
                           "\\{1\\pm\\sqrt{5},-2\\}",
                           "-2\\frac{1}{2}",
                           "2\\frac{1}{2}x",
                           "\\sin^{-1}(x)",
                           "|x||y|",
                           "||x|-1|",
                           "x = \\pm 3",
                           "a \\pm b + c",
                           "\\pm b + c",
                           "e^{i\\pi}+1",
                           "2e+1",
                           "2 e+1",
                           "\\log_{x+1}(y)",
                           "\\log_{\\frac{1}{2}} 4",
                           "x_{n+1}-x_n",
                           "\\mathbf{x}\\cdot\\mathbf{y}",
                           "\\text{no solution}",
                           "x=\\text{even}",
                           "5!\\cdot3",
                           "\\sqrt[3]{x^2}",
                           "(2,3)\\cup[4,\\infty)",
                           "x \\in (0,1)",
                           "-(x+1)",
                           "-x^2",
                           "(-x)^2",
                           "2\\cdot-3",
                           "1/2/3",
                           "1/(2/3)",
                           "2^{3^4}",
                           "(2^3)^4",
                           "\\frac{1}{2}^2",
                           "(1,2,\\infty)",
                           "\\begin{pmatrix}1\\\\2\\end{pmatrix}",
                           "10\\%\\cdot x",
                           "x^\\circ",
                           ".5x",
                           "1.5e3x",
                           "\\$1,000,000",
                           "\\cos^2\\theta+\\sin^2\\theta",
                           "\\alpha\\beta\\gamma",
                           "a b c d"}) {
    EXPECT_EQ(check_round_trip(text), "") << text;
  }
}

// Found by the `latex` fuzz target (tests/fuzz/crashes/latex/a-list-item-reading-or-after-a-comma):
// after a list's comma the parser skips "and"/"or" ("19, 46, and 82"), so a text item "or"
// printed as ", \text{or}" read back as nothing. The printer now puts an "and" before it.
TEST(Printer, AListItemReadingOrAfterACommaKeepsItsWord) {
  for (const char* text : {"or--44,or or", "5, and or", "1, and and", "1, or and so on"}) {
    EXPECT_EQ(check_round_trip(text), "") << text;
  }
  const Parsed parsed = parse_answer("or--44,or or");
  ASSERT_TRUE(parsed.ok) << parsed.error;
  EXPECT_EQ(to_latex(parsed.expr), "\\text{or}-(-44), and \\text{or}");
}

// Found by the `latex` fuzz target (tests/fuzz/crashes/latex/a-word-that-names-a-function): the
// plain word "Log" is the text "log", which printed as \\text{log} read back as the function
// (as \\text{lcm}(4,6) must). It prints as the capitalised word now.
TEST(Printer, AWordThatNamesAFunctionReadsBackAsTheWord) {
  EXPECT_EQ(check_round_trip("Log"), "");
  for (const char* name : {"sin", "cos", "tan", "cot", "sec", "csc", "arcsin", "arccos", "arctan",
                           "sinh", "cosh", "tanh", "exp", "log", "gcd", "lcm"}) {
    const Expr word = leaf(Kind::text, name);
    const Parsed back = parse_answer(to_latex(word));
    ASSERT_TRUE(back.ok) << name << ": " << to_latex(word) << ": " << back.error;
    EXPECT_TRUE(back.expr == word)
        << name << ": " << to_latex(word) << " -> " << debug_string(back.expr);
  }
  EXPECT_EQ(to_latex(leaf(Kind::text, "log")), "Log");
  EXPECT_EQ(check_round_trip("\\text{lcm}(4,6)"), "");
}

// Found by the `latex` fuzz target (tests/fuzz/crashes/latex/a-chain-of-factorials): "Z!!!..."
// (each ! applied to the last) printed as ((Z!)!)!, one parenthesis per factorial, so a long
// chain read back deeper than the parser allows. Postfix operators chain without them now.
TEST(Printer, AChainOfFactorialsPrintsWithoutParentheses) {
  for (const char* text : {"x!!!", "x^2!", "x!^2", "(x!)^2!", "10\\%!", "3!!x!"}) {
    EXPECT_EQ(check_round_trip(text), "") << text;
  }
  const Parsed parsed = parse_answer("Z!!!");
  ASSERT_TRUE(parsed.ok) << parsed.error;
  EXPECT_EQ(to_latex(parsed.expr), "Z!!!");
  const std::string chain = "x" + std::string(300, '!');
  EXPECT_EQ(check_round_trip(chain), "");
  EXPECT_TRUE(parse_answer(chain).ok);
}

// Found by the `latex` fuzz target (tests/fuzz/crashes/latex/a-run-of-minus-signs): "E----..."
// printed as E-(-(-(...))), a parenthesis per sign, which read back deeper than the parser
// allows. A run of signs prints as signs now, with one parenthesis at its end: a---(-b).
TEST(Printer, ARunOfMinusSignsPrintsAsSigns) {
  for (const char* text : {"--x", "a--b", "a---b", "-(-2)^2", "-(a+b)", "a-(b-c)", "--2x"}) {
    EXPECT_EQ(check_round_trip(text), "") << text;
  }
  const std::string run = "E" + std::string(190, '-') + "x";
  ASSERT_TRUE(parse_answer(run).ok);
  EXPECT_EQ(check_round_trip(run), "");
  EXPECT_EQ(to_latex(parse_answer("a-(-b)").expr), "a-(-b)");
  EXPECT_EQ(to_latex(parse_answer("a----b").expr), "a---(-b)");
}

// Found by the `latex` fuzz target (tests/fuzz/crashes/latex/a-chain-of-percent-signs): like
// factorials, "x%%%..." printed a parenthesis per percent sign. \\% and ^\\circ chain too now.
TEST(Printer, AChainOfPercentSignsPrintsWithoutParentheses) {
  for (const char* text :
       {"x\\%\\%", "x^2\\%", "x!\\%", "x\\%!", "30^\\circ\\%", "(x\\%)^2", "x^{2}^{\\circ}"}) {
    EXPECT_EQ(check_round_trip(text), "") << text;
  }
  const std::string chain = "HHp" + std::string(250, '%');
  ASSERT_TRUE(parse_answer(chain).ok);
  EXPECT_EQ(check_round_trip(chain), "");
}

// Found by the `latex` fuzz target (tests/fuzz/crashes/latex/a-space-command-ending-a-subscript):
// in "B_{1,m\\ }" the space was dropped and its backslash kept, so the name ended in "\\" and
// printed as B_{1,m\\}, whose brace is escaped. The parser drops "\\ " whole now.
TEST(Printer, ASpaceCommandEndingASubscriptIsDroppedWhole) {
  for (const char* text : {"B_{1,m\\ }", "{{132,1,m\\ ,05B_{-,-, 1,m\\ }}}", "x_{a\\ b}"}) {
    EXPECT_EQ(check_round_trip(text), "") << text;
  }
  const Parsed parsed = parse_answer("B_{1,m\\ }");
  ASSERT_TRUE(parsed.ok) << parsed.error;
  EXPECT_EQ(to_latex(parsed.expr), "B_{1,m}");
}

TEST(Canonicalize, AppliesTheDocumentedRules) {
  const PrintCase cases[] = {
      // Operands of add and mul sorted by their printed form, nested ones flattened.
      {"x+1", "1+x"},
      {"(1+x)+y", "1+x+y"},
      {"x\\cdot2", "2x"},
      {"(2x)(3y)", "2\\cdot3x y"},
      // Signs out of products and quotients, double negation dropped, -0 is 0.
      {"(-2)x", "-2x"},
      {"(-2)(-x)", "2x"},
      {"\\frac{-1}{2}", "-\\frac{1}{2}"},
      {"\\frac{1}{-2}", "-\\frac{1}{2}"},
      {"--x", "x"},
      {"-0", "0"},
      // Decimal literals without trailing zeros; integers without leading ones.
      {"2.50", "2.5"},
      {"3.0", "3"},
      {".5", "0.5"},
      {"1.50e+03", "1.5e3"},
      {"1.0e0", "1"},
      {"007", "7"},
      // Sets sorted and without duplicates; unions sorted.
      {"\\{3,1,2,1\\}", "\\{1, 2, 3\\}"},
      {"\\{x, 1.0, 1\\}", "\\{1, x\\}"},
      {"[3,4]\\cup[1,2]", "[1, 2]\\cup [3, 4]"},
      // Order that carries meaning stays.
      {"(2,1)", "(2, 1)"},
      {"2,1", "2, 1"},
      {"x-1 = 0", "-1+x = 0"},
  };
  for (const PrintCase& c : cases) {
    const Expr canonical = canonicalize(parsed(c.input));
    EXPECT_EQ(to_latex(canonical), c.latex) << c.input;
    EXPECT_EQ(canonicalize(canonical), canonical) << c.input;
  }
}

TEST(Canonicalize, LeavesTreesWithoutSortableOperandsAlone) {
  const Expr e = parsed("\\frac{\\sqrt{2}}{x^{3}}");
  EXPECT_EQ(canonicalize(e), e);
}

// Every reference answer of MATH-500 parses, prints back to the same tree, and canonicalizes
// idempotently.
TEST(Printer, RoundTripsMath500ReferenceAnswers) {
  const std::filesystem::path file =
      std::filesystem::path(RBENCH_SHARED_DATA_DIR) / "math500" / "test.jsonl";
  std::ifstream in(file);
  if (!in) GTEST_SKIP() << file << " not found";
  std::size_t count = 0;
  std::vector<std::string> failures;
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    rapidjson::Document doc;
    doc.Parse(line.c_str(), line.size());
    ASSERT_FALSE(doc.HasParseError()) << line;
    ASSERT_TRUE(doc.IsObject() && doc.HasMember("answer") && doc["answer"].IsString());
    const std::string answer = doc["answer"].GetString();
    ++count;
    const Parsed p = parse_answer(answer);
    if (!p.ok) {
      failures.push_back(fmt::format("'{}' does not parse: {}", answer, p.error));
      continue;
    }
    if (std::string problem = check_round_trip(answer); !problem.empty()) {
      failures.push_back(problem);
    }
  }
  EXPECT_EQ(count, 500u);
  for (const std::string& failure : failures) ADD_FAILURE() << failure;
}

// Random strings of LaTeX tokens: parsing never crashes, and whatever parses round-trips.
TEST(Printer, RoundTripsRandomTokenStrings) {
  static const std::vector<std::string> kTokens = {
      "1",
      "2",
      "12",
      "0.5",
      ".5",
      "1,000",
      "10",
      "x",
      "y",
      "e",
      "i",
      "B",
      "\\pi",
      "\\alpha",
      "\\theta",
      "\\infty",
      "+",
      "-",
      "\\cdot",
      "\\times",
      "*",
      "/",
      "\\div",
      "^",
      "_",
      "_{1}",
      "(",
      ")",
      "[",
      "]",
      "{",
      "}",
      "\\{",
      "\\}",
      ",",
      "|",
      "!",
      "\\%",
      "%",
      "^\\circ",
      "\\frac",
      "\\dfrac",
      "\\sqrt",
      "\\sin",
      "\\log",
      "\\ln",
      "\\pm",
      "\\mp",
      "=",
      "<",
      "\\le",
      "\\ne",
      "\\in",
      "\\cup",
      "\\text{(B)}",
      "\\text{cm}",
      "\\text{ and }",
      "abc",
      " ",
      "\\left(",
      "\\right)",
      "\\left|",
      "\\right|",
      "&",
      "\\\\",
      "\\begin{pmatrix}",
      "\\end{pmatrix}",
      "{,}",
      "e-3",
      ".",
      "\\binom",
      "\\lfloor",
      "\\rfloor",
      "\\emptyset",
      ";",
      "\\operatorname{lcm}",
      "\\mathbf",
      "\\,",
      "\\!",
      "°",
      "$",
      "\\text{Evelyn}",
      "^{-1}",
      "{2}",
      "\\sqrt[3]",
      "2\\frac{1}{2}",
      "\\log_2",
      "x_{n+1}",
      "7i",
      "(1,2)",
      "\\operatorname{base}",
      "\\text{(b)}",
      "\\mathrm{",
      "\\text{",
      "_{n+1}",
      "\\left\\{",
      "\\right\\}",
      "\\vert",
      "\\sin^{-1}",
      "\\times10^{3}",
      "and",
      "or",
      "no",
      "\\text{no solution}",
      "\\mathrm{cm}",
      "^2",
      "\\circ",
      "\\sqrt{",
      "\\log_{",
      "\\tfrac",
      "A)",
      "(C)",
      "\\varnothing",
      "\\ ",
  };
  std::mt19937 rng(20240607);
  std::uniform_int_distribution<std::size_t> pick(0, kTokens.size() - 1);
  std::uniform_int_distribution<int> length(1, 14);
  int parsed_count = 0;
  int failures = 0;
  for (int iteration = 0; iteration < 60000; ++iteration) {
    std::string text;
    for (int n = length(rng); n > 0; --n) text += kTokens[pick(rng)];
    const Parsed p = parse_answer(text);
    if (!p.ok) {
      EXPECT_FALSE(p.error.empty()) << text;
      continue;
    }
    ++parsed_count;
    if (std::string problem = check_round_trip(text); !problem.empty() && failures++ < 20) {
      ADD_FAILURE() << problem;
    }
  }
  EXPECT_EQ(failures, 0);
  EXPECT_GT(parsed_count, 1000);  // the generator must reach the parser's successful paths
}

// Random well-formed expressions, built from a small grammar, round-trip too.
std::string random_expression(std::mt19937& rng, int depth) {
  auto roll = [&](int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng); };
  static const char* const kLeaves[] = {"1",     "2",       "37",      "0.25", "x",
                                        "y",     "e",       "i",       "\\pi", "\\alpha",
                                        "x_{1}", "\\infty", "1{,}000", "3.0"};
  if (depth <= 0) return kLeaves[roll(std::size(kLeaves))];
  const std::string a = random_expression(rng, depth - 1);
  const std::string b = random_expression(rng, depth - 1);
  switch (roll(22)) {
    case 0:
      return a + "+" + b;
    case 1:
      return a + "-" + b;
    case 2:
      return a + "\\cdot " + b;
    case 3:
      return a + "(" + b + ")";
    case 4:
      return "\\frac{" + a + "}{" + b + "}";
    case 5:
      return a + "/" + b;
    case 6:
      return "(" + a + ")^{" + b + "}";
    case 7:
      return "\\sqrt{" + a + "}";
    case 8:
      return "-" + a;
    case 9:
      return "(" + a + ")";
    case 10:
      return "\\sin(" + a + ")";
    case 11:
      return "|" + a + "|";
    case 12:
      return a + "\\pm " + b;
    case 13:
      return "(" + a + ", " + b + ")";
    case 14:
      return "\\{" + a + ", " + b + "\\}";
    case 15:
      return "[" + a + ", " + b + ")";
    case 16:
      return "(" + a + ")!";
    case 17:
      return "2\\frac{1}{3}(" + a + ")";
    case 18:
      return "\\log_{" + a + "}(" + b + ")";
    case 19:
      return "(" + a + ")\\%";
    case 20:
      return "\\binom{" + a + "}{" + b + "}";
    default:
      return "(" + a + ")(" + b + ")";
  }
}

TEST(Printer, RoundTripsRandomExpressions) {
  std::mt19937 rng(7);
  int failures = 0;
  int parsed_count = 0;
  for (int iteration = 0; iteration < 20000; ++iteration) {
    std::string text = random_expression(rng, 1 + iteration % 4);
    if (iteration % 7 == 0) text = "x = " + text;
    if (iteration % 11 == 0) text += ", " + random_expression(rng, 2);
    if (parse_answer(text).ok) ++parsed_count;
    if (std::string problem = check_round_trip(text); !problem.empty() && failures++ < 20) {
      ADD_FAILURE() << problem;
    }
  }
  EXPECT_EQ(failures, 0);
  EXPECT_GT(parsed_count, 18000);
}

}  // namespace
}  // namespace rbench::math
