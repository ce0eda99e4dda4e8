// config/flows/kyc.json and the kyc plugin (and the assistant that reads its completion) must
// agree: the screens the plugin answers with, the data each screen declares, what each footer
// sends.
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

std::set<std::string> keys(const json& o) {
  std::set<std::string> out;
  for (const auto& [k, v] : o.items()) out.insert(k);
  return out;
}

json footerAction(const json& s) {
  for (const auto& child : s["layout"]["children"]) {
    if (child["type"] == "Footer") return child["on-click-action"];
  }
  return json();
}

// What the plugin puts in RESULT's data, and what the assistant reads of the completion.
const std::set<std::string> kResultData = {"title",         "summary", "result", "document_type",
                                           "number",        "pin",     "name",   "pin_status",
                                           "taxpayer_type", "active"};
const std::set<std::string> kCompletion = {"result", "document_type", "number",        "pin",
                                           "name",   "pin_status",    "taxpayer_type", "active"};

TEST(KycFlowJson, IsAnEndpointFlowWithTheScreensThePluginAnswers) {
  const json flow = flowJson();
  EXPECT_EQ(flow["version"], "7.3");
  EXPECT_EQ(flow["data_api_version"], "3.0");
  ASSERT_FALSE(screen(flow, "DOCUMENT").is_null());
  ASSERT_FALSE(screen(flow, "RESULT").is_null());
  EXPECT_EQ(flow["routing_model"]["DOCUMENT"], json::array({"RESULT"}));
  EXPECT_TRUE(screen(flow, "RESULT")["terminal"].get<bool>());
}

TEST(KycFlowJson, ScreensDeclareTheDataThePluginSends) {
  const json flow = flowJson();
  EXPECT_EQ(keys(screen(flow, "DOCUMENT")["data"]), std::set<std::string>{"document_types"});
  EXPECT_EQ(keys(screen(flow, "RESULT")["data"]), kResultData);
}

TEST(KycFlowJson, FootersSendWhatThePluginAndTheAssistantRead) {
  const json flow = flowJson();
  const json verify = footerAction(screen(flow, "DOCUMENT"));
  EXPECT_EQ(verify["name"], "data_exchange");
  EXPECT_EQ(keys(verify["payload"]), (std::set<std::string>{"document_type", "number"}));
  const json done = footerAction(screen(flow, "RESULT"));
  EXPECT_EQ(done["name"], "complete");
  EXPECT_EQ(keys(done["payload"]), kCompletion);
  for (const auto& [key, value] : done["payload"].items()) EXPECT_EQ(value, "${data." + key + "}");
}

}  // namespace
