#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

#include "config/JsonSchema.h"

namespace baraza::config {
namespace {

Poco::Dynamic::Var parse(const std::string& text) { return Poco::JSON::Parser().parse(text); }
Poco::JSON::Object::Ptr schema(const std::string& text) {
  return parse(text).extract<Poco::JSON::Object::Ptr>();
}

std::string errors(const std::string& value, const std::string& schemaText) {
  std::string out;
  for (const auto& e : validateJson(parse(value), schema(schemaText))) {
    out += (out.empty() ? "" : "; ") + e.path + ": " + e.message;
  }
  return out;
}

const char* kSchema = R"({
  "type": "object",
  "required": ["name"],
  "properties": {
    "name": {"type": "string", "minLength": 2, "maxLength": 5, "pattern": "^[a-z]+$"},
    "count": {"type": "integer", "minimum": 1, "maximum": 10},
    "mode": {"enum": ["fast", "safe"]},
    "nested": {"type": "object", "properties": {"on": {"type": "boolean"}}},
    "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 2}
  },
  "additionalProperties": false
})";

TEST(JsonSchema, AcceptsAValidDocument) {
  EXPECT_EQ(errors(R"({"name":"abc","count":3,"mode":"fast","nested":{"on":true},"tags":["x"]})",
                   kSchema),
            "");
}

TEST(JsonSchema, ReportsEveryViolationWithItsPath) {
  EXPECT_EQ(errors(R"({"count":11,"mode":"slow","nested":{"on":"yes"},"tags":["a",2,"c"],"x":1})",
                   kSchema),
            "name: required but missing; count: greater than the maximum 10; "
            "mode: \"slow\" is not one of \"fast\", \"safe\"; nested.on: expected boolean, got "
            "string; tags: more than 2 items; tags[1]: expected string, got integer; "
            "x: unknown key (known: count, mode, name, nested, tags)");
}

TEST(JsonSchema, ChecksStringLengthInCharactersAndPattern) {
  EXPECT_EQ(errors(R"({"name":"é"})", kSchema),
            "name: shorter than 2 characters; "
            "name: does not match the pattern ^[a-z]+$");
  EXPECT_EQ(errors(R"({"name":"abcdef"})", kSchema), "name: longer than 5 characters");
}

TEST(JsonSchema, IntegerIsANumberButNotTheReverse) {
  EXPECT_EQ(errors(R"({"n":3})", R"({"properties":{"n":{"type":"number"}}})"), "");
  EXPECT_EQ(errors(R"({"n":3.5})", R"({"properties":{"n":{"type":"integer"}}})"),
            "n: expected integer, got number");
}

TEST(JsonSchema, CheckSchemaFindsUnknownTypesAndBadPatterns) {
  auto found = checkSchema(schema(R"({"properties":{"a":{"type":"text"},"b":{"pattern":"("}}})"));
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].path, "a");
  EXPECT_EQ(found[1].path, "b");
}

}  // namespace
}  // namespace baraza::config
