#include <Poco/Exception.h>
#include <gtest/gtest.h>

#include "common/JsonMembers.h"

namespace baraza::jsontext {
namespace {

TEST(JsonMembers, ReadsTopLevelScalarsAndSkipsWhatContainersHold) {
  const Members m(
      R"({"outcome":"failed","code":131047,"after_ms":-1500,"ok":false,"none":null,)"
      R"("title":"line\nnext \"q\"","error_data":{"code":9,"details":"inner"},"list":[1,{"x":2}],)"
      R"("details":"outer"})");
  EXPECT_EQ(m.text("outcome"), "failed");
  EXPECT_EQ(m.integer("code", 0), 131047);
  EXPECT_EQ(m.integer("after_ms", 0), -1500);
  EXPECT_FALSE(m.boolean("ok", true));
  EXPECT_EQ(m.text("title"), "line\nnext \"q\"") << "strings come unescaped";
  EXPECT_EQ(m.text("details"), "outer")
      << "a nested member of the same name is not the top-level one";
  ASSERT_NE(m.find("none"), nullptr);
  EXPECT_EQ(m.find("none")->kind, Members::Kind::kNull);
  ASSERT_NE(m.find("error_data"), nullptr);
  EXPECT_EQ(m.find("error_data")->kind, Members::Kind::kContainer);
  EXPECT_EQ(m.find("x"), nullptr);
  EXPECT_EQ(m.find("missing"), nullptr);
  EXPECT_EQ(m.integer("title", 7), 7) << "not a number";
  EXPECT_TRUE(m.boolean("missing", true));
}

TEST(JsonMembers, WritesAMemberBackAsJson) {
  const Members m(R"({"s":"a\"b","n":42,"b":true,"z":null,"o":{"k":1}})");
  EXPECT_EQ(Members::json(*m.find("s")), R"("a\"b")");
  EXPECT_EQ(Members::json(*m.find("n")), "42");
  EXPECT_EQ(Members::json(*m.find("b")), "true");
  EXPECT_EQ(Members::json(*m.find("z")), "null");
  EXPECT_EQ(Members::json(*m.find("o")), "null") << "containers are not kept";
}

TEST(JsonMembers, RefusesWhatIsNotAnObject) {
  EXPECT_THROW(Members("[1,2]"), Poco::Exception);
  EXPECT_THROW(Members("\"text\""), Poco::Exception);
  EXPECT_THROW(Members("12"), Poco::Exception);
  EXPECT_THROW(Members("{\"a\":"), Poco::Exception);
  EXPECT_THROW(Members("not json"), Poco::Exception);
}

}  // namespace
}  // namespace baraza::jsontext
