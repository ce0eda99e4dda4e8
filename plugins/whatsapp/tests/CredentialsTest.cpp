// The token exchange's request and answer, and the re-engagement message (reference §5.2).
#include <gtest/gtest.h>

#include <stdexcept>

#include "Credentials.h"
#include "Outbound.h"
#include "PocoJson.h"

namespace baraza::whatsapp {
namespace {

using namespace test;

using Poco::JSON::Object;

TEST(WhatsAppCredentials, TheExchangeIsAFormPostWithNothingSecretInTheUrl) {
  const GraphRequest r = tokenExchangeRequest(
      read<sdk::TokenExchange>(R"({"token":"EAAG+t/1","app_id":"333","app_secret":"s&cret"})"),
      "v25.0");
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.url, "https://graph.facebook.com/v25.0/oauth/access_token");
  EXPECT_EQ(r.contentType, "application/x-www-form-urlencoded");
  EXPECT_EQ(r.body,
            "grant_type=fb_exchange_token&client_id=333&client_secret=s%26cret&fb_exchange_token="
            "EAAG%2Bt%2F1");
}

TEST(WhatsAppCredentials, AnExchangeWithoutTheAppIsRefusedNamingWhatIsMissing) {
  try {
    tokenExchangeRequest(read<sdk::TokenExchange>(R"({"token":"t","app_id":"333"})"), "v25.0");
    FAIL() << "no app secret, yet a request";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "app_secret: required for the token exchange");
  }
}

TEST(WhatsAppCredentials, TheExchangedTokenOrGraphsErrorComesBack) {
  EXPECT_EQ(asText(tokenExchangeResult(
                200, R"({"access_token":"long","token_type":"bearer","expires_in":5183944})")),
            R"({"access_token":"long"})");
  try {
    tokenExchangeResult(
        400,
        R"({"error":{"message":"Error validating client secret.","type":"OAuthException","code":1}})");
    FAIL() << "a refusal read as a token";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "the token exchange failed: code 1: Error validating client secret.");
  }
  EXPECT_THROW(tokenExchangeResult(200, R"({"token_type":"bearer"})"), std::runtime_error);
  EXPECT_THROW(tokenExchangeResult(502, "<html>Bad gateway</html>"), std::runtime_error);
}

TEST(WhatsAppCredentials, TheReengagementMessageIsTheTemplateAndBuildsAsASend) {
  const nlohmann::json message = reengagementMessage(read<sdk::ReengageRequest>(
      R"({"phone_number_id":"106540352242922","to":"+254700000001","template":"come_back","language":"sw"})"));
  Object::Ptr sent = parseObject(asText(buildSend(message, "v25.0")));
  Object::Ptr body = sent->getObject("request")->getObject("body");
  EXPECT_EQ(str(body, "type"), "template");
  EXPECT_EQ(str(body, "to"), "+254700000001");
  EXPECT_EQ(str(body->getObject("template"), "name"), "come_back");
  EXPECT_EQ(str(body->getObject("template")->getObject("language"), "code"), "sw");
  EXPECT_EQ(str(sent->getObject("request"), "service"), "graph");
  EXPECT_THROW(reengagementMessage(
                   read<sdk::ReengageRequest>(R"({"phone_number_id":"1","to":"+254700000001"})")),
               std::invalid_argument);
}

TEST(WhatsAppCredentials, AFlowsKeyIsUploadedAsAFormToItsNumber) {
  const GraphRequest r = flowKeyUpload(
      read<sdk::FlowKeyRegistration>(
          R"({"phone_number_id":"100000000000001","public_key":"-----BEGIN PUBLIC KEY-----\nMIIB+/=\n","token":"t"})"),
      "v25.0");
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.url, "https://graph.facebook.com/v25.0/100000000000001/whatsapp_business_encryption");
  EXPECT_EQ(r.contentType, "application/x-www-form-urlencoded");
  EXPECT_EQ(r.body, "business_public_key=-----BEGIN%20PUBLIC%20KEY-----%0AMIIB%2B%2F%3D%0A");
  EXPECT_THROW(
      flowKeyUpload(read<sdk::FlowKeyRegistration>(R"({"phone_number_id":"1","token":"t"})"),
                    "v25.0"),
      std::invalid_argument);
}

TEST(WhatsAppCredentials, AFlowsKeysStateIsReadInBothShapesMetaShows) {
  const std::string entry =
      R"({"business_public_key":"PEM","business_public_key_signature_status":"VALID"})";
  EXPECT_EQ(asText(flowKeyState(200, R"({"data":[)" + entry + "]}")),
            R"({"public_key":"PEM","signature_status":"VALID"})");
  EXPECT_EQ(asText(flowKeyState(200, entry)), R"({"public_key":"PEM","signature_status":"VALID"})");
  EXPECT_EQ(asText(flowKeyState(200, R"({"business_public_key":"PEM"})")),
            R"({"public_key":"PEM","signature_status":"UNKNOWN"})");
  try {
    flowKeyState(401, R"({"error":{"message":"(#190) Error validating access token","code":190}})");
    FAIL() << "a refusal read as a key";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(
        e.what(),
        "its signature status cannot be read: code 190: (#190) Error validating access token");
  }
}

}  // namespace
}  // namespace baraza::whatsapp
