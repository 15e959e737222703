// The GiNaC checker: size bounds on the caller's thread (symbolic_bounds.h), everything GiNaC on
// one worker thread.
//
// GiNaC is not thread-safe (its reference counts are not atomic and it shares flyweight
// numbers between all expressions), so one thread per checker does all of its work, conversion
// included, and the threads of several checkers take turns (ginac_mutex); callers hand over
// copies of their trees and wait on a future until their deadline.
// GiNaC cannot be interrupted either: a job past its deadline keeps running, and the worker
// skips the queued jobs whose callers have given up.
#include "scorers/math/symbolic.h"

#include <fmt/format.h>
#include <ginac/ginac.h>

#include <atomic>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <exception>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <utility>

#include "scorers/math/numeric_eval.h"
#include "scorers/math/symbolic_bounds.h"

namespace rbench::math {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kMaxPrinted = 300;  // characters of SymbolicResult::simplified

// ---------------------------------------------------------------------------------------------
// Expr -> GiNaC. Note: GiNaC's functions on `numeric` arguments (pow, log, sin, ...) evaluate in
// floating point; everything here goes through `ex` so that literals stay exact.

struct Unsupported : std::runtime_error {
  using std::runtime_error::runtime_error;
};

GiNaC::ex exact_decimal(const std::string& text) {
  std::string mantissa;
  long scale = 0;  // value = mantissa * 10^-scale
  bool fraction = false;
  std::size_t i = 0;
  for (; i < text.size() && text[i] != 'e' && text[i] != 'E'; ++i) {
    if (text[i] == '.') {
      fraction = true;
    } else if (text[i] >= '0' && text[i] <= '9') {
      mantissa += text[i];
      if (fraction) ++scale;
    } else {
      throw Unsupported("a malformed number: " + text);
    }
  }
  if (i < text.size()) scale -= std::atol(text.c_str() + i + 1);  // bounded by the size check
  if (mantissa.empty()) throw Unsupported("a malformed number: " + text);
  return GiNaC::ex(GiNaC::numeric(mantissa.c_str())) * GiNaC::pow(GiNaC::ex(10), -scale);
}

std::optional<long> small_integer(const GiNaC::ex& e) {
  if (!GiNaC::is_a<GiNaC::numeric>(e)) return std::nullopt;
  const auto& n = GiNaC::ex_to<GiNaC::numeric>(e);
  if (!n.is_integer() || GiNaC::abs(n) > GiNaC::numeric(1000000000)) return std::nullopt;
  return n.to_long();
}

bool has_symbols(const GiNaC::ex& e) {
  for (GiNaC::const_preorder_iterator it = e.preorder_begin(); it != e.preorder_end(); ++it) {
    if (GiNaC::is_a<GiNaC::symbol>(*it)) return true;
  }
  return false;
}

// A real number with no symbols in it, when evalf gives one.
std::optional<double> real_constant(const GiNaC::ex& e) {
  if (has_symbols(e)) return std::nullopt;
  const GiNaC::ex v = GiNaC::evalf(e);
  if (!GiNaC::is_a<GiNaC::numeric>(v) || !GiNaC::ex_to<GiNaC::numeric>(v).is_real()) {
    return std::nullopt;
  }
  return GiNaC::ex_to<GiNaC::numeric>(v).to_double();
}

class Converter {
 public:
  GiNaC::ex convert(const Expr& e) {
    switch (e.kind) {
      case Kind::integer:
        for (char c : e.text) {
          if (c < '0' || c > '9') throw Unsupported("a malformed integer: " + e.text);
        }
        if (e.text.empty()) throw Unsupported("an empty integer");
        return GiNaC::numeric(e.text.c_str());
      case Kind::decimal:
        return exact_decimal(e.text);
      case Kind::symbol: {
        const auto [it, added] = symbols_.try_emplace(e.text, e.text);
        return it->second;
      }
      case Kind::constant:
        if (e.text == "pi") return GiNaC::Pi;
        if (e.text == "e") return euler();
        if (e.text == "i") return GiNaC::I;
        throw Unsupported("no symbolic form for " + e.text);
      case Kind::add: {
        GiNaC::ex sum = 0;
        for (const Expr& c : e.children) sum += convert(c);
        return sum;
      }
      case Kind::mul: {
        GiNaC::ex product = 1;
        for (const Expr& c : e.children) product *= convert(c);
        return product;
      }
      case Kind::neg:
        return -convert(only_child(e));
      case Kind::percent:
        return convert(only_child(e)) / 100;
      case Kind::degree:
        return convert(only_child(e));  // the number of degrees, as the header says
      case Kind::div:
        check_arity(e, 2);
        return quotient(convert(e.children[0]), convert(e.children[1]));
      case Kind::pow: {
        check_arity(e, 2);
        const GiNaC::ex base = convert(e.children[0]);
        // e^x is exp(x): GiNaC simplifies exp(I*Pi) but not exp(1)^(I*Pi).
        if (base.is_equal(euler())) return GiNaC::exp(convert(e.children[1]));
        return power(base, convert(e.children[1]));
      }
      case Kind::root:
        check_arity(e, 2);
        return root(convert(e.children[0]), convert(e.children[1]));
      case Kind::function:
        return function(e);
      default:
        throw Unsupported(std::string("no symbolic form for a ") + kind_name(e.kind));
    }
  }

 private:
  static GiNaC::ex euler() { return GiNaC::exp(GiNaC::ex(1)); }

  static void check_arity(const Expr& e, std::size_t n) {
    if (e.children.size() != n) throw Unsupported("a malformed node");
  }
  static const Expr& only_child(const Expr& e) {
    check_arity(e, 1);
    return e.children[0];
  }

  // An odd root of a negative real is the real root (\sqrt[3]{-8} = -2, as numeric_value has
  // it); anything else is GiNaC's principal value.
  static GiNaC::ex root(const GiNaC::ex& radicand, const GiNaC::ex& degree) {
    const auto n = small_integer(degree);
    if (n && *n % 2 != 0) {
      if (const auto v = real_constant(radicand); v && *v < 0) {
        return -power(-radicand, quotient(1, degree));
      }
    }
    return power(radicand, quotient(1, degree));
  }

  // GiNaC throws on a division by zero (0^-1) from inside the constructor of the node it has
  // just allocated, and that node is then never freed (LeakSanitizer finds it): a zero
  // denominator, or zero to a power that is not positive, is refused before GiNaC sees it.
  static GiNaC::ex quotient(const GiNaC::ex& numerator, const GiNaC::ex& denominator) {
    if (denominator.is_zero()) throw Unsupported("a division by zero");
    return numerator / denominator;
  }
  static GiNaC::ex power(const GiNaC::ex& base, const GiNaC::ex& exponent) {
    if (base.is_zero() && GiNaC::is_a<GiNaC::numeric>(exponent) &&
        !GiNaC::ex_to<GiNaC::numeric>(exponent).is_positive()) {
      throw Unsupported("zero to a power that is not positive (a division by zero)");
    }
    return GiNaC::pow(base, exponent);
  }

  // floor, ceil, gcd and lcm only of numbers GiNaC can decide on.
  static GiNaC::numeric integer_argument(const GiNaC::ex& e, const std::string& name) {
    if (!GiNaC::is_a<GiNaC::numeric>(e) || !GiNaC::ex_to<GiNaC::numeric>(e).is_integer()) {
      throw Unsupported(name + " of a non-integer");
    }
    return GiNaC::ex_to<GiNaC::numeric>(e);
  }

  static GiNaC::ex rounding(const GiNaC::ex& x, bool floor) {
    if (GiNaC::is_a<GiNaC::numeric>(x) && GiNaC::ex_to<GiNaC::numeric>(x).is_rational()) {
      const auto& q = GiNaC::ex_to<GiNaC::numeric>(x);
      const GiNaC::numeric down =
          GiNaC::iquo(q.numer() - GiNaC::mod(q.numer(), q.denom()), q.denom());
      return down == q || floor ? GiNaC::ex(down) : GiNaC::ex(down + 1);
    }
    // An irrational constant well away from the integers rounds by its value.
    if (const auto v = real_constant(x)) {
      const double r = floor ? std::floor(*v) : std::ceil(*v);
      if (std::fabs(*v - std::round(*v)) > 1e-6 && std::fabs(r) < 1e15) {
        return GiNaC::numeric(static_cast<long>(r));
      }
    }
    throw Unsupported(std::string(floor ? "floor" : "ceil") + " of a non-number");
  }

  GiNaC::ex function(const Expr& e) {
    const std::string& f = e.text;
    std::vector<GiNaC::ex> args;
    for (const Expr& c : e.children) args.push_back(convert(c));
    if (f == "log" && args.size() == 2) return quotient(GiNaC::log(args[1]), GiNaC::log(args[0]));
    if ((f == "gcd" || f == "lcm") && !args.empty()) {
      GiNaC::numeric acc = integer_argument(args[0], f);
      for (std::size_t i = 1; i < args.size(); ++i) {
        const GiNaC::numeric v = integer_argument(args[i], f);
        acc = f == "gcd" ? GiNaC::gcd(acc, v) : GiNaC::lcm(acc, v);
      }
      return GiNaC::abs(acc);
    }
    if (f == "binom" && args.size() == 2) return GiNaC::binomial(args[0], args[1]);
    if (args.size() != 1)
      throw Unsupported("a function " + f + " of " + std::to_string(args.size()) + " arguments");
    const GiNaC::ex& x = args[0];
    if (f == "sin") return GiNaC::sin(x);
    if (f == "cos") return GiNaC::cos(x);
    if (f == "tan") return GiNaC::tan(x);
    // Through sin and cos, so that cot(pi/2) = 0 instead of GiNaC's pole error of 1/tan.
    if (f == "cot") return quotient(GiNaC::cos(x), GiNaC::sin(x));
    if (f == "sec") return quotient(1, GiNaC::cos(x));
    if (f == "csc") return quotient(1, GiNaC::sin(x));
    if (f == "arcsin") return GiNaC::asin(x);
    if (f == "arccos") return GiNaC::acos(x);
    if (f == "arctan") return GiNaC::atan(x);
    if (f == "sinh") return GiNaC::sinh(x);
    if (f == "cosh") return GiNaC::cosh(x);
    if (f == "tanh") return GiNaC::tanh(x);
    if (f == "exp") return GiNaC::exp(x);
    if (f == "ln") return GiNaC::log(x);
    if (f == "log") return GiNaC::log(x) / GiNaC::log(GiNaC::ex(10));
    if (f == "abs") return GiNaC::abs(x);
    if (f == "factorial") return GiNaC::factorial(x);
    if (f == "floor" || f == "ceil") return rounding(x, f == "floor");
    throw Unsupported("no symbolic form for the function " + f);
  }

  std::map<std::string, GiNaC::symbol> symbols_;  // one symbol per name within a job
};

// ---------------------------------------------------------------------------------------------
// Simplification steps GiNaC does not do on its own.

constexpr long kTrialDivisionLimit = 10000;

// n > 0 as prime powers, trial division up to kTrialDivisionLimit; a remaining cofactor (prime
// or not) is kept as one factor with exponent 1.
std::vector<std::pair<GiNaC::numeric, long>> factor_integer(GiNaC::numeric n) {
  std::vector<std::pair<GiNaC::numeric, long>> factors;
  for (long p = 2; p <= kTrialDivisionLimit && GiNaC::numeric(p * p) <= n; p += p == 2 ? 1 : 2) {
    long k = 0;
    while (GiNaC::irem(n, GiNaC::numeric(p)).is_zero()) {
      n = GiNaC::iquo(n, GiNaC::numeric(p));
      ++k;
    }
    if (k > 0) factors.emplace_back(p, k);
  }
  if (n != 1) factors.emplace_back(n, 1);
  return factors;
}

// Rewrites numbers under radicals and logarithms prime by prime, so that equal values get equal
// forms: sqrt(12) -> 2*sqrt(3), sqrt(6) -> sqrt(2)*sqrt(3), log(8) -> 3*log(2). GiNaC multiplies
// equal bases itself (sqrt(2)*sqrt(2) = 2), but leaves sqrt(12) and 2*sqrt(3) apart.
struct SplitNumbers : GiNaC::map_function {
  GiNaC::ex operator()(const GiNaC::ex& e) override {
    const GiNaC::ex mapped = e.map(*this);
    if (GiNaC::is_a<GiNaC::power>(mapped)) return split_power(mapped.op(0), mapped.op(1), mapped);
    if (GiNaC::is_a<GiNaC::function>(mapped) &&
        GiNaC::ex_to<GiNaC::function>(mapped).get_name() == "log") {
      return split_log(mapped.op(0), mapped);
    }
    return mapped;
  }

  static bool positive_rational(const GiNaC::ex& e) {
    return GiNaC::is_a<GiNaC::numeric>(e) && GiNaC::ex_to<GiNaC::numeric>(e).is_rational() &&
           GiNaC::ex_to<GiNaC::numeric>(e).is_positive();
  }

  static GiNaC::ex split_power(const GiNaC::ex& base, const GiNaC::ex& exponent,
                               const GiNaC::ex& unchanged) {
    if (!GiNaC::is_a<GiNaC::numeric>(exponent)) return unchanged;
    const auto& q = GiNaC::ex_to<GiNaC::numeric>(exponent);
    if (!q.is_rational() || q.is_integer() || !GiNaC::is_a<GiNaC::numeric>(base)) {
      return unchanged;
    }
    const auto& b = GiNaC::ex_to<GiNaC::numeric>(base);
    if (!b.is_rational() || b.is_zero()) return unchanged;
    // (-r)^q = (-1)^q * r^q for r > 0 holds for principal values (arg(-r) = pi).
    GiNaC::ex result = b.is_negative() ? GiNaC::pow(GiNaC::ex(-1), exponent) : GiNaC::ex(1);
    const GiNaC::numeric r = GiNaC::abs(b);
    for (const auto& [p, k] : factor_integer(r.numer())) {
      result *= GiNaC::pow(GiNaC::ex(p), GiNaC::ex(q * k));
    }
    for (const auto& [p, k] : factor_integer(r.denom())) {
      result *= GiNaC::pow(GiNaC::ex(p), GiNaC::ex(-q * k));
    }
    return result;
  }

  static GiNaC::ex split_log(const GiNaC::ex& arg, const GiNaC::ex& unchanged) {
    if (!positive_rational(arg)) return unchanged;
    const auto& r = GiNaC::ex_to<GiNaC::numeric>(arg);
    GiNaC::ex result = 0;
    for (const auto& [p, k] : factor_integer(r.numer())) result += k * GiNaC::log(GiNaC::ex(p));
    for (const auto& [p, k] : factor_integer(r.denom())) result -= k * GiNaC::log(GiNaC::ex(p));
    return result;
  }
};

GiNaC::ex split_numbers(const GiNaC::ex& e) {
  SplitNumbers split;
  // Twice: GiNaC's own evaluation of a rewritten node can make new numeric powers
  // (sqrt(12*x) evaluates to sqrt(12)*sqrt(x) only once the product is rebuilt).
  return split(split(e));
}

// sin^2 = 1 - cos^2, cosh^2 = 1 + sinh^2 and tan = sin/cos: enough for the Pythagorean
// identities once expanded; sums of angles are left alone.
GiNaC::ex trig_rewrite(const GiNaC::ex& e) {
  const GiNaC::ex w = GiNaC::wild(0);
  GiNaC::lst rules{GiNaC::tan(w) == GiNaC::sin(w) / GiNaC::cos(w),
                   GiNaC::tanh(w) == GiNaC::sinh(w) / GiNaC::cosh(w)};
  GiNaC::ex out = e.subs(rules, GiNaC::subs_options::subs_algebraic);
  GiNaC::lst squares{GiNaC::pow(GiNaC::sin(w), 2) == 1 - GiNaC::pow(GiNaC::cos(w), 2),
                     GiNaC::pow(GiNaC::cosh(w), 2) == 1 + GiNaC::pow(GiNaC::sinh(w), 2)};
  return out.subs(squares, GiNaC::subs_options::subs_algebraic);
}

std::string print(const GiNaC::ex& e) {
  std::ostringstream out;
  out << e;
  std::string s = out.str();
  if (s.size() > kMaxPrinted) s = s.substr(0, kMaxPrinted) + "...";
  return s;
}

// |value| of a symbol-free expression, when evalf makes it a number.
std::optional<double> modulus(const GiNaC::ex& e) {
  if (has_symbols(e)) return std::nullopt;
  const GiNaC::ex v = GiNaC::evalf(e);
  if (!GiNaC::is_a<GiNaC::numeric>(v)) return std::nullopt;
  const double m =
      GiNaC::ex_to<GiNaC::numeric>(GiNaC::abs(GiNaC::ex_to<GiNaC::numeric>(v))).to_double();
  if (!std::isfinite(m)) return std::nullopt;
  return m;
}

struct Job {
  Expr a;
  Expr b;
  std::promise<SymbolicResult> result;
  std::atomic<bool> abandoned{false};  // the caller stopped waiting: skip, or stop early
};

SymbolicResult decide(const Job& job) {
  const auto stopped = [&] { return job.abandoned.load(std::memory_order_relaxed); };
  const auto answer = [](Tri zero, const GiNaC::ex& form, std::string why = "") {
    return SymbolicResult{zero, print(form), std::move(why)};
  };
  Converter converter;
  const GiNaC::ex a = split_numbers(converter.convert(job.a));
  const GiNaC::ex b = split_numbers(converter.convert(job.b));
  GiNaC::ex diff = a - b;
  // A step answers as soon as it proves zero or a nonzero number; a caller that gave up stops
  // the rest (GiNaC itself cannot be interrupted inside a step).
  const auto settled = [&](const GiNaC::ex& d) {
    return d.is_zero() || GiNaC::is_a<GiNaC::numeric>(d);
  };
  if (!settled(diff)) diff = split_numbers(GiNaC::expand(diff));
  if (!settled(diff) && !stopped()) diff = GiNaC::normal(diff);
  if (!settled(diff) && !stopped()) {
    const GiNaC::ex trig = GiNaC::normal(GiNaC::expand(trig_rewrite(diff)));
    if (settled(trig)) diff = trig;
  }
  if (diff.is_zero()) return answer(Tri::yes, diff);
  if (GiNaC::is_a<GiNaC::numeric>(diff)) return answer(Tri::no, diff);
  // A constant that is not provably zero: nonzero when clearly so at evalf's precision (about
  // 17 digits), measured against the sizes of the two sides.
  if (const auto d = modulus(diff)) {
    const double scale = std::max({1.0, modulus(a).value_or(1.0), modulus(b).value_or(1.0)});
    if (*d > 1e-9 * scale) return answer(Tri::no, diff);
    return answer(Tri::unknown, diff, fmt::format("numerically zero ({:.3g}) but not proven", *d));
  }
  return answer(Tri::unknown, diff, "does not simplify to a number");
}

SymbolicResult run_job(const Job& job) {
  try {
    return decide(job);
  } catch (const Unsupported& e) {
    return {Tri::unknown, "", e.what()};
  } catch (const std::exception& e) {
    return {Tri::unknown, "", fmt::format("GiNaC: {}", e.what())};
  } catch (...) {
    return {Tri::unknown, "", "GiNaC: unknown exception"};
  }
}

// State shared by the checker and its thread. The thread holds its own shared_ptr, so a detached
// thread still finishing a job never touches memory the checker freed.
struct JobQueue {
  std::mutex mu;
  std::condition_variable wake;    // a job came, or stop
  std::condition_variable exited;  // the thread is done
  std::deque<std::shared_ptr<Job>> jobs;
  bool stop = false;
  bool done = false;
};

// GiNaC's own state is process-wide (flyweight numbers, non-atomic reference counts), so the
// workers of all checkers, and a detached one still finishing a stuck job, take turns through
// this lock. It is the one piece of global state here, and it only mirrors GiNaC's.
std::mutex& ginac_mutex() {
  static std::mutex mu;
  return mu;
}

void serve(std::shared_ptr<JobQueue> queue) {
  std::unique_lock lock(queue->mu);
  while (true) {
    queue->wake.wait(lock, [&] { return queue->stop || !queue->jobs.empty(); });
    if (queue->stop) break;
    std::shared_ptr<Job> job = std::move(queue->jobs.front());
    queue->jobs.pop_front();
    if (job->abandoned.load()) continue;
    lock.unlock();
    {
      std::lock_guard ginac(ginac_mutex());
      job->result.set_value(run_job(*job));
    }
    job.reset();  // GiNaC-free, but the trees are freed here rather than under the lock
    lock.lock();
  }
  queue->done = true;
  queue->exited.notify_all();
}

// How long the destructor waits for a running job before leaving the thread to finish alone.
constexpr std::chrono::milliseconds kJoinGrace{100};

}  // namespace

struct SymbolicChecker::Worker {
  std::shared_ptr<JobQueue> queue = std::make_shared<JobQueue>();
  std::thread thread;
};

SymbolicChecker::SymbolicChecker(SymbolicBounds bounds)
    : worker_(std::make_unique<Worker>()), bounds_(bounds) {
  worker_->thread = std::thread(serve, worker_->queue);
}

SymbolicChecker::~SymbolicChecker() {
  JobQueue& queue = *worker_->queue;
  std::unique_lock lock(queue.mu);
  queue.stop = true;
  for (const auto& job : queue.jobs) job->abandoned = true;
  queue.jobs.clear();
  queue.wake.notify_all();
  const bool exited = queue.exited.wait_for(lock, kJoinGrace, [&] { return queue.done; });
  lock.unlock();
  // A job GiNaC is still busy with cannot be stopped; joining would hang the caller (and the
  // process exit) until it ends, so the thread is left to finish it on its shared state.
  if (exited) {
    worker_->thread.join();
  } else {
    worker_->thread.detach();
  }
}

SymbolicResult SymbolicChecker::difference_is_zero(const Expr& a, const Expr& b) const {
  const auto deadline = Clock::now() + bounds_.timeout;
  for (const Expr* side : {&a, &b}) {
    if (auto why = detail::over_bounds(*side, bounds_)) {
      return {Tri::unknown, "", "over the size bounds: " + *why};
    }
  }
  auto job = std::make_shared<Job>();
  job->a = a;
  job->b = b;
  std::future<SymbolicResult> answer = job->result.get_future();
  {
    std::lock_guard lock(worker_->queue->mu);
    worker_->queue->jobs.push_back(job);
  }
  worker_->queue->wake.notify_one();
  if (answer.wait_until(deadline) == std::future_status::ready) return answer.get();
  job->abandoned = true;
  return {Tri::unknown, "", fmt::format("timed out after {}ms", bounds_.timeout.count())};
}

}  // namespace rbench::math
