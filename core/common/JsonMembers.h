// The top-level members of a small JSON object, read with Poco's parser but without building its
// object tree: for the few flat documents read once per message sent (the stored request's header,
// the channel plugin's verdict), where the tree cost two thirds of the parse.
// (Include only from .cpp files: it pulls in Poco's JSON parser.)
#pragma once

#include <Poco/Exception.h>
#include <Poco/JSON/Handler.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSONString.h>
#include <Poco/NumberFormatter.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace baraza::jsontext {

class Members {
 public:
  enum class Kind { kString, kNumber, kBool, kNull, kContainer };
  struct Member {
    std::string key;
    Kind kind;
    std::string
        text;  // strings unescaped, numbers as written, true/false; "" for null and containers
  };

  /** Throws Poco::Exception (Poco::DataFormatException included) when `json` is not an object. */
  explicit Members(const std::string& json) {
    Poco::SharedPtr<Collector> collector = new Collector(members_);
    Poco::JSON::Parser parser(collector);
    parser.parse(json);
    if (!collector->wasObject()) throw Poco::DataFormatException("not a JSON object");
  }

  /** The member named `key`, or null. */
  const Member* find(std::string_view key) const& {
    for (const Member& m : members_) {
      if (m.key == key) return &m;
    }
    return nullptr;
  }
  const Member* find(std::string_view key) const&& = delete;  // would point into a destroyed object

  /** A scalar member as text; "" when absent, null or a container. */
  std::string text(std::string_view key) const {
    const Member* m = find(key);
    return m ? m->text : std::string();
  }
  /** A number member; `otherwise` when absent or not a whole number. */
  int64_t integer(std::string_view key, int64_t otherwise) const {
    const Member* m = find(key);
    if (m == nullptr || m->kind != Kind::kNumber) return otherwise;
    try {
      size_t used = 0;
      const int64_t v = std::stoll(m->text, &used);
      return used == m->text.size() ? v : otherwise;
    } catch (const std::exception&) {
      return otherwise;
    }
  }
  /** A boolean member; `otherwise` when absent or not a boolean. */
  bool boolean(std::string_view key, bool otherwise) const {
    const Member* m = find(key);
    return m && m->kind == Kind::kBool ? m->text == "true" : otherwise;
  }
  /** The member's value as JSON text again (containers are not kept: null). */
  static std::string json(const Member& m) {
    switch (m.kind) {
      case Kind::kString:
        return Poco::toJSON(m.text);
      case Kind::kNumber:
      case Kind::kBool:
        return m.text;
      default:
        return "null";
    }
  }

 private:
  /** Parser callbacks: keeps top-level scalars; a container member is noted, its insides skipped.
   */
  class Collector : public Poco::JSON::Handler {
   public:
    explicit Collector(std::vector<Member>& members) : members_(members) {}
    void reset() override { depth_ = 0; }
    void startObject() override { open(true); }
    void endObject() override { --depth_; }
    void startArray() override { open(false); }
    void endArray() override { --depth_; }
    void key(const std::string& k) override {
      if (depth_ == 1) key_ = k;
    }
    void null() override { add(Kind::kNull, {}); }
    void value(int v) override { add(Kind::kNumber, std::to_string(v)); }
    void value(unsigned v) override { add(Kind::kNumber, std::to_string(v)); }
    void value(Poco::Int64 v) override { add(Kind::kNumber, std::to_string(v)); }
    void value(Poco::UInt64 v) override { add(Kind::kNumber, std::to_string(v)); }
    void value(double v) override { add(Kind::kNumber, Poco::NumberFormatter::format(v)); }
    void value(const std::string& v) override { add(Kind::kString, v); }
    void value(bool v) override { add(Kind::kBool, v ? "true" : "false"); }
    Poco::Dynamic::Var asVar() const override { return {}; }
    Poco::DynamicStruct asStruct() const override { return {}; }
    bool wasObject() const { return object_; }

   private:
    void open(bool object) {
      if (depth_ == 0) object_ = object;  // the document itself
      if (depth_ == 1) members_.push_back({key_, Kind::kContainer, {}});
      ++depth_;
    }
    void add(Kind kind, std::string text) {
      if (depth_ == 1) members_.push_back({key_, kind, std::move(text)});
    }

    std::vector<Member>& members_;
    std::string key_;
    int depth_ = 0;
    bool object_ = false;  // a scalar document leaves it false
  };

  std::vector<Member> members_;
};

}  // namespace baraza::jsontext
