// `baraza plugin call` on every first-party plugin: the real binary loads the plugin folder as
// built, creates one instance with a configuration checked against its schema, and runs one
// operation on standard input, with the real host API behind it (HTTP to the fakes of KRA and
// OpenAI on 127.0.0.1, secrets from files). What a third-party author does to try a plugin.
#include <Poco/File.h>
#include <Poco/TemporaryFile.h>
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "fakes/FakeKra.h"
#include "fakes/FakeOpenAi.h"
#include "support/BarazaProcess.h"

namespace baraza::testing {
namespace {

using nlohmann::json;

class PluginCall : public ::testing::Test {
 protected:
  PluginCall() { scratch_.createDirectories(); }

  /** A file in the scratch folder holding `text`; its path. */
  std::string file(const std::string& name, const std::string& text) {
    const std::string path = scratch_.path() + "/" + name;
    std::ofstream(path) << text;
    return path;
  }

  /** `baraza plugin call <plugins>/<folder> --op <op> --config <config> <extra>` < input. */
  RunResult call(const std::string& folder, const std::string& op, const json& config,
                 const std::string& input, std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"plugin",
                                  "call",
                                  std::string(BARAZA_PLUGINS_DIR) + "/" + folder,
                                  "--op",
                                  op,
                                  "--config",
                                  file("config.json", config.dump())};
    args.insert(args.end(), extra.begin(), extra.end());
    return runBaraza(args, input);
  }

  /** The answer printed, read as JSON (a failed call fails the test with what it said). */
  static json answer(const RunResult& r) {
    EXPECT_EQ(r.exitCode, 0) << r.err;
    return json::parse(r.out, nullptr, false);
  }

  Poco::TemporaryFile scratch_;
};

TEST_F(PluginCall, EchoRepliesWithTheText) {
  const json out = answer(call("baraza-echo", "conversation.on_message", {{"prefix", "> "}},
                               R"({"message": {"id": "wamid.1", "from": "254700000001",
                                   "type": "text", "text": {"body": "habari"}}})"));
  EXPECT_EQ(out["replies"][0]["text"]["body"], "> habari");
  EXPECT_EQ(out["replies"][0]["to"], "254700000001");
}

TEST_F(PluginCall, TheAssistantAnswersHelpWithItsMenuInTheLanguageDetected) {
  const json out = answer(call("baraza-assistant", "conversation.on_message", json::object(),
                               R"({"message": {"id": "wamid.2", "from": "254700000001",
                                   "type": "text", "text": {"body": "msaada"}},
                                   "contact": {"wa_id": "254700000001", "profile_name": "Wanjiku"},
                                   "nlu": {"intent": {"name": "help", "confidence": 1.0},
                                           "language": "sw"},
                                   "state": null, "state_version": 0})"));
  const json& reply = out["replies"][0];
  EXPECT_EQ(reply["type"], "interactive");
  EXPECT_EQ(reply["interactive"]["action"]["buttons"].size(), 3u);
  EXPECT_EQ(out["state"]["language"], "sw");
}

TEST_F(PluginCall, RulesReadASwahiliRequestAndItsPin) {
  const json out = answer(call("baraza-rules", "intent.detect", json::object(),
                               R"({"text": "nataka kuthibitisha PIN yangu a744610021g"})"));
  EXPECT_EQ(out["intent"]["name"], "verify_kra_pin");
  EXPECT_EQ(out["language"], "sw");
  EXPECT_EQ(out["entities"][0]["value"], "A744610021G");
}

TEST_F(PluginCall, OpenAiClassifiesThroughTheServiceNamedOnTheCommandLine) {
  fakes::FakeOpenAi openai;
  const json out = answer(call("baraza-openai", "intent.detect", json::object(),
                               R"({"text": "please verify my pin A744610021G"})",
                               {"--secret", "openai_api_key=file:" + file("key", "sk-test"),
                                "--service", "openai=" + openai.baseUrl()}));
  EXPECT_EQ(out["intent"]["name"], "verify_kra_pin");
  EXPECT_EQ(openai.calls().size(), 1u);
  EXPECT_EQ(openai.calls()[0].authorization, "Bearer sk-test");
}

TEST_F(PluginCall, KraVerifiesAPinAtTheFakeAndRefusesAMalformedOneBeforeAnyCall) {
  fakes::FakeKra kra;
  const std::vector<std::string> access{
      "--secret",  "kra_consumer_key=file:" + file("key", "kra-key"),
      "--secret",  "kra_consumer_secret=file:" + file("secret", "kra-secret"),
      "--service", "kra=" + kra.baseUrl()};
  const json found =
      answer(call("baraza-kra", "verifier.verify", json::object(),
                  R"({"document_type": "KRA PIN", "number": "A744610021G"})", access));
  EXPECT_EQ(found["result"], "verified");
  EXPECT_EQ(found["name"], "JOHN KAMAU TEST");
  const json malformed = answer(call("baraza-kra", "verifier.verify", json::object(),
                                     R"({"document_type": "KRA PIN", "number": "A12"})", access));
  EXPECT_EQ(malformed["result"], "invalid_format");
  // Without its credentials the instance is not created, and the call says which is missing.
  const RunResult bare = call("baraza-kra", "verifier.verify", json::object(), "{}");
  EXPECT_EQ(bare.exitCode, 1);
  EXPECT_NE(bare.err.find("kra_consumer_key"), std::string::npos) << bare.err;
}

TEST_F(PluginCall, TheKycFlowOpensOnItsDocumentScreen) {
  const json out = answer(
      call("baraza-kyc", "flow.exchange", json::object(), R"({"action": "INIT", "data": {}})"));
  EXPECT_EQ(out["screen"], "DOCUMENT");
  EXPECT_EQ(out["data"]["document_types"].size(), 4u);
}

TEST_F(PluginCall, TheAirtimeFlowConfirmsAPurchase) {
  const json out = answer(call("baraza-airtime", "flow.exchange", json::object(),
                               R"({"action": "data_exchange", "screen": "RECHARGE",
                                   "data": {"phone": "0712345678", "network": "airtel",
                                            "amount": "50"}})"));
  EXPECT_EQ(out["screen"], "CONFIRM");
  EXPECT_EQ(out["data"]["phone"], "+254712345678");
  EXPECT_EQ(out["data"]["summary"], "KES 50 of Airtel airtime for +254712345678");
}

TEST_F(PluginCall, FsMediaAnswersNotFoundForAnUnknownKeyAndRemovesIdempotently) {
  const json config{{"root", scratch_.path() + "/media"}};
  const std::string key =
      R"({"key": "demo/5d/5d15b420bbf52df1779f427b202aabd7222ec5842fb20383552a6869e6b39845"})";
  const RunResult missing = call("baraza-fsmedia", "media.get", config, key);
  EXPECT_EQ(missing.exitCode, 1);
  EXPECT_NE(missing.err.find("NOT_FOUND"), std::string::npos) << missing.err;
  EXPECT_EQ(answer(call("baraza-fsmedia", "media.remove", config, key)), json::object());
  const RunResult foreign = call("baraza-fsmedia", "media.get", config, R"({"key": "../etc"})");
  EXPECT_NE(foreign.err.find("INVALID_ARGUMENT: not a media key of this store: ../etc"),
            std::string::npos)
      << foreign.err;
}

TEST_F(PluginCall, WhatsAppBuildsParsesAndClassifiesAndNamesTheFieldAtFault) {
  const json plan = answer(call("baraza-whatsapp", "channel.build_send", json::object(),
                                R"({"phone_number_id": "106540352242922", "to": "+254 712 345678",
                                    "type": "text", "text": {"body": "Habari"}})"));
  EXPECT_EQ(plan["recipient"], "+254712345678");
  EXPECT_EQ(plan["request"]["url"], "https://graph.facebook.com/v25.0/106540352242922/messages");
  const RunResult tooLong = call("baraza-whatsapp", "channel.build_send", json::object(),
                                 json{{"phone_number_id", "1"},
                                      {"to", "+254712345678"},
                                      {"type", "text"},
                                      {"text", {{"body", std::string(4097, 'a')}}}}
                                     .dump());
  EXPECT_EQ(tooLong.exitCode, 1);
  EXPECT_NE(tooLong.err.find("text.body: 4097 characters, at most 4096"), std::string::npos)
      << tooLong.err;

  const json events = answer(call("baraza-whatsapp", "channel.parse_webhook", json::object(),
                                  R"({"contacts": [{"wa_id": "254700000001",
                                                    "profile": {"name": "Wanjiku"}}],
                                      "messages": [{"id": "wamid.3", "from": "254700000001",
                                                    "timestamp": "1730231903", "type": "text",
                                                    "text": {"body": "habari"}}]})"));
  EXPECT_EQ(events["contacts"][0]["profile_name"], "Wanjiku");
  EXPECT_EQ(events["messages"][0]["content"]["body"], "habari");
  EXPECT_EQ(events["messages"][0]["timestamp_ms"], 1730231903000);

  const json classified = answer(call(
      "baraza-whatsapp", "channel.classify_response", json::object(),
      R"({"status": 400, "body": "{\"error\": {\"code\": 131047, \"message\": \"(#131047) Re-engagement message\"}}"})"));
  EXPECT_EQ(classified["outcome"], "reengage");
  EXPECT_EQ(classified["title"], "Re-engagement message");
  EXPECT_EQ(call("baraza-whatsapp", "channel.parse_webhook", json::object(), "[1, 2]").exitCode, 1)
      << "text that is not the document is refused before the plugin's code";
}

}  // namespace
}  // namespace baraza::testing
