// The one JSON writer: objects written from a field list instead of hand-paired Key()/value calls,
// over RapidJSON's Writer (or PrettyWriter), so numbers, escaping and indentation are RapidJSON's.
//
//   json::Writer w;
//   w.object({{"name", name},                       // strings: std::string, string_view, char*
//             {"score", score},                     // the C++ type decides: 5 -> 5, 5.0 -> 5.0
//             {"note", maybe_note},                 // std::optional: nullopt leaves the field out
//             {"ci", json::nullable(maybe_ci)},     // ... or writes null
//             {"tags", json::array(tags)},          // numbers or strings, one per element
//             {"rows", json::array(rows, write_row)},
//             {"facts", json::object({{"a", 1}})},  // a nested field list
//             {"config", json::raw(config_json)},   // already serialised JSON, spliced in
//             {"extra", [&](json::Writer& w) { ... }}});  // any value, written by hand
//   std::string text = w.str();
//
// An OutValue refers to the strings, ranges, callables and documents it was made from (an rvalue
// std::string is moved in, json::object's fields are copied): write it while they live, as one
// `w.object({...})` expression does. A function may return one made of its arguments' members
// (passed by reference), never one made of its own locals or by-value parameters.
#pragma once

#include <rapidjson/document.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <concepts>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <optional>
#include <ranges>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace rbench::json {

class Writer;

// An explicit JSON null (a nullopt field is left out instead).
struct Null {};
inline constexpr Null null{};

// Pre-serialised JSON, written as it is (RapidJSON's RawValue): the caller vouches for it.
struct Raw {
  std::string_view text;
};
inline Raw raw(std::string_view text) {
  return Raw{text};
}

template <class T>
concept Number = std::is_arithmetic_v<T> && !std::same_as<T, bool> && !std::same_as<T, char> &&
                 !std::same_as<T, char8_t> && !std::same_as<T, char16_t> &&
                 !std::same_as<T, char32_t> && !std::same_as<T, wchar_t>;

// One value: null, bool, integer (Int64 / Uint64), double, string, raw JSON, a RapidJSON
// document, or a callable that writes the value itself. A nullopt optional is "absent": the field
// that holds it is left out, and an array skips it.
class OutValue {
 public:
  using Write = std::function<void(Writer&)>;

  OutValue(Null) : v_(Null{}) {}
  OutValue(std::nullopt_t) : v_(Absent{}) {}
  OutValue(bool b) : v_(b) {}
  // Integers stay integers and floating point stays floating point: Double(5) prints 5.0.
  template <Number T>
  OutValue(T n) {
    if constexpr (std::is_floating_point_v<T>) {
      v_ = static_cast<double>(n);
    } else if constexpr (std::is_signed_v<T>) {
      v_ = static_cast<std::int64_t>(n);
    } else {
      v_ = static_cast<std::uint64_t>(n);
    }
  }
  OutValue(const char* s) : v_(std::string_view(s)) {}
  OutValue(std::string_view s) : v_(s) {}
  OutValue(const std::string& s) : v_(std::string_view(s)) {}
  OutValue(std::string&& s) : v_(std::move(s)) {}
  OutValue(Raw r) : v_(r) {}
  OutValue(const rapidjson::Value& doc) : v_(&doc) {}
  template <class T>
  OutValue(const std::optional<T>& v) : OutValue(v ? OutValue(*v) : OutValue(std::nullopt)) {}
  template <class F>
  requires std::invocable<F&, Writer&> &&
      (!std::same_as<std::remove_cvref_t<F>, OutValue>)OutValue(F&& write)
      : v_(Write(std::forward<F>(write))) {}

  bool absent() const { return std::holds_alternative<Absent>(v_); }

 private:
  friend class Writer;
  struct Absent {};
  std::variant<Absent, Null, bool, std::int64_t, std::uint64_t, double, std::string_view,
               std::string, Raw, const rapidjson::Value*, Write>
      v_;
};

// One member of an object. The key is not copied: a literal, or a string that outlives the write.
struct Field {
  std::string_view key;
  OutValue value;
};

// PrettyWriter's layout: two-space indent; single_line_arrays keeps arrays on one line.
struct Pretty {
  bool single_line_arrays = false;
};

class Writer {
 public:
  Writer();
  explicit Writer(Pretty pretty);
  // Writers point into their own buffer: neither copied nor moved.
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  // The JSON written so far.
  std::string str() const;

  // {"key": value, ...}; absent values leave their field out.
  void object(std::initializer_list<Field> fields) { object_of(fields.begin(), fields.end()); }
  void object(const std::vector<Field>& fields) {
    object_of(fields.data(), fields.data() + fields.size());
  }
  // {...} whose members `members(*this)` writes with field() and fields().
  template <class F>
  requires std::invocable<F&, Writer&>
  void object(F&& members) {
    start_object();
    members(*this);
    end_object();
  }

  // Members inside an object being written (shared groups of members, maps' entries).
  void field(std::string_view key, const OutValue& value);
  void fields(std::initializer_list<Field> fields) {
    for (const Field& f : fields) field(f.key, f.value);
  }
  void fields(const std::vector<Field>& fields) {
    for (const Field& f : fields) field(f.key, f.value);
  }

  // [...] whose elements `elements(*this)` writes with value().
  template <class F>
  requires std::invocable<F&, Writer&>
  void array(F&& elements) {
    start_array();
    elements(*this);
    end_array();
  }

  // One value where a value goes: at the top, as an array element; absent writes nothing.
  void value(const OutValue& v);
  void raw(std::string_view json) { value(Raw{json}); }

 private:
  void start_object();
  void end_object();
  void start_array();
  void end_array();
  void object_of(const Field* begin, const Field* end);
  template <class F>
  void with(F&& f) {
    if (pretty_) {
      f(*pretty_);
    } else {
      f(*compact_);
    }
  }

  rapidjson::StringBuffer buffer_;
  std::optional<rapidjson::Writer<rapidjson::StringBuffer>> compact_;
  std::optional<rapidjson::PrettyWriter<rapidjson::StringBuffer>> pretty_;
};

// A nested field list as a value.
inline OutValue object(std::vector<Field> fields) {
  return [fields = std::move(fields)](Writer& w) { w.object(fields); };
}

// nullopt as null rather than as a field left out.
template <class T>
OutValue nullable(const std::optional<T>& v) {
  return v ? OutValue(*v) : OutValue(null);
}

// A string, left out when empty.
inline OutValue unless_empty(std::string_view s) {
  return s.empty() ? OutValue(std::nullopt) : OutValue(s);
}

// [e, ...]: each element as an OutValue (numbers, strings, optionals, ...).
template <class Range>
OutValue array(const Range& elements) {
  return [&elements](Writer& w) {
    w.array([&](Writer& w) {
      for (const auto& e : elements) w.value(e);
    });
  };
}
template <class T>
OutValue array(std::initializer_list<T> elements) {
  return [copy = std::vector<T>(elements)](Writer& w) {
    w.array([&](Writer& w) {
      for (const T& e : copy) w.value(e);
    });
  };
}

// [...] with `write(w, element)` writing each element.
template <class Range, class F>
requires std::invocable < F&, Writer&, const std::ranges::range_value_t<Range>
& > OutValue array(const Range& elements, F write) {
  return [&elements, write = std::move(write)](Writer& w) mutable {
    w.array([&](Writer& w) {
      for (const auto& e : elements) write(w, e);
    });
  };
}

// {"name": value, ...} of a map's entries, in the map's order.
template <class Map>
OutValue map(const Map& entries) {
  return [&entries](Writer& w) {
    w.object([&](Writer& w) {
      for (const auto& [k, v] : entries) w.field(k, v);
    });
  };
}

// A RapidJSON value serialised compactly.
std::string to_string(const rapidjson::Value& value);

}  // namespace rbench::json
