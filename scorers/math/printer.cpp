// Printing trees back to LaTeX (their structural normal form is in canonical.cpp). The printer is
// the parser's inverse: every choice here (when to write \cdot, where parentheses go, how names are
// spelled) is made so that latex_parser.cpp reads the output back into the same tree.
#include "scorers/math/printer.h"

#include <algorithm>
#include <cctype>
#include <initializer_list>
#include <string_view>
#include <utility>
#include <vector>

#include "scorers/math/latex_names.h"
#include "scorers/math/text_util.h"

namespace rbench::math {
namespace {

// How tightly a printed node binds, loosest first; a child printed where a tighter form is
// needed gets parentheses.
enum Prec : int {
  kList,
  kRelation,
  kUnion,
  kAdditive,  // add, plus_minus
  kSigned,    // neg
  kProduct,   // mul
  kPostfix,   // pow, n!, \%, ^\circ, numerals in a base
  kAtom,
};

bool is_function(const Expr& e, std::string_view name, std::size_t arity) {
  return e.kind == Kind::function && e.text == name && e.children.size() == arity;
}

bool is_base_numeral(const Expr& e) {
  return is_function(e, "base", 2) && e.children[0].kind == Kind::integer &&
         e.children[1].kind == Kind::integer;
}

int precedence(const Expr& e) {
  switch (e.kind) {
    case Kind::list:
      return kList;
    case Kind::relation:
      return kRelation;
    case Kind::union_of:
      return kUnion;
    case Kind::add:
    case Kind::plus_minus:
      return kAdditive;
    case Kind::neg:
      return kSigned;
    case Kind::mul:
      return kProduct;
    case Kind::pow:
    case Kind::percent:
    case Kind::degree:
      return kPostfix;
    case Kind::function:
      return is_function(e, "factorial", 1) || is_base_numeral(e) ? kPostfix : kAtom;
    default:
      return kAtom;
  }
}

// True when `s` ends with a command name ("\pi"), which a following letter would extend.
bool ends_with_command(std::string_view s) {
  std::size_t n = 0;
  while (n < s.size() && is_alpha(s[s.size() - 1 - n])) ++n;
  return n > 0 && n < s.size() && s[s.size() - 1 - n] == '\\';
}

// Appends, with a space where a command name would otherwise run into a letter.
void put(std::string& out, std::string_view piece) {
  if (!piece.empty() && is_alpha(piece.front()) && ends_with_command(out)) out += ' ';
  out += piece;
}

void print(const Expr& e, std::string& out);

std::string printed(const Expr& e) {
  std::string s;
  print(e, s);
  return s;
}

// `e` where at least `min` binding is needed.
std::string printed_at(const Expr& e, int min) {
  std::string s = printed(e);
  return precedence(e) < min ? "(" + s + ")" : s;
}

void put_joined(std::string& out, const std::vector<Expr>& items, std::string_view separator,
                int min) {
  for (std::size_t k = 0; k < items.size(); ++k) {
    if (k > 0) put(out, separator);
    put(out, printed_at(items[k], min));
  }
}

void print_symbol(std::string_view name, std::string& out) {
  const std::size_t underscore = name.find('_');
  const std::string_view base = name.substr(0, underscore);
  if (is_greek(base)) out += '\\';
  put(out, base);
  if (underscore != std::string_view::npos) {
    out += "_{";
    out += name.substr(underscore + 1);
    out += '}';
  }
}

// Between two factors: \cdot where juxtaposition would read differently (2\cdot3, a mixed
// number 2\cdot\frac{1}{2}, 2\cdot[1, 2]); a space where letters would merge into a word or
// into scientific notation ("x y", "2 e").
void put_factor(std::string& out, const Expr& left, const std::string& r) {
  auto starts = [&](std::string_view p) { return std::string_view(r).starts_with(p); };
  const char last = out.empty() ? '\0' : out.back();
  const bool cdot = left.kind == Kind::text || left.kind == Kind::choice || is_digit(r.front()) ||
                    r.front() == '.' || r.front() == '[' || r.front() == '|' || r.front() == '-' ||
                    r.front() == '+' || (starts("\\frac") && is_digit(last)) || starts("\\{") ||
                    starts("\\begin") || starts("\\text") || starts("\\emptyset") || starts("\\pm");
  if (cdot) {
    out += "\\cdot";
  } else if ((is_alpha(last) && is_alpha(r.front())) ||
             (is_digit(last) && (r.front() == 'e' || r.front() == 'E'))) {
    out += ' ';
  }
  put(out, r);
}

void print_function(const Expr& e, std::string& out) {
  const std::vector<Expr>& args = e.children;
  if (is_function(e, "factorial", 1)) {
    // Postfix operators chain left to right (x^2! is (x^2)!, x!! is (x!)!): no parentheses, which
    // a long chain would otherwise nest past the parser's depth limit.
    put(out, printed_at(args[0], kPostfix));
    out += '!';
  } else if (is_function(e, "abs", 1)) {
    out += "\\left|";
    put(out, printed_at(args[0], kRelation));
    out += "\\right|";
  } else if (is_function(e, "floor", 1) || is_function(e, "ceil", 1)) {
    const bool floor = e.text == "floor";
    out += floor ? "\\lfloor" : "\\lceil";
    put(out, printed_at(args[0], kRelation));
    put(out, floor ? "\\rfloor" : "\\rceil");
  } else if (is_function(e, "binom", 2)) {
    out += "\\binom{";
    put(out, printed_at(args[0], kRelation));
    out += "}{";
    put(out, printed_at(args[1], kRelation));
    out += '}';
  } else if (is_base_numeral(e)) {
    out += args[0].text + "_{" + args[1].text + "}";
  } else {
    std::size_t first = 0;
    if (is_function(e, "log", 2)) {
      out += "\\log_{";
      put(out, printed_at(args[0], kRelation));
      out += '}';
      first = 1;
    } else if (is_function_command(e.text) && e.text != "lcm") {  // no \lcm in LaTeX
      out += '\\';
      out += e.text;
    } else {
      out += "\\operatorname{" + e.text + "}";
    }
    out += '(';
    for (std::size_t k = first; k < args.size(); ++k) {
      if (k > first) out += ", ";
      put(out, printed_at(args[k], kRelation));
    }
    out += ')';
  }
}

std::string relation_operator(std::string_view op) {
  if (op == "<=") return "\\le";
  if (op == ">=") return "\\ge";
  if (op == "!=") return "\\ne";
  if (op == "in") return "\\in";
  return std::string(op);
}

// Terms joined by + and -: a + (-b) is printed a - b.
// The level a minus sign's operand prints at. A negated operand is parenthesised, 1-(-2), for
// reading; but a run of signs prints as signs, --(-2) (the parser reads a sign's operand as a
// signed term), since a parenthesis per sign would nest a long run past the parser's depth limit.
int sign_operand_level(const Expr& operand) {
  const bool run = operand.kind == Kind::neg && operand.children.size() == 1 &&
                   operand.children[0].kind == Kind::neg;
  return run ? kSigned : kProduct;
}

void print_sum(const std::vector<Expr>& c, std::string& out) {
  for (std::size_t k = 0; k < c.size(); ++k) {
    if (k == 0) {
      // A leading sum needs parentheses or the parser would flatten it into this one.
      out += c[0].kind == Kind::add ? "(" + printed(c[0]) + ")" : printed_at(c[0], kAdditive);
    } else if (c[k].kind == Kind::neg && c[k].children.size() == 1) {
      out += '-';
      put(out, printed_at(c[k].children[0], sign_operand_level(c[k].children[0])));
    } else {
      out += '+';
      put(out, printed_at(c[k], kSigned));
    }
  }
}

// Factors, explicit or implicit as put_factor decides.
void print_product(const std::vector<Expr>& c, std::string& out) {
  for (std::size_t k = 0; k < c.size(); ++k) {
    const std::string factor = printed_at(c[k], kPostfix);
    if (k == 0 || factor.empty()) {
      put(out, factor);
    } else {
      put_factor(out, c[k - 1], factor);
    }
  }
}

// a < b \le c: the operators are e.text, comma-separated.
void print_relation(const Expr& e, std::string& out) {
  const std::vector<Expr>& c = e.children;
  std::vector<std::string_view> ops;
  std::string_view rest = e.text;
  for (std::size_t comma; (comma = rest.find(',')) != std::string_view::npos;) {
    ops.push_back(rest.substr(0, comma));
    rest.remove_prefix(comma + 1);
  }
  ops.push_back(rest);
  for (std::size_t k = 0; k < c.size(); ++k) {
    if (k > 0) {
      out += ' ';
      out += relation_operator(ops[std::min(k - 1, ops.size() - 1)]);
      out += ' ';
    }
    put(out, printed_at(c[k], kUnion));
  }
}

// The parser skips an "and"/"or" after a list's comma ("19, 46, and 82"), so an item whose
// text starts with one of them gets an "and" of its own: otherwise it would lose that word.
void print_list(const std::vector<Expr>& c, std::string& out) {
  for (std::size_t k = 0; k < c.size(); ++k) {
    const std::string item = printed_at(c[k], kRelation);
    if (k > 0) {
      out += ", ";
      const auto starts = [&](std::string_view word) {
        const std::string head = "\\text{" + std::string(word);
        return item.starts_with(head) &&
               (item.size() == head.size() || item[head.size()] == '}' || item[head.size()] == ' ');
      };
      if (starts("and") || starts("or")) out += "and ";
    }
    put(out, item);
  }
}

void print_matrix(const std::vector<Expr>& c, std::string& out) {
  out += "\\begin{pmatrix}";
  for (std::size_t k = 0; k < c.size(); ++k) {
    if (k > 0) out += " \\\\ ";
    if (c[k].kind == Kind::list) {
      put_joined(out, c[k].children, " & ", kRelation);
    } else {
      put(out, printed_at(c[k], kRelation));
    }
  }
  out += "\\end{pmatrix}";
}

// One case per kind, a table: long on purpose; the kinds with logic of their own have helpers.
void print(const Expr& e, std::string& out) {
  const std::vector<Expr>& c = e.children;
  switch (e.kind) {
    case Kind::integer:
    case Kind::decimal:
      out += e.text;
      return;
    case Kind::symbol:
      print_symbol(e.text, out);
      return;
    case Kind::constant:
      if (e.text == "pi" || e.text == "infty") out += '\\';
      put(out, e.text);
      return;
    case Kind::text:
      // \text{log} reads back as the function (\text{lcm}(4,6)); a plain capitalised word is
      // read as the word ("Log"). Every function name but "ln", which no text can hold, is
      // three letters or more, the length a plain run needs to read as a word.
      if (is_function_command(e.text) && e.text.size() >= 3) {
        put(out, static_cast<char>(std::toupper(static_cast<unsigned char>(e.text[0]))) +
                     e.text.substr(1));
        return;
      }
      out += "\\text{" + e.text + "}";
      return;
    case Kind::choice:
      out += "\\text{(" + e.text + ")}";
      return;
    case Kind::empty_set:
      out += "\\emptyset";
      return;
    case Kind::add:
      print_sum(c, out);
      return;
    case Kind::mul:
      print_product(c, out);
      return;
    case Kind::neg:
      out += '-';
      if (!c.empty()) put(out, printed_at(c[0], sign_operand_level(c[0])));
      return;
    case Kind::div:
      if (c.size() != 2) break;
      out += "\\frac{" + printed_at(c[0], kRelation) + "}{" + printed_at(c[1], kRelation) + "}";
      return;
    case Kind::pow:
      if (c.size() != 2) break;
      put(out, printed_at(c[0], kAtom));
      out += "^{" + printed_at(c[1], kRelation) + "}";
      return;
    case Kind::root:
      if (c.size() != 2) break;
      out += "\\sqrt";
      if (!(c[1].kind == Kind::integer && c[1].text == "2")) {
        out += "[" + printed_at(c[1], kRelation) + "]";
      }
      out += "{" + printed_at(c[0], kRelation) + "}";
      return;
    case Kind::function:
      print_function(e, out);
      return;
    case Kind::percent:
      if (c.size() != 1) break;
      put(out, printed_at(c[0], kPostfix));  // a postfix chain, as for factorials
      out += "\\%";
      return;
    case Kind::degree:
      if (c.size() != 1) break;
      put(out, printed_at(c[0], kPostfix));  // a postfix chain, as for factorials
      out += "^{\\circ}";
      return;
    case Kind::plus_minus:
      if (c.size() == 2) put(out, printed_at(c[0], kAdditive));
      put(out, "\\pm");
      if (!c.empty()) put(out, printed_at(c.back(), kSigned));
      return;
    case Kind::relation:
      print_relation(e, out);
      return;
    case Kind::set:
      out += "\\{";
      put_joined(out, c, ", ", kRelation);
      out += "\\}";
      return;
    case Kind::tuple:
      out += '(';
      put_joined(out, c, ", ", kRelation);
      out += ')';
      return;
    case Kind::interval:
      out += e.text.size() == 2 ? e.text[0] : '(';
      put_joined(out, c, ", ", kRelation);
      out += e.text.size() == 2 ? e.text[1] : ')';
      return;
    case Kind::union_of:
      put_joined(out, c, "\\cup ", kAdditive);
      return;
    case Kind::list:
      print_list(c, out);
      return;
    case Kind::matrix:
      print_matrix(c, out);
      return;
  }
  // A node of the wrong arity (never from the parser): a readable fallback.
  out += "\\operatorname{" + std::string(kind_name(e.kind)) + "}(";
  put_joined(out, c, ", ", kRelation);
  out += ')';
}

}  // namespace

std::string to_latex(const Expr& e) {
  return printed(e);
}

}  // namespace rbench::math
