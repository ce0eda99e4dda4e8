// config/flows/airtime.json and the airtime plugin must agree: the screens the plugin answers
// with, the routes between them, and the data each screen declares.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

namespace {

using nlohmann::json;

json flowJson() {
  std::ifstream in(FLOW_JSON);
  return json::parse(in);
}

json screen(const json& flow, const std::string& id) {
  for (const auto& s : flow["screens"]) {
    if (s["id"] == id) return s;
  }
  return json();
}

std::set<std::string> dataKeys(const json& s) {
  std::set<std::string> out;
  for (const auto& [key, value] : s["data"].items()) out.insert(key);
  return out;
}

TEST(AirtimeFlowJson, IsAnEndpointFlowWithTheScreensThePluginAnswers) {
  const json flow = flowJson();
  EXPECT_EQ(flow["version"], "7.3");
  EXPECT_EQ(flow["data_api_version"], "3.0");
  ASSERT_FALSE(screen(flow, "RECHARGE").is_null());
  ASSERT_FALSE(screen(flow, "CONFIRM").is_null());
  EXPECT_EQ(flow["routing_model"]["RECHARGE"][0], "CONFIRM");
  EXPECT_TRUE(screen(flow, "CONFIRM")["terminal"].get<bool>());
}

TEST(AirtimeFlowJson, ScreensDeclareTheDataThePluginSends) {
  const json flow = flowJson();
  EXPECT_EQ(dataKeys(screen(flow, "RECHARGE")),
            (std::set<std::string>{"networks", "min_amount", "max_amount", "currency"}));
  EXPECT_EQ(dataKeys(screen(flow, "CONFIRM")),
            (std::set<std::string>{"phone", "network", "network_name", "amount", "summary"}));
}

}  // namespace
