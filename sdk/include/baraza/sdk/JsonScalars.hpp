// The scalar values of a JSON document by path, read with nlohmann/json's SAX parser without
// building a tree: for the few fields read from documents that pass on every message (a provider's
// answer, a verdict, a stored header), where building the tree is most of the cost. The host uses
// it too. Needs nlohmann/json (Debian: nlohmann-json3-dev), which this header alone includes.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace baraza::sdk::json {

class Scalars {
 public:
  enum class Kind { kString, kNumber, kBool, kNull };
  struct Value {
    std::string path;  // members by name, array elements by index: "messages.0.id"
    Kind kind;
    std::string text;  // strings unescaped, numbers as written, true/false; "" for null
  };

  /** Throws std::invalid_argument when `text` is not JSON. */
  explicit Scalars(std::string_view text) {
    Collector collector(values_);
    if (!nlohmann::json::sax_parse(text, &collector)) {
      throw std::invalid_argument("not valid JSON: " + collector.error);
    }
    object_ = collector.object;
  }

  /** Whether the document is an object (and not an array or a scalar). */
  bool isObject() const { return object_; }

  /** The scalar at `path`, or null when absent or a container. */
  const Value* find(std::string_view path) const& {
    for (const Value& v : values_) {
      if (v.path == path) return &v;
    }
    return nullptr;
  }
  /** Not on a temporary: what it returns would point into freed memory. */
  const Value* find(std::string_view path) const&& = delete;

  /** A scalar as text; "" when absent, null or a container. */
  std::string text(std::string_view path) const {
    const Value* v = find(path);
    return v ? v->text : std::string();
  }
  /** A whole number; `otherwise` when absent or not one. */
  int64_t integer(std::string_view path, int64_t otherwise) const {
    const Value* v = find(path);
    if (v == nullptr || v->kind != Kind::kNumber) return otherwise;
    try {
      size_t used = 0;
      const int64_t n = std::stoll(v->text, &used);
      return used == v->text.size() ? n : otherwise;
    } catch (const std::exception&) {
      return otherwise;
    }
  }
  /** A boolean; `otherwise` when absent or not one. */
  bool boolean(std::string_view path, bool otherwise) const {
    const Value* v = find(path);
    return v && v->kind == Kind::kBool ? v->text == "true" : otherwise;
  }
  /** The value as JSON text again. */
  static std::string json(const Value& v) {
    switch (v.kind) {
      case Kind::kString:
        return nlohmann::json(v.text).dump();
      case Kind::kNumber:
      case Kind::kBool:
        return v.text;
      case Kind::kNull:
        break;
    }
    return "null";
  }

 private:
  /** SAX callbacks: keeps each scalar with its path; containers only shape the paths. */
  struct Collector {
    using json = nlohmann::json;
    explicit Collector(std::vector<Value>& values) : values(values) {}

    bool null() { return add(Kind::kNull, {}); }
    bool boolean(bool b) { return add(Kind::kBool, b ? "true" : "false"); }
    bool number_integer(json::number_integer_t n) { return add(Kind::kNumber, std::to_string(n)); }
    bool number_unsigned(json::number_unsigned_t n) {
      return add(Kind::kNumber, std::to_string(n));
    }
    bool number_float(json::number_float_t, const json::string_t& written) {
      return add(Kind::kNumber, written);
    }
    bool string(json::string_t& s) { return add(Kind::kString, std::move(s)); }
    bool binary(json::binary_t&) { return add(Kind::kNull, {}); }  // not produced by JSON text
    bool start_object(std::size_t) { return open(false); }
    bool end_object() { return close(); }
    bool start_array(std::size_t) { return open(true); }
    bool end_array() { return close(); }
    bool key(json::string_t& k) {
      key_ = std::move(k);
      return true;
    }
    bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& e) {
      error = e.what();
      return false;
    }

    struct Frame {
      std::string path;  // of the container, "" at the top
      bool array;
      std::size_t index = 0;  // of the next element, in an array
    };
    /** The path of the value being read now. */
    std::string here() const {
      if (frames_.empty()) return {};
      const Frame& f = frames_.back();
      std::string name = f.array ? std::to_string(f.index) : key_;
      return f.path.empty() ? name : f.path + "." + name;
    }
    void next() {
      if (!frames_.empty() && frames_.back().array) ++frames_.back().index;
    }
    bool add(Kind kind, std::string text) {
      values.push_back({here(), kind, std::move(text)});
      next();
      return true;
    }
    bool open(bool array) {
      if (frames_.empty()) object = !array;
      frames_.push_back({here(), array});
      return true;
    }
    bool close() {
      frames_.pop_back();
      next();
      return true;
    }

    std::vector<Value>& values;
    bool object = false;
    std::string error;
    std::vector<Frame> frames_;
    std::string key_;
  };

  std::vector<Value> values_;
  bool object_ = false;
};

}  // namespace baraza::sdk::json
