#include <gtest/gtest.h>

#include "Rules.h"

namespace baraza::rules {
namespace {

std::string entity(const Detection& d, const std::string& type) {
  for (const auto& e : d.entities) {
    if (e.type == type) return e.value;
  }
  return "";
}

class RulesTest : public ::testing::Test {
 protected:
  Rules rules_{Settings{}};
};

TEST_F(RulesTest, VerifyRequestInEnglishWithAPin) {
  const Detection d = rules_.detect("verify KRA PIN > A744610021G");
  EXPECT_EQ(d.intent.name, "verify_kra_pin");
  EXPECT_DOUBLE_EQ(d.intent.confidence, 1.0);
  EXPECT_EQ(d.language, "en");
  EXPECT_EQ(entity(d, "kra_pin"), "A744610021G");
  EXPECT_EQ(entity(d, "document_type"), "KRA PIN");
  EXPECT_EQ(d.entities.front().start, 17);
  EXPECT_EQ(d.entities.front().end, 28);
}

TEST_F(RulesTest, VerifyRequestInSwahiliWithALowerCasePin) {
  const Detection d = rules_.detect("nataka kuthibitisha PIN yangu a744610021g");
  EXPECT_EQ(d.intent.name, "verify_kra_pin");
  EXPECT_EQ(d.language, "sw");
  EXPECT_EQ(entity(d, "kra_pin"), "A744610021G");
}

TEST_F(RulesTest, APinAloneIsAVerification) {
  const Detection d = rules_.detect(" p318295670x ");
  EXPECT_EQ(d.intent.name, "verify_kra_pin");
  EXPECT_EQ(d.language, "") << "no word tells the language";
}

TEST_F(RulesTest, MalformedPinIsNotAnEntity) {
  for (const char* text :
       {"verify pin B744610021G", "verify pin A74461002G", "verify pin A7446100211"}) {
    const Detection d = rules_.detect(text);
    EXPECT_EQ(d.intent.name, "verify_kra_pin") << text;
    EXPECT_EQ(entity(d, "kra_pin"), "") << text;
  }
}

TEST_F(RulesTest, DocumentNumbersByTheirContextWords) {
  Detection d = rules_.detect("check my national ID 100000000");
  EXPECT_EQ(entity(d, "id_number"), "100000000");
  EXPECT_EQ(entity(d, "document_type"), "Citizen");
  d = rules_.detect("angalia pasipoti AK1234567");
  EXPECT_EQ(entity(d, "id_number"), "AK1234567");
  EXPECT_EQ(entity(d, "document_type"), "Passport");
  d = rules_.detect("verify alien card 123456");
  EXPECT_EQ(entity(d, "document_type"), "Non-Citizen");
  EXPECT_EQ(entity(d, "id_number"), "123456");
}

TEST_F(RulesTest, IncidentsInBothLanguages) {
  EXPECT_EQ(rules_.detect("I want to report an accident").intent.name, "report_incident");
  const Detection sw = rules_.detect("nataka kuripoti wizi");
  EXPECT_EQ(sw.intent.name, "report_incident");
  EXPECT_EQ(sw.language, "sw");
  EXPECT_EQ(rules_.detect("show my incidents").intent.name, "view_incidents");
  EXPECT_EQ(rules_.detect("nionyeshe ripoti zangu").intent.name, "view_incidents");
}

TEST_F(RulesTest, HelpGreetingAndCancel) {
  EXPECT_EQ(rules_.detect("help").intent.name, "help");
  EXPECT_EQ(rules_.detect("msaada tafadhali").intent.name, "help");
  EXPECT_EQ(rules_.detect("Habari!").intent.name, "greeting");
  EXPECT_EQ(rules_.detect("ghairi").intent.name, "cancel");
}

TEST_F(RulesTest, UnknownTextIsTheFallback) {
  const Detection d = rules_.detect("the weather in Mombasa");
  EXPECT_EQ(d.intent.name, "fallback");
  EXPECT_TRUE(d.intents.empty());
}

TEST_F(RulesTest, BelowThresholdIsTheFallbackWithTheRankingKept) {
  const Detection d =
      rules_.detect("check the weather in Mombasa today");  // 1 of 4 meaningful words
  EXPECT_EQ(d.intent.name, "fallback");
  ASSERT_FALSE(d.intents.empty());
  EXPECT_EQ(d.intents.front().name, "verify_kra_pin");
}

TEST_F(RulesTest, TwoIntentsTooCloseAreAmbiguous) {
  const Detection d = rules_.detect("help report");
  EXPECT_TRUE(d.ambiguous);
  EXPECT_EQ(d.intent.name, "fallback");
  ASSERT_EQ(d.intents.size(), 2u);
}

TEST_F(RulesTest, ReplyIdNamesTheIntent) {
  const Detection d = rules_.detect("Verify a PIN", "view_incidents");
  EXPECT_EQ(d.intent.name, "view_incidents");
  EXPECT_DOUBLE_EQ(d.intent.confidence, 1.0);
}

TEST(RulesSettings, ConfiguredKeywordsAndIntents) {
  Settings s;
  s.keywords["opening_hours"] = {"open", "saa ngapi"};
  s.enabled = {"opening_hours", "help"};
  Rules rules(s);
  EXPECT_EQ(rules.detect("mnafungua saa ngapi").intent.name, "opening_hours");
  EXPECT_EQ(rules.detect("verify KRA PIN").intent.name, "fallback");  // not enabled
  EXPECT_EQ(rules.intents(), (std::vector<std::string>{"help", "opening_hours"}));
}

TEST(RulesJson, DocumentShape) {
  const nlohmann::json j = nlohmann::json(Rules(Settings{}).detect("verify A744610021G"));
  EXPECT_EQ(j["intent"]["name"], "verify_kra_pin");
  EXPECT_TRUE(j["intents"].is_array());
  EXPECT_EQ(j["entities"][0]["type"], "kra_pin");
  EXPECT_EQ(j["language"], "en");
  EXPECT_EQ(j["ambiguous"], false);
}

}  // namespace
}  // namespace baraza::rules
