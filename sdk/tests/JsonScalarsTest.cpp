// The SDK's JSON scanner: scalars by path, without a tree.
#include <gtest/gtest.h>

#include <baraza/sdk/JsonScalars.hpp>
#include <stdexcept>

namespace baraza::sdk::json {
namespace {

TEST(JsonScalars, ReadsScalarsByPathAndKeepsNestedOnesApart) {
  const Scalars m(
      R"({"outcome":"failed","code":131047,"after_ms":-1500,"ok":false,"none":null,)"
      R"("title":"line\nnext \"q\"","error_data":{"code":9,"details":"inner"},"list":[1,{"x":2}],)"
      R"("ratio":0.25,"big":18446744073709551615,"details":"outer"})");
  EXPECT_TRUE(m.isObject());
  EXPECT_EQ(m.text("outcome"), "failed");
  EXPECT_EQ(m.integer("code", 0), 131047);
  EXPECT_EQ(m.integer("after_ms", 0), -1500);
  EXPECT_FALSE(m.boolean("ok", true));
  EXPECT_EQ(m.text("title"), "line\nnext \"q\"") << "strings come unescaped";
  EXPECT_EQ(m.text("details"), "outer") << "a nested member of the same name is not this one";
  EXPECT_EQ(m.text("error_data.details"), "inner");
  EXPECT_EQ(m.integer("error_data.code", 0), 9);
  EXPECT_EQ(m.integer("list.0", 0), 1);
  EXPECT_EQ(m.integer("list.1.x", 0), 2);
  EXPECT_EQ(m.text("ratio"), "0.25") << "numbers as written";
  EXPECT_EQ(m.integer("big", 7), 7) << "past int64: not a whole number it can give";
  ASSERT_NE(m.find("none"), nullptr);
  EXPECT_EQ(m.find("none")->kind, Scalars::Kind::kNull);
  EXPECT_EQ(m.find("error_data"), nullptr) << "containers only shape the paths";
  EXPECT_EQ(m.find("x"), nullptr);
  EXPECT_EQ(m.find("missing"), nullptr);
  EXPECT_EQ(m.integer("title", 7), 7) << "not a number";
  EXPECT_TRUE(m.boolean("missing", true));
}

TEST(JsonScalars, AGraphAnswersMessageIdIsFoundByItsPath) {
  const Scalars answer(
      R"({"messaging_product":"whatsapp","contacts":[{"input":"+254700000001","wa_id":"254700000001"}],)"
      R"("messages":[{"id":"wamid.A"},{"id":"wamid.B"}]})");
  EXPECT_EQ(answer.text("messages.0.id"), "wamid.A");
  EXPECT_EQ(answer.text("messages.1.id"), "wamid.B");
  EXPECT_EQ(answer.text("contacts.0.wa_id"), "254700000001");
}

TEST(JsonScalars, PathsThroughNestedArraysAndAfterEmptyOnes) {
  const Scalars j(R"({"a":1,"b":{"c":[true,null,{"d":"x\ny"},[7,8]],"e":-2.5},"f":[],"g":"z"})");
  EXPECT_EQ(j.text("a"), "1");
  EXPECT_EQ(j.text("b.c.0"), "true");
  ASSERT_NE(j.find("b.c.1"), nullptr);
  EXPECT_EQ(j.find("b.c.1")->kind, Scalars::Kind::kNull);
  EXPECT_EQ(j.text("b.c.2.d"), "x\ny");
  EXPECT_EQ(j.text("b.c.3.0"), "7");
  EXPECT_EQ(j.text("b.c.3.1"), "8");
  EXPECT_EQ(j.text("b.e"), "-2.5");
  EXPECT_EQ(j.text("g"), "z") << "after an empty array";
  EXPECT_EQ(j.find("b"), nullptr) << "not a scalar";
}

TEST(JsonScalars, WritesAValueBackAsJson) {
  const Scalars m(R"({"s":"a\"b\u00e9","n":42,"f":1.5e3,"b":true,"z":null})");
  EXPECT_EQ(Scalars::json(*m.find("s")), "\"a\\\"b\u00e9\"");
  EXPECT_EQ(Scalars::json(*m.find("n")), "42");
  EXPECT_EQ(Scalars::json(*m.find("f")), "1.5e3");
  EXPECT_EQ(Scalars::json(*m.find("b")), "true");
  EXPECT_EQ(Scalars::json(*m.find("z")), "null");
}

TEST(JsonScalars, SaysWhatIsNotAnObjectAndRefusesWhatIsNotJson) {
  EXPECT_FALSE(Scalars("[1,2]").isObject());
  EXPECT_FALSE(Scalars("\"text\"").isObject());
  EXPECT_EQ(Scalars("\"text\"").text(""), "text") << "a scalar document is at the empty path";
  EXPECT_FALSE(Scalars("12").isObject());
  EXPECT_THROW(Scalars("{\"a\":"), std::invalid_argument);
  EXPECT_THROW(Scalars("not json"), std::invalid_argument);
  EXPECT_THROW(Scalars("{} trailing"), std::invalid_argument);
}

}  // namespace
}  // namespace baraza::sdk::json
