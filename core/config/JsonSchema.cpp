#include "config/JsonSchema.h"

#include <Poco/JSON/Array.h>

#include <cmath>
#include <regex>
#include <set>

namespace baraza::config {
namespace {

using Poco::Dynamic::Var;
using Poco::JSON::Array;
using Poco::JSON::Object;

const std::set<std::string> kTypeNames = {"string", "integer", "number", "boolean",
                                          "object", "array",   "null"};

std::string join(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

bool isObject(const Var& v) { return v.type() == typeid(Object::Ptr); }
bool isArray(const Var& v) { return v.type() == typeid(Array::Ptr); }

bool typeMatches(const Var& value, const std::string& type) {
  const std::string actual = jsonTypeOf(value);
  return actual == type || (type == "number" && actual == "integer");
}

/** UTF-8 code points, as JSON Schema counts string length. */
size_t codePoints(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

std::string describe(const Var& v) {
  if (v.isString()) return "\"" + v.extract<std::string>() + "\"";
  return v.isEmpty() ? "null" : v.toString();
}

class Validator {
 public:
  explicit Validator(std::vector<SchemaError>& errors) : errors_(errors) {}

  void validate(const Var& value, const Object::Ptr& schema, const std::string& path) {
    if (schema.isNull()) return;
    if (!checkType(value, schema, path)) return;  // the rest would only repeat the type error
    checkEnum(value, schema, path);
    if (value.isString()) checkString(value.extract<std::string>(), schema, path);
    if (value.isNumeric()) checkNumber(value.convert<double>(), schema, path);
    if (isObject(value)) checkObject(value.extract<Object::Ptr>(), schema, path);
    if (isArray(value)) checkArray(value.extract<Array::Ptr>(), schema, path);
  }

 private:
  void fail(const std::string& path, std::string message) {
    errors_.push_back({path, std::move(message)});
  }

  bool checkType(const Var& value, const Object::Ptr& schema, const std::string& path) {
    if (!schema->has("type")) return true;
    Var type = schema->get("type");
    std::vector<std::string> allowed;
    if (isArray(type)) {
      for (const auto& t : *type.extract<Array::Ptr>()) allowed.push_back(t.toString());
    } else {
      allowed.push_back(type.toString());
    }
    for (const auto& t : allowed) {
      if (typeMatches(value, t)) return true;
    }
    std::string expected;
    for (const auto& t : allowed) expected += (expected.empty() ? "" : " or ") + t;
    fail(path, "expected " + expected + ", got " + jsonTypeOf(value));
    return false;
  }

  void checkEnum(const Var& value, const Object::Ptr& schema, const std::string& path) {
    if (schema->has("const") && describe(schema->get("const")) != describe(value)) {
      fail(path, "must be " + describe(schema->get("const")));
    }
    if (!schema->has("enum")) return;
    Array::Ptr options = schema->getArray("enum");
    if (options.isNull()) return;
    std::string list;
    for (const auto& option : *options) {
      if (describe(option) == describe(value)) return;
      list += (list.empty() ? "" : ", ") + describe(option);
    }
    fail(path, describe(value) + " is not one of " + list);
  }

  void checkString(const std::string& s, const Object::Ptr& schema, const std::string& path) {
    const size_t length = codePoints(s);
    if (schema->has("minLength") && length < schema->getValue<size_t>("minLength")) {
      fail(path, "shorter than " + schema->get("minLength").toString() + " characters");
    }
    if (schema->has("maxLength") && length > schema->getValue<size_t>("maxLength")) {
      fail(path, "longer than " + schema->get("maxLength").toString() + " characters");
    }
    if (schema->has("pattern")) {
      const std::string pattern = schema->getValue<std::string>("pattern");
      try {
        if (!std::regex_search(s, std::regex(pattern, std::regex::ECMAScript))) {
          fail(path, "does not match the pattern " + pattern);
        }
      } catch (const std::regex_error&) {
        fail(path, "the schema's pattern " + pattern + " is not a valid regular expression");
      }
    }
  }

  void checkNumber(double n, const Object::Ptr& schema, const std::string& path) {
    auto bound = [&](const char* key) { return schema->getValue<double>(key); };
    if (schema->has("minimum") && n < bound("minimum")) {
      fail(path, "less than the minimum " + schema->get("minimum").toString());
    }
    if (schema->has("maximum") && n > bound("maximum")) {
      fail(path, "greater than the maximum " + schema->get("maximum").toString());
    }
    if (schema->has("exclusiveMinimum") && n <= bound("exclusiveMinimum")) {
      fail(path, "must be greater than " + schema->get("exclusiveMinimum").toString());
    }
    if (schema->has("exclusiveMaximum") && n >= bound("exclusiveMaximum")) {
      fail(path, "must be less than " + schema->get("exclusiveMaximum").toString());
    }
  }

  void checkObject(const Object::Ptr& object, const Object::Ptr& schema, const std::string& path) {
    Object::Ptr properties = schema->getObject("properties");
    if (Array::Ptr required = schema->getArray("required")) {
      for (const auto& name : *required) {
        if (!object->has(name.toString()))
          fail(join(path, name.toString()), "required but missing");
      }
    }
    for (const auto& [key, value] : *object) {
      if (!properties.isNull() && properties->has(key)) {
        validate(value, properties->getObject(key), join(path, key));
        continue;
      }
      if (!schema->has("additionalProperties")) continue;
      Var extra = schema->get("additionalProperties");
      if (isObject(extra)) {
        validate(value, extra.extract<Object::Ptr>(), join(path, key));
      } else if (extra.isBoolean() && !extra.extract<bool>()) {
        fail(join(path, key), "unknown key" + allowedKeys(properties));
      }
    }
  }

  static std::string allowedKeys(const Object::Ptr& properties) {
    if (properties.isNull() || properties->size() == 0) return " (this plugin takes no settings)";
    std::string list;
    for (const auto& [name, unused] : *properties) list += (list.empty() ? "" : ", ") + name;
    return " (known: " + list + ")";
  }

  void checkArray(const Array::Ptr& array, const Object::Ptr& schema, const std::string& path) {
    if (schema->has("minItems") && array->size() < schema->getValue<size_t>("minItems")) {
      fail(path, "fewer than " + schema->get("minItems").toString() + " items");
    }
    if (schema->has("maxItems") && array->size() > schema->getValue<size_t>("maxItems")) {
      fail(path, "more than " + schema->get("maxItems").toString() + " items");
    }
    Object::Ptr items = schema->getObject("items");
    for (size_t i = 0; !items.isNull() && i < array->size(); ++i) {
      validate(array->get(static_cast<unsigned>(i)), items, path + "[" + std::to_string(i) + "]");
    }
  }

  std::vector<SchemaError>& errors_;
};

void checkSchemaNode(const Object::Ptr& schema, const std::string& path,
                     std::vector<SchemaError>& errors) {
  if (schema.isNull()) return;
  if (schema->has("type")) {
    Var type = schema->get("type");
    std::vector<std::string> names;
    if (isArray(type)) {
      for (const auto& t : *type.extract<Array::Ptr>()) names.push_back(t.toString());
    } else {
      names.push_back(type.toString());
    }
    for (const auto& name : names) {
      if (!kTypeNames.count(name)) errors.push_back({path, "unknown type \"" + name + "\""});
    }
  }
  if (schema->has("pattern")) {
    try {
      std::regex(schema->getValue<std::string>("pattern"), std::regex::ECMAScript);
    } catch (const std::regex_error&) {
      errors.push_back({path, "pattern is not a valid regular expression"});
    }
  }
  if (Object::Ptr properties = schema->getObject("properties")) {
    for (const auto& [key, sub] : *properties) {
      if (!isObject(sub)) {
        errors.push_back({join(path, key), "property schema must be an object"});
        continue;
      }
      checkSchemaNode(sub.extract<Object::Ptr>(), join(path, key), errors);
    }
  }
  checkSchemaNode(schema->getObject("items"), path + "[]", errors);
  if (schema->has("additionalProperties") && isObject(schema->get("additionalProperties"))) {
    checkSchemaNode(schema->getObject("additionalProperties"), join(path, "*"), errors);
  }
}

}  // namespace

std::string jsonTypeOf(const Var& value) {
  if (value.isEmpty()) return "null";
  if (isObject(value)) return "object";
  if (isArray(value)) return "array";
  if (value.isBoolean()) return "boolean";
  if (value.isString()) return "string";
  if (value.isInteger()) return "integer";
  if (value.isNumeric()) {
    const double d = value.convert<double>();
    return std::floor(d) == d && std::isfinite(d) ? "integer" : "number";
  }
  return "unknown";
}

std::vector<SchemaError> validateJson(const Var& value, const Object::Ptr& schema) {
  std::vector<SchemaError> errors;
  Validator(errors).validate(value, schema, "");
  return errors;
}

std::vector<SchemaError> checkSchema(const Object::Ptr& schema) {
  std::vector<SchemaError> errors;
  checkSchemaNode(schema, "", errors);
  return errors;
}

}  // namespace baraza::config
