// Small helpers for the JSON text that crosses the ABI. Plugins are free to parse it with any
// library they like; these cover the common case of writing it without one.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

namespace baraza::sdk::json {

/** Appends `text` to `out` as a JSON string literal, quotes included. */
inline void appendQuoted(std::string& out, std::string_view text) {
  out.push_back('"');
  for (unsigned char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          char escaped[8];
          std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
          out += escaped;
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out.push_back('"');
}

inline std::string quote(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  appendQuoted(out, text);
  return out;
}

/**
 * Builds one JSON object: `Object().add("to", to).add("text", Raw(body)).str()`.
 * Values are strings, numbers, booleans, or Raw (already-serialised JSON).
 */
class Object {
 public:
  struct Raw {
    std::string_view json;
  };

  Object& add(std::string_view key, std::string_view value) { return key_(key).appendValue(value); }
  Object& add(std::string_view key, const char* value) { return add(key, std::string_view(value)); }
  Object& add(std::string_view key, const std::string& value) {
    return add(key, std::string_view(value));
  }
  Object& add(std::string_view key, Raw value) {
    key_(key);
    text_ += value.json;
    return *this;
  }
  Object& add(std::string_view key, bool value) {
    key_(key);
    text_ += value ? "true" : "false";
    return *this;
  }
  Object& add(std::string_view key, long long value) {
    key_(key);
    text_ += std::to_string(value);
    return *this;
  }
  Object& add(std::string_view key, int value) { return add(key, static_cast<long long>(value)); }

  std::string str() const { return text_ + "}"; }

 private:
  Object& key_(std::string_view key) {
    text_ += text_.size() > 1 ? "," : "";
    appendQuoted(text_, key);
    text_.push_back(':');
    return *this;
  }
  Object& appendValue(std::string_view value) {
    appendQuoted(text_, value);
    return *this;
  }

  std::string text_ = "{";
};

}  // namespace baraza::sdk::json
