#pragma once

#include <Poco/JSON/Object.h>

#include <string>

#include "config/KeyReader.h"

namespace baraza::config {

/**
 * Builds a plugin's JSON configuration from the properties under `prefix` (for example
 * `plugins.echo.config`), guided by the plugin's schema: `a.b = 3` becomes {"a": {"b": 3}} with 3
 * an integer when the schema says so; arrays are written as JSON (`[1, 2]`) or comma-separated;
 * string values may be secret references. Defaults from the schema fill missing keys, then the
 * result is validated against the schema. Every problem is reported with its full property key.
 */
Poco::JSON::Object::Ptr buildSchemaConfig(KeyReader& reader, const std::string& prefix,
                                          const Poco::JSON::Object::Ptr& schema);

}  // namespace baraza::config
