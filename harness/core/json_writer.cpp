#include "harness/core/json_writer.h"

namespace rbench::json {
namespace {

// RawValue's type only feeds RapidJSON's assertions on the document's shape.
rapidjson::Type raw_type(std::string_view text) {
  if (text.empty()) return rapidjson::kNullType;
  switch (text.front()) {
    case '{':
      return rapidjson::kObjectType;
    case '[':
      return rapidjson::kArrayType;
    case '"':
      return rapidjson::kStringType;
    default:
      return rapidjson::kNumberType;
  }
}

rapidjson::SizeType size_of(std::string_view s) {
  return static_cast<rapidjson::SizeType>(s.size());
}

}  // namespace

Writer::Writer() {
  compact_.emplace(buffer_);
}

Writer::Writer(Pretty pretty) {
  pretty_.emplace(buffer_);
  pretty_->SetIndent(' ', 2);
  if (pretty.single_line_arrays) pretty_->SetFormatOptions(rapidjson::kFormatSingleLineArray);
}

std::string Writer::str() const {
  return std::string(buffer_.GetString(), buffer_.GetSize());
}

void Writer::start_object() {
  with([](auto& w) { w.StartObject(); });
}
void Writer::end_object() {
  with([](auto& w) { w.EndObject(); });
}
void Writer::start_array() {
  with([](auto& w) { w.StartArray(); });
}
void Writer::end_array() {
  with([](auto& w) { w.EndArray(); });
}

void Writer::object_of(const Field* begin, const Field* end) {
  start_object();
  for (const Field* f = begin; f != end; ++f) field(f->key, f->value);
  end_object();
}

void Writer::field(std::string_view key, const OutValue& value) {
  if (value.absent()) return;
  with([&](auto& w) { w.Key(key.data(), size_of(key)); });
  this->value(value);
}

void Writer::value(const OutValue& value) {
  struct Visit {
    Writer& self;
    void operator()(const OutValue::Absent&) const {}
    void operator()(const Null&) const {
      self.with([](auto& w) { w.Null(); });
    }
    void operator()(bool b) const {
      self.with([&](auto& w) { w.Bool(b); });
    }
    void operator()(std::int64_t n) const {
      self.with([&](auto& w) { w.Int64(n); });
    }
    void operator()(std::uint64_t n) const {
      self.with([&](auto& w) { w.Uint64(n); });
    }
    void operator()(double d) const {
      self.with([&](auto& w) { w.Double(d); });
    }
    void operator()(std::string_view s) const {
      self.with([&](auto& w) { w.String(s.data(), size_of(s)); });
    }
    void operator()(const std::string& s) const { (*this)(std::string_view(s)); }
    void operator()(const Raw& r) const {
      self.with([&](auto& w) { w.RawValue(r.text.data(), r.text.size(), raw_type(r.text)); });
    }
    void operator()(const rapidjson::Value* doc) const {
      self.with([&](auto& w) { doc->Accept(w); });
    }
    void operator()(const OutValue::Write& write) const { write(self); }
  };
  std::visit(Visit{*this}, value.v_);
}

std::string to_string(const rapidjson::Value& value) {
  Writer w;
  w.value(value);
  return w.str();
}

}  // namespace rbench::json
