#pragma once

#include <Poco/Dynamic/Var.h>
#include <Poco/JSON/Object.h>

#include <string>
#include <vector>

namespace baraza::config {

/**
 * The subset of JSON Schema (draft 2020-12 keywords) that plugin manifests use for their config:
 * type (one or a list of string, integer, number, boolean, object, array, null), properties,
 * required, additionalProperties (bool or schema), items, enum, const, minimum, maximum,
 * exclusiveMinimum, exclusiveMaximum, minLength, maxLength, pattern, minItems, maxItems and
 * default (applied when a configuration is built from properties). Unknown keywords are ignored,
 * as the specification says.
 */
struct SchemaError {
  std::string path;  // "" for the root, "a.b", "list[2]"
  std::string message;
};

std::vector<SchemaError> validateJson(const Poco::Dynamic::Var& value,
                                      const Poco::JSON::Object::Ptr& schema);

/** Problems with a schema itself (unknown type names, bad patterns), checked when it is loaded. */
std::vector<SchemaError> checkSchema(const Poco::JSON::Object::Ptr& schema);

/** The JSON type name of a value: "string", "integer", "number", "boolean", "object", ... */
std::string jsonTypeOf(const Poco::Dynamic::Var& value);

}  // namespace baraza::config
