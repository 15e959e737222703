// Recursive-descent evaluation of numeric answers; depth-limited so hostile input cannot
// exhaust the stack.
#include "scorers/math/expression_parser.h"

#include <numbers>

#include "scorers/math/text_util.h"

namespace rbench::math {
namespace {

constexpr int kMaxDepth = 200;

using Value = std::optional<Number>;

class Parser {
 public:
  explicit Parser(std::string_view text) : s_(text) {}

  Value parse() {
    Value v = expression();
    skip_spaces();
    if (!v || pos_ != s_.size()) return std::nullopt;
    return v;
  }

 private:
  // Depth guard for every recursive production.
  struct Nest {
    explicit Nest(int& depth) : depth_(depth) { ++depth_; }
    ~Nest() { --depth_; }
    Nest(const Nest&) = delete;
    Nest& operator=(const Nest&) = delete;
    int& depth_;
  };

  void skip_spaces() {
    while (pos_ < s_.size() && is_space(s_[pos_])) ++pos_;
  }
  char peek() {
    skip_spaces();
    return pos_ < s_.size() ? s_[pos_] : '\0';
  }
  bool eat(char c) {
    if (peek() != c) return false;
    ++pos_;
    return true;
  }
  // The command name at the cursor ("frac" for "\frac"), without consuming it; "" if none.
  std::string_view command_at() {
    skip_spaces();
    if (pos_ >= s_.size() || s_[pos_] != '\\') return {};
    return s_.substr(pos_ + 1, letters_at(s_, pos_ + 1));
  }
  bool eat_command(std::string_view name) {
    if (command_at() != name || name.empty()) return false;
    pos_ += name.size() + 1;
    return true;
  }

  // expression := ['+'|'-'] term (('+'|'-') term)*   (the sign is handled by unary())
  Value expression() {
    Nest nest(depth_);
    if (depth_ > kMaxDepth) return std::nullopt;
    Value v = term();
    while (v) {
      if (eat('+')) {
        Value rhs = term();
        v = rhs ? add(*v, *rhs) : std::nullopt;
      } else if (eat('-')) {
        Value rhs = term();
        v = rhs ? subtract(*v, *rhs) : std::nullopt;
      } else {
        break;
      }
    }
    return v;
  }

  // term := unary (('*'|\cdot|\times|'/'|\div) unary | power)*
  Value term() {
    Value v = unary();
    while (v) {
      if (eat('*') || eat_command("cdot") || eat_command("times")) {
        Value rhs = unary();
        v = rhs ? multiply(*v, *rhs) : std::nullopt;
      } else if (eat('/') || eat_command("div")) {
        Value rhs = unary();
        v = rhs ? divide(*v, *rhs) : std::nullopt;
      } else if (starts_primary()) {
        Value rhs = power();
        v = rhs ? multiply(*v, *rhs) : std::nullopt;
      } else {
        break;
      }
    }
    return v;
  }

  bool starts_primary() {
    const char c = peek();
    if (is_digit(c) || c == '(' || c == '{') return true;
    const std::string_view cmd = command_at();
    return cmd == "frac" || cmd == "sqrt" || cmd == "pi";
  }

  Value unary() {
    Nest nest(depth_);
    if (depth_ > kMaxDepth) return std::nullopt;
    if (eat('-')) {
      Value v = unary();
      return v ? Value(negate(*v)) : std::nullopt;
    }
    if (eat('+')) return unary();
    return power();
  }

  // power := primary ['^' exponent], right-associative through exponent().
  Value power() {
    Value base = primary();
    if (!base || !eat('^')) return base;
    Value exp = exponent();
    return exp ? math::power(*base, *exp) : std::nullopt;
  }

  Value exponent() {
    Nest nest(depth_);
    if (depth_ > kMaxDepth) return std::nullopt;
    if (eat('-')) {
      Value v = exponent();
      return v ? Value(negate(*v)) : std::nullopt;
    }
    return power();
  }

  // An argument of \frac or \sqrt: a braced group, one digit, or one command (\frac\pi2).
  Value argument() {
    const char c = peek();
    if (c == '{') return primary();
    if (is_digit(c)) {
      ++pos_;
      return Number::fraction(c - '0');
    }
    if (c == '\\') return primary();
    return std::nullopt;
  }

  Value primary() {
    Nest nest(depth_);
    if (depth_ > kMaxDepth) return std::nullopt;
    const char c = peek();
    if (c == '(' || c == '{') {
      ++pos_;
      Value v = expression();
      return eat(c == '(' ? ')' : '}') ? v : std::nullopt;
    }
    if (is_digit(c) || c == '.') return number();
    if (eat_command("pi")) return Number::real(std::numbers::pi);
    if (eat_command("frac")) {
      Value num = argument();
      Value den = num ? argument() : std::nullopt;
      return den ? divide(*num, *den) : std::nullopt;
    }
    if (eat_command("sqrt")) {
      Value degree = Number::fraction(2);
      if (eat('[')) {
        degree = expression();
        if (!degree || !eat(']')) return std::nullopt;
      }
      Value radicand = argument();
      return radicand ? root(*radicand, *degree) : std::nullopt;
    }
    return std::nullopt;
  }

  Value number() {
    const std::size_t start = pos_;
    while (pos_ < s_.size() && is_digit(s_[pos_])) ++pos_;
    const bool integer_part_only = pos_ < s_.size() ? s_[pos_] != '.' : true;
    if (pos_ < s_.size() && s_[pos_] == '.') {
      ++pos_;
      while (pos_ < s_.size() && is_digit(s_[pos_])) ++pos_;
    }
    bool has_exponent = false;
    if (pos_ + 1 < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      std::size_t j = pos_ + 1;
      if (s_[j] == '+' || s_[j] == '-') ++j;
      if (j < s_.size() && is_digit(s_[j])) {
        while (j < s_.size() && is_digit(s_[j])) ++j;
        pos_ = j;
        has_exponent = true;
      }
    }
    Value v = Number::parse_decimal(s_.substr(start, pos_ - start));
    if (v && integer_part_only && !has_exponent) return mixed_number(*v);
    return v;
  }

  // 2\frac{1}{2} = 2 + 1/2 when both fraction parts are integer literals.
  Value mixed_number(const Number& whole) {
    const std::size_t saved = pos_;
    if (!eat_command("frac")) return whole;
    auto integer_argument = [&]() -> Value {
      const char c = peek();
      if (is_digit(c)) {
        ++pos_;
        return Number::fraction(c - '0');
      }
      if (c != '{') return std::nullopt;
      ++pos_;
      const std::size_t start = pos_;
      while (pos_ < s_.size() && is_digit(s_[pos_])) ++pos_;
      if (pos_ == start || !eat('}')) return std::nullopt;
      return Number::parse_decimal(s_.substr(start, pos_ - 1 - start));
    };
    Value num = integer_argument();
    Value den = num ? integer_argument() : std::nullopt;
    Value part = den ? divide(*num, *den) : std::nullopt;
    if (!part) {
      pos_ = saved;  // not a mixed number: the caller reads it as a product
      return whole;
    }
    return add(whole, *part);
  }

  std::string_view s_;
  std::size_t pos_ = 0;
  int depth_ = 0;
};

}  // namespace

std::optional<Number> evaluate_expression(std::string_view text) {
  return Parser(text).parse();
}

}  // namespace rbench::math
