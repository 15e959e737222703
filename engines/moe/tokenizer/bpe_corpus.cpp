// The built-in BPE training corpus: text we generate ourselves, so make-tiny needs no download.
// Arithmetic word problems in the DeepSeek-R1 chat format (question, reasoning in <think>, answer
// in \boxed{}), a little algebra in LaTeX, and some plain English. A fixed-seed generator of our
// own (not <random>'s distributions, whose output differs between standard libraries) keeps it
// the same everywhere.
#include <fmt/format.h>

#include <array>
#include <cstdint>
#include <numeric>
#include <string>
#include <string_view>
#include <vector>

#include "engines/moe/tokenizer/bpe_trainer.h"
#include "engines/moe/tokenizer/chat_template.h"

namespace rbench::moe {

namespace {

constexpr std::uint64_t kCorpusSeed = 20250120;
constexpr int kProblems = 240;

class Lcg {
 public:
  explicit Lcg(std::uint64_t seed) : state_(seed) {}
  int uniform(int lo, int hi) {  // inclusive
    state_ = state_ * 6364136223846793005ULL + 1442695040888963407ULL;
    return lo + static_cast<int>((state_ >> 33) % static_cast<std::uint64_t>(hi - lo + 1));
  }
  template <typename T, std::size_t N>
  const T& pick(const std::array<T, N>& items) {
    return items[static_cast<std::size_t>(uniform(0, static_cast<int>(N) - 1))];
  }

 private:
  std::uint64_t state_;
};

constexpr std::array<std::string_view, 12> kNames = {"Maria",  "James", "Aisha", "Chen",
                                                     "Olivia", "Noah",  "Priya", "Lucas",
                                                     "Fatima", "Ethan", "Sofia", "Kenji"};
constexpr std::array<std::string_view, 10> kItems = {"apples",  "marbles", "books",  "stickers",
                                                     "pencils", "cookies", "stamps", "oranges",
                                                     "coins",   "cards"};
constexpr std::array<std::string_view, 6> kContainers = {"box", "bag",    "crate",
                                                         "jar", "basket", "packet"};
constexpr std::array<std::string_view, 6> kThings = {"notebook", "ticket", "sandwich",
                                                     "toy car",  "mug",    "poster"};

struct Problem {
  std::string question;
  std::string reasoning;
  std::string answer;  // what goes in \boxed{}
};

Problem add_subtract(Lcg& r) {
  const auto name = r.pick(kNames);
  const auto item = r.pick(kItems);
  const int a = r.uniform(12, 480), b = r.uniform(5, 250), c = r.uniform(1, a);
  return {
      fmt::format("{} has {} {}. {} buys {} more and then gives {} to a friend. How many {} does "
                  "{} have now?",
                  name, a, item, name, b, c, item, name),
      fmt::format(
          "{} starts with {} {}. After buying {} more, {} has {} + {} = {}. Giving away {} leaves "
          "{} - {} = {}.",
          name, a, item, b, name, a, b, a + b, c, a + b, c, a + b - c),
      std::to_string(a + b - c)};
}

Problem multiply(Lcg& r) {
  const auto box = r.pick(kContainers);
  const auto item = r.pick(kItems);
  const int a = r.uniform(6, 48), b = r.uniform(3, 125);
  return {fmt::format("Each {} holds {} {}. How many {} are there in {} {}s?", box, a, item, item,
                      b, box),
          fmt::format("There are {} {}s with {} {} in each, so the total is {} \\times {} = {}.", b,
                      box, a, item, b, a, a * b),
          std::to_string(a * b)};
}

Problem share(Lcg& r) {
  const auto name = r.pick(kNames);
  const auto item = r.pick(kItems);
  const int each = r.uniform(3, 64), friends = r.uniform(2, 12);
  const int total = each * friends;
  return {
      fmt::format("{} shares {} {} equally among {} friends. How many {} does each friend get?",
                  name, total, item, friends, item),
      fmt::format("Sharing equally means dividing: {} \\div {} = {}. Check: {} \\times {} = {}.",
                  total, friends, each, each, friends, total),
      std::to_string(each)};
}

Problem money(Lcg& r) {
  const auto name = r.pick(kNames);
  const auto thing = r.pick(kThings);
  const int cents = r.uniform(105, 2499), n = r.uniform(2, 9);
  const int total = cents * n;
  return {
      fmt::format("A {} costs ${}.{:02}. {} buys {} of them. How much does {} spend in dollars?",
                  thing, cents / 100, cents % 100, name, n, name),
      fmt::format("One {} is ${}.{:02}, so {} of them cost {} \\times {}.{:02} = {}.{:02} dollars.",
                  thing, cents / 100, cents % 100, n, n, cents / 100, cents % 100, total / 100,
                  total % 100),
      fmt::format("{}.{:02}", total / 100, total % 100)};
}

Problem percent(Lcg& r) {
  constexpr std::array<int, 5> kPercents = {10, 20, 25, 40, 50};
  const auto thing = r.pick(kThings);
  const int price = 20 * r.uniform(2, 60);
  const int pct = r.pick(kPercents);
  const int off = price * pct / 100;
  return {fmt::format("A shop sells a {} for ${}. During a sale the price drops by {}%. What is "
                      "the sale price?",
                      thing, price, pct),
          fmt::format("The discount is {}\\% of {}, which is \\frac{{{}}}{{100}} \\times {} = {}. "
                      "The sale price is "
                      "{} - {} = {}.",
                      pct, price, pct, price, off, price, off, price - off),
          std::to_string(price - off)};
}

Problem distance(Lcg& r) {
  const int speed = 5 * r.uniform(6, 30), hours = r.uniform(2, 9);
  return {fmt::format("A train travels at {} km/h for {} hours. How far does it go?", speed, hours),
          fmt::format("Distance is speed times time: d = v \\cdot t = {} \\cdot {} = {} km.", speed,
                      hours, speed * hours),
          fmt::format("{} \\text{{ km}}", speed * hours)};
}

Problem rectangle(Lcg& r) {
  const int w = r.uniform(3, 45), h = r.uniform(3, 60);
  return {fmt::format("A rectangle is {} cm wide and {} cm long. What is its area?", w, h),
          fmt::format("The area of a rectangle is width times length: A = {} \\times {} = {}. Its "
                      "perimeter would be "
                      "2({} + {}) = {}, but the question asks for the area.",
                      w, h, w * h, w, h, 2 * (w + h)),
          fmt::format("{} \\text{{ cm}}^2", w * h)};
}

Problem linear(Lcg& r) {
  const int a = r.uniform(2, 12), x = r.uniform(-20, 40), b = r.uniform(1, 99);
  const int c = a * x + b;
  return {fmt::format("Solve for $x$: ${}x + {} = {}$.", a, b, c),
          fmt::format("Subtract {} from both sides: ${}x = {} - {} = {}$. Then divide by {}: $x = "
                      "\\frac{{{}}}{{{}}} = "
                      "{}$. Check: ${} \\cdot {} + {} = {}$.",
                      b, a, c, b, c - b, a, c - b, a, x, a, x, b, c),
          std::to_string(x)};
}

Problem fractions(Lcg& r) {
  const int a = r.uniform(1, 9), b = r.uniform(2, 12), c = r.uniform(1, 9), d = r.uniform(2, 12);
  const int num = a * d + c * b, den = b * d;
  const int g = std::gcd(num, den);
  return {
      fmt::format("What is $\\frac{{{}}}{{{}}} + \\frac{{{}}}{{{}}}$?", a, b, c, d),
      fmt::format("Use the common denominator {} \\cdot {} = {}: $\\frac{{{} \\cdot {} + {} \\cdot "
                  "{}}}{{{}}} = "
                  "\\frac{{{}}}{{{}}}$. The greatest common divisor of {} and {} is {}, so this is "
                  "$\\frac{{{}}}{{{}}}$.",
                  b, d, den, a, d, c, b, den, num, den, num, den, g, num / g, den / g),
      den / g == 1 ? std::to_string(num / g) : fmt::format("\\frac{{{}}}{{{}}}", num / g, den / g)};
}

Problem series(Lcg& r) {
  const int n = r.uniform(10, 1000);
  return {fmt::format("What is the sum of the integers from 1 to {}?", n),
          fmt::format(
              "Pair the first and last terms: $\\sum_{{k=1}}^{{{}}} k = \\frac{{n(n+1)}}{{2}} = "
              "\\frac{{{} \\cdot {}}}{{2}} = {}$.",
              n, n, n + 1, n * (n + 1) / 2),
          std::to_string(n * (n + 1) / 2)};
}

std::string as_chat(const Problem& p) {
  return fmt::format(
      "{}{}\nPlease reason step by step, and put your final answer within \\boxed{{}}.{}<think>\n"
      "{}\nSo the answer is {}.\n</think>\n\nThe answer is $\\boxed{{{}}}$.{}",
      kUserToken, p.question, kAssistantToken, p.reasoning, p.answer, p.answer, kEosToken);
}

constexpr std::array<std::string_view, 10> kLatex = {
    R"($$x^2 - 5x + 6 = (x - 2)(x - 3) = 0 \quad\Rightarrow\quad x \in \{2, 3\}$$)",
    R"($$\int_0^1 x^2 \, dx = \left[ \frac{x^3}{3} \right]_0^1 = \frac{1}{3}$$)",
    R"(The roots of $ax^2 + bx + c = 0$ are $x = \frac{-b \pm \sqrt{b^2 - 4ac}}{2a}$.)",
    R"($$\sum_{k=0}^{n} \binom{n}{k} = 2^n, \qquad \prod_{k=1}^{n} k = n!$$)",
    R"(The area of a circle of radius $r$ is $\pi r^2$ and its circumference is $2\pi r$.)",
    R"($$\lim_{x \to 0} \frac{\sin x}{x} = 1, \qquad e^{i\pi} + 1 = 0$$)",
    R"(For a right triangle, $a^2 + b^2 = c^2$; with $a = 3$ and $b = 4$ we get $c = \sqrt{25} = 5$.)",
    R"($$\begin{aligned} 2x + y &= 7 \\ x - y &= 2 \end{aligned} \implies x = 3,\ y = 1$$)",
    R"(If $f(x) = 3x^2 + 2x$, then $f'(x) = 6x + 2$ and $f'(1) = 8$.)",
    R"($$\frac{a}{b} \cdot \frac{c}{d} = \frac{ac}{bd}, \qquad \frac{a}{b} \div \frac{c}{d} = \frac{ad}{bc}$$)",
};

constexpr std::array<std::string_view, 8> kEnglish = {
    "The library opens at nine in the morning and closes at six in the evening. On weekends it "
    "stays open "
    "for fewer hours, so students often arrive early to find a quiet table near the window.",
    "Water boils at one hundred degrees Celsius at sea level. On a high mountain the air pressure "
    "is lower, "
    "and water boils at a lower temperature, which is why cooking takes longer there.",
    "When you read a problem carefully, first write down what you know and what you are asked to "
    "find. "
    "Then choose a method, carry it out step by step, and check that the answer makes sense.",
    "The farmer planted rows of corn and beans in the spring. By the end of the summer the plants "
    "were taller "
    "than the fence, and the whole family helped with the harvest.",
    "A good explanation is short, clear and correct. It says why each step follows from the one "
    "before, "
    "and it does not skip the part where most people make mistakes.",
    "The museum has a room full of old clocks. Some of them still work, and every hour they all "
    "chime "
    "together, although a few are always a little late.",
    "Numbers can be even or odd, prime or composite. The number two is the only even prime, and "
    "every whole "
    "number greater than one can be written as a product of primes in exactly one way.",
    "It rained all afternoon, so the children stayed inside and built a tower of wooden blocks. "
    "Each floor "
    "used four blocks, and the tower had twelve floors before it finally fell over.",
};

}  // namespace

std::vector<std::string> builtin_bpe_corpus() {
  using Generator = Problem (*)(Lcg&);
  constexpr std::array<Generator, 10> kGenerators = {add_subtract, multiply, share,     money,
                                                     percent,      distance, rectangle, linear,
                                                     fractions,    series};
  Lcg rng(kCorpusSeed);
  std::vector<std::string> corpus;
  corpus.reserve(kProblems + kLatex.size() + kEnglish.size());
  for (int i = 0; i < kProblems; ++i) {
    corpus.push_back(as_chat(kGenerators[static_cast<std::size_t>(i) % kGenerators.size()](rng)));
  }
  for (const auto text : kLatex) corpus.emplace_back(text);
  for (const auto text : kEnglish) corpus.emplace_back(text);
  return corpus;
}

}  // namespace rbench::moe
