// config/flows/airtime.json and the airtime plugin must agree: the screens the plugin answers
// with, the routes between them, and the data each screen declares.
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

namespace {

using Poco::JSON::Object;

Object::Ptr flowJson() {
  std::ifstream in(FLOW_JSON);
  std::stringstream text;
  text << in.rdbuf();
  return Poco::JSON::Parser().parse(text.str()).extract<Object::Ptr>();
}

Object::Ptr screen(const Object::Ptr& flow, const std::string& id) {
  auto screens = flow->getArray("screens");
  for (size_t i = 0; i < screens->size(); ++i) {
    if (screens->getObject(static_cast<unsigned>(i))->getValue<std::string>("id") == id) {
      return screens->getObject(static_cast<unsigned>(i));
    }
  }
  return nullptr;
}

std::set<std::string> dataKeys(const Object::Ptr& s) {
  std::vector<std::string> names;
  s->getObject("data")->getNames(names);
  return {names.begin(), names.end()};
}

TEST(AirtimeFlowJson, IsAnEndpointFlowWithTheScreensThePluginAnswers) {
  Object::Ptr flow = flowJson();
  EXPECT_EQ(flow->getValue<std::string>("version"), "7.3");
  EXPECT_EQ(flow->getValue<std::string>("data_api_version"), "3.0");
  ASSERT_FALSE(screen(flow, "RECHARGE").isNull());
  ASSERT_FALSE(screen(flow, "CONFIRM").isNull());
  EXPECT_EQ(flow->getObject("routing_model")->getArray("RECHARGE")->getElement<std::string>(0),
            "CONFIRM");
  EXPECT_TRUE(screen(flow, "CONFIRM")->getValue<bool>("terminal"));
}

TEST(AirtimeFlowJson, ScreensDeclareTheDataThePluginSends) {
  Object::Ptr flow = flowJson();
  EXPECT_EQ(dataKeys(screen(flow, "RECHARGE")),
            (std::set<std::string>{"networks", "min_amount", "max_amount", "currency"}));
  EXPECT_EQ(dataKeys(screen(flow, "CONFIRM")),
            (std::set<std::string>{"phone", "network", "network_name", "amount", "summary"}));
}

}  // namespace
