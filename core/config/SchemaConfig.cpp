#include "config/SchemaConfig.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>
#include <Poco/NumberParser.h>
#include <Poco/String.h>
#include <Poco/StringTokenizer.h>

#include <map>
#include <set>

#include "config/JsonSchema.h"
#include "config/SecretRef.h"

namespace baraza::config {
namespace {

using Poco::Dynamic::Var;
using Poco::JSON::Array;
using Poco::JSON::Object;

std::string firstType(const Object::Ptr& schema) {
  if (schema.isNull() || !schema->has("type")) return "string";
  Var type = schema->get("type");
  if (type.type() == typeid(Array::Ptr)) {
    Array::Ptr types = type.extract<Array::Ptr>();
    // Prefer the most specific reading of a property value: a number before a string.
    for (const char* t : {"integer", "number", "boolean", "array", "object", "string"}) {
      for (const auto& candidate : *types) {
        if (candidate.toString() == t) return t;
      }
    }
    return "string";
  }
  return type.toString();
}

class Builder {
 public:
  explicit Builder(KeyReader& reader) : reader_(reader) {}

  Object::Ptr object(const std::string& prefix, const Object::Ptr& schema) {
    Object::Ptr out = new Object;
    Object::Ptr properties = schema.isNull() ? nullptr : schema->getObject("properties");
    Object::Ptr extra = nullptr;
    if (!schema.isNull() && schema->has("additionalProperties") &&
        schema->get("additionalProperties").type() == typeid(Object::Ptr)) {
      extra = schema->getObject("additionalProperties");
    }
    Poco::Util::AbstractConfiguration::Keys keys;
    reader_.config().keys(prefix, keys);
    for (const auto& name : keys) {
      const std::string key = prefix + "." + name;
      Object::Ptr sub =
          !properties.isNull() && properties->has(name) ? properties->getObject(name) : extra;
      // Unknown keys (sub == nullptr) are read as strings and rejected by validation when the
      // schema forbids additional properties, so the message lists the keys it does know.
      Var value = this->value(key, sub);
      if (!value.isEmpty() || firstType(sub) == "null") out->set(name, value);
    }
    if (!properties.isNull()) {
      for (const auto& [name, sub] : *properties) {
        Object::Ptr subSchema =
            sub.type() == typeid(Object::Ptr) ? sub.extract<Object::Ptr>() : nullptr;
        if (!out->has(name) && !subSchema.isNull() && subSchema->has("default")) {
          out->set(name, subSchema->get("default"));
        }
      }
    }
    return out;
  }

 private:
  Var value(const std::string& key, const Object::Ptr& schema) {
    const std::string type = firstType(schema);
    if (type == "object") return object(key, schema);
    reader_.claimKey(key);
    if (!reader_.config().hasProperty(key)) {
      Poco::Util::AbstractConfiguration::Keys children;
      reader_.config().keys(key, children);
      if (!children.empty()) fail(key, "expected a single value, found nested keys");
      return Var();
    }
    auto resolved =
        resolveSecretRefs(Poco::trim(reader_.config().getRawString(key)), reader_.baseDir());
    if (!resolved.isOk()) {
      fail(key, resolved.status().message());
      return Var();
    }
    const std::string& text = *resolved;
    if (text != Poco::trim(reader_.config().getRawString(key))) {
      resolvedFrom_[key] = {Poco::trim(reader_.config().getRawString(key)), text};
    }
    if (type == "array")
      return array(key, text, schema.isNull() ? nullptr : schema->getObject("items"));
    return scalar(key, text, type);
  }

  Var array(const std::string& key, const std::string& text, const Object::Ptr& items) {
    if (!text.empty() && text.front() == '[') {
      try {
        return Poco::JSON::Parser().parse(text);
      } catch (const Poco::Exception& e) {
        fail(key, "not a valid JSON array: " + e.message());
        return Var();
      }
    }
    Array::Ptr out = new Array;
    Poco::StringTokenizer tokens(
        text, ",", Poco::StringTokenizer::TOK_TRIM | Poco::StringTokenizer::TOK_IGNORE_EMPTY);
    for (const auto& token : tokens) out->add(scalar(key, token, firstType(items)));
    return out;
  }

  Var scalar(const std::string& key, const std::string& text, const std::string& type) {
    if (type == "integer") {
      Poco::Int64 n = 0;
      if (Poco::NumberParser::tryParse64(text, n)) return n;
    } else if (type == "number") {
      double d = 0;
      if (Poco::NumberParser::tryParseFloat(text, d)) return d;
    } else if (type == "boolean") {
      bool b = false;
      if (text == "true" || text == "false") return text == "true";
      if (Poco::NumberParser::tryParseBool(text, b)) return b;
    } else if (type == "null" && text.empty()) {
      return Var();
    } else {
      return text;
    }
    fail(key, shown(key, text) + " is not " + (type == "integer" ? "an " : "a ") + type);
    return Var();
  }

  /** `text` quoted for a message, or, when it came from a secret reference, that reference. */
  std::string shown(const std::string& key, const std::string& text) const {
    auto ref = resolvedFrom_.find(key);
    return ref == resolvedFrom_.end() ? "\"" + text + "\"" : "the value of " + ref->second.first;
  }

 public:
  /** Keys that already have a problem; validation would only repeat it as "missing". */
  const std::set<std::string>& failed() const { return failed_; }

  /**
   * A validation message about `key` fit to print: a value read through a secret reference
   * (file:, ${env:}) is replaced by the reference, so that no secret reaches config check's output.
   */
  std::string redacted(const std::string& key, std::string message) const {
    auto ref = resolvedFrom_.find(key);
    if (ref == resolvedFrom_.end() || ref->second.second.empty()) return message;
    const auto& [raw, value] = ref->second;
    for (const std::string& form : {"\"" + value + "\"", value}) {
      for (size_t at = message.find(form); at != std::string::npos; at = message.find(form, at)) {
        message.replace(at, form.size(), "the value of " + raw);
        at += raw.size();
      }
    }
    return message;
  }

 private:
  void fail(const std::string& key, const std::string& message) {
    reader_.problem(key, message);
    failed_.insert(key);
  }

  KeyReader& reader_;
  std::set<std::string> failed_;
  std::map<std::string, std::pair<std::string, std::string>>
      resolvedFrom_;  // key -> (reference, value)
};

}  // namespace

Object::Ptr buildSchemaConfig(KeyReader& reader, const std::string& prefix,
                              const Object::Ptr& schema) {
  if (reader.config().hasProperty(prefix)) {
    reader.claimKey(prefix);
    reader.problem(prefix, "expected keys below it (" + prefix + ".<name> = ...)");
  }
  reader.claimPrefix(prefix + ".");
  Builder builder(reader);
  Object::Ptr config = builder.object(prefix, schema);
  for (const auto& error : validateJson(config, schema)) {
    const std::string key = error.path.empty() ? prefix : prefix + "." + error.path;
    if (!builder.failed().count(key)) reader.problem(key, builder.redacted(key, error.message));
  }
  return config;
}

}  // namespace baraza::config
