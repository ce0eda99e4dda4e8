// The Flows data endpoint end to end: real HTTP, keys made in the test, the airtime plugin, flow
// tokens in a real store (SQLite and MariaDB).
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <thread>

#include "app/FlowRoutes.h"
#include "common/testing/HttpCall.h"
#include "common/testing/LogCapture.h"
#include "crypto/Crypto.h"
#include "fakes/FakeKra.h"
#include "flows/FlowCrypto.h"
#include "http/HttpClient.h"
#include "http/HttpServer.h"
#include "store/Events.h"
#include "store/testing/StoreTest.h"
#include "support/FlowClient.h"
#include "support/TempConfig.h"
#include "tenants/TenantManager.h"

namespace baraza {
namespace {

using Poco::JSON::Object;
using ::testing::HasSubstr;

using baraza::testing::ClientRequest;
using baraza::testing::decryptReply;
using baraza::testing::encrypt;
using baraza::testing::metaSignature;

using Reply = baraza::testing::HttpReply;

class FlowEndpointTest : public store::testing::StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    if (HasFatalFailure()) return;
    current_ = crypto::RsaPrivateKey::generate(2048).value();
    previous_ = crypto::RsaPrivateKey::generate(2048).value();
    config_.write("current.pem", current_->privatePem());
    config_.write("previous.pem", previous_->privatePem());
    config_.writeTenant("shop",
                        "whatsapp.phone_number_ids = 100000000000001\n"
                        "whatsapp.app_secret = shop-secret\nwhatsapp.verify_token = t\n"
                        "flows.private_key_files = ../current.pem, ../previous.pem\n"
                        "plugins.airtime.plugin = ke.baraza.flow.airtime\n"
                        "plugins.airtime.config.min_amount = 20\n"
                        "plugins.kyc.plugin = ke.baraza.flow.kyc\n"
                        "plugins.kra.plugin = ke.baraza.verifier.kra\n"
                        "secrets.kra_consumer_key = kra-key\n"
                        "secrets.kra_consumer_secret = kra-secret\n");
    registry_ = plugins::PluginRegistry::scan(BARAZA_PLUGINS_DIR);
    registry_.loadAll();
    http::HttpClientSettings client;
    client.serviceBaseUrls["kra"] = kra_.baseUrl();
    http_ = std::make_unique<http::HttpClient>(client);
    tenants::SharedServices shared;
    shared.http = [this](const HttpRequest& request) { return http_->send(request); };
    tenants_ =
        std::make_unique<tenants::TenantManager>(config_.path() + "/tenants.d", registry_, shared);
    tenants_->start();
    ASSERT_EQ(tenants_->current()->all().size(), 1u) << "the shop tenant did not start";
    endpoint_ = std::make_unique<flows::FlowEndpoint>(*tenants_, db_);
    http::Router router;
    app::addFlowRoutes(router, *endpoint_);
    http::HttpServerSettings settings;
    settings.port = 0;
    server_ = std::make_unique<http::HttpServer>(settings, std::move(router));
    server_->start();
  }
  void TearDown() override {
    if (server_) server_->stop();
  }

  Reply post(const std::string& body, const std::string& signature,
             const std::string& tenant = "shop") {
    baraza::testing::HttpCall call{
        "POST", "/flows/" + tenant, body, {{"Content-Type", "application/json"}}};
    if (!signature.empty()) call.headers.emplace_back("X-Hub-Signature-256", signature);
    return baraza::testing::httpCall(server_->port(), call);
  }

  /** Encrypts, signs and posts a plaintext request; returns status and decrypted answer. */
  std::pair<int, std::string> exchange(const std::string& plaintext,
                                       const crypto::RsaPrivateKey* key = nullptr) {
    ClientRequest request = encrypt(key ? *key : *current_, plaintext);
    Reply reply = post(request.body, metaSignature("shop-secret", request.body));
    return {reply.status, reply.body.empty() ? "" : decryptReply(request, reply.body)};
  }

  std::string mint(int64_t ttlMs = 600000) {
    return flows::mintFlowToken(*db_, "shop", "254711000001", "airtime", "conv-1", ttlMs).value();
  }

  fakes::FakeKra kra_;
  std::unique_ptr<http::HttpClient> http_;
  baraza::testing::TempConfig config_;
  std::optional<crypto::RsaPrivateKey> current_, previous_;
  plugins::PluginRegistry registry_;
  std::unique_ptr<tenants::TenantManager> tenants_;
  std::unique_ptr<flows::FlowEndpoint> endpoint_;
  std::unique_ptr<http::HttpServer> server_;
};

TEST_P(FlowEndpointTest, TheKycFlowChecksTheNumberThenAsksTheTenantsVerifier) {
  const std::string token =
      flows::mintFlowToken(*db_, "shop", "254711000001", "kyc", "", 600000).value();
  auto step = [&](const std::string& action, const std::string& screen, const std::string& data) {
    return exchange(R"({"version":"3.0","action":")" + action + R"(","flow_token":")" + token +
                    R"(","screen":")" + screen + R"(","data":)" + data + "}");
  };
  auto [status, init] = step("INIT", "", "{}");
  EXPECT_EQ(status, 200);
  EXPECT_THAT(init, HasSubstr(R"("screen":"DOCUMENT")"));
  EXPECT_THAT(init, HasSubstr(R"({"id":"Citizen","title":"National ID"})"));

  auto [badStatus, bad] =
      step("data_exchange", "DOCUMENT", R"({"document_type":"KRA PIN","number":"A12"})");
  EXPECT_EQ(badStatus, 200);
  EXPECT_THAT(bad, HasSubstr("That number does not look right: a KRA PIN is A or P"));
  EXPECT_EQ(kra_.checkerCalls(), 0u) << "a malformed number is not sent to KRA";

  auto [okStatus, found] =
      step("data_exchange", "DOCUMENT", R"({"document_type":"KRA PIN","number":"a744610021g"})");
  EXPECT_EQ(okStatus, 200);
  EXPECT_THAT(found, HasSubstr(R"("screen":"RESULT")"));
  EXPECT_THAT(found, HasSubstr(R"("title":"Verified")"));
  EXPECT_THAT(found, HasSubstr(R"("name":"JOHN KAMAU TEST")"));

  auto [idStatus, byId] =
      step("data_exchange", "DOCUMENT", R"({"document_type":"Citizen","number":"100000000"})");
  EXPECT_THAT(byId, HasSubstr(R"("pin":"A000000000I")"));

  kra_.failNext(502, "Bad Gateway");
  auto [downStatus, down] =
      step("data_exchange", "DOCUMENT", R"({"document_type":"KRA PIN","number":"A744610021G"})");
  EXPECT_EQ(downStatus, 200);
  EXPECT_THAT(down, HasSubstr("cannot be reached right now"));
}

TEST_P(FlowEndpointTest, PingIsAnsweredEncryptedAsBareBase64) {
  ClientRequest request = encrypt(*current_, R"({"version":"3.0","action":"ping"})");
  Reply reply = post(request.body, metaSignature("shop-secret", request.body));
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.contentType, "text/plain");
  EXPECT_EQ(decryptReply(request, reply.body), R"({"data":{"status":"active"}})");
}

TEST_P(FlowEndpointTest, BadOrMissingSignatureIs432WithAnEmptyBody) {
  ClientRequest request = encrypt(*current_, R"({"version":"3.0","action":"ping"})");
  Reply wrong = post(request.body, metaSignature("other-secret", request.body));
  EXPECT_EQ(wrong.status, 432);
  EXPECT_EQ(wrong.body, "");
  EXPECT_EQ(post(request.body, "").status, 432);
}

TEST_P(FlowEndpointTest, WhatNoConfiguredKeyDecryptsIs421WithAnEmptyBody) {
  auto stranger = crypto::RsaPrivateKey::generate(2048).value();
  auto [status, body] = exchange(R"({"version":"3.0","action":"ping"})", &stranger);
  EXPECT_EQ(status, 421);
  EXPECT_EQ(body, "");
  ClientRequest tampered = encrypt(*current_, R"({"version":"3.0","action":"ping"})");
  tampered.body[tampered.body.find("\"encrypted_flow_data\":\"") + 23] ^= 1;
  EXPECT_EQ(post(tampered.body, metaSignature("shop-secret", tampered.body)).status, 421);
}

TEST_P(FlowEndpointTest, ThePreviousKeyStillWorksDuringRotation) {
  auto [status, body] = exchange(R"({"version":"3.0","action":"ping"})", &*previous_);
  EXPECT_EQ(status, 200);
  EXPECT_EQ(body, R"({"data":{"status":"active"}})");
}

TEST_P(FlowEndpointTest, UnknownAndExpiredTokensAre427WithAnEncryptedMessage) {
  auto [status, body] =
      exchange(R"({"version":"3.0","action":"INIT","flow_token":"made-up","screen":"","data":{}})");
  EXPECT_EQ(status, 427);
  EXPECT_EQ(body, R"({"error_msg":"This session is not valid. Please start again."})");
  const std::string expired = mint(-1);
  auto [expiredStatus, expiredBody] =
      exchange(R"({"version":"3.0","action":"INIT","flow_token":")" + expired +
               R"(","screen":"","data":{}})");
  EXPECT_EQ(expiredStatus, 427);
  EXPECT_THAT(expiredBody, HasSubstr("expired"));
}

TEST_P(FlowEndpointTest, AirtimeFromInitThroughDataExchangeToCompletion) {
  const std::string token = mint();
  EXPECT_EQ(token.size(), 22u) << "128 random bits, URL-safe base64";
  auto request = [&](const std::string& action, const std::string& screen,
                     const std::string& data) {
    return exchange(R"({"version":"3.0","action":")" + action + R"(","flow_token":")" + token +
                    R"(","screen":")" + screen + R"(","data":)" + data + "}");
  };
  auto [initStatus, init] = request("INIT", "", "{}");
  EXPECT_EQ(initStatus, 200);
  EXPECT_THAT(init, HasSubstr(R"("screen":"RECHARGE")"));
  EXPECT_THAT(init, HasSubstr(R"("min_amount":20)"));

  auto [badStatus, bad] = request("data_exchange", "RECHARGE",
                                  R"({"phone":"12345","network":"safaricom","amount":"50"})");
  EXPECT_EQ(badStatus, 200);
  EXPECT_EQ(
      bad,
      R"({"data":{"error_message":"Enter a Kenyan mobile number, e.g. 0712345678."},"screen":"RECHARGE"})");
  auto [lowStatus, low] = request("data_exchange", "RECHARGE",
                                  R"({"phone":"0712345678","network":"safaricom","amount":"10"})");
  EXPECT_THAT(low, HasSubstr("from 20 to 10000 KES"));

  auto [confirmStatus, confirm] = request(
      "data_exchange", "RECHARGE", R"({"phone":"0712 345 678","network":"airtel","amount":"50"})");
  EXPECT_EQ(confirmStatus, 200);
  EXPECT_THAT(confirm, HasSubstr(R"("screen":"CONFIRM")"));
  EXPECT_THAT(confirm, HasSubstr(R"("summary":"KES 50 of Airtel airtime for +254712345678")"));

  auto [doneStatus, done] = request("data_exchange", "CONFIRM",
                                    R"({"phone":"+254712345678","network":"airtel","amount":50})");
  EXPECT_EQ(doneStatus, 200);
  Object::Ptr completion = Poco::JSON::Parser().parse(done).extract<Object::Ptr>();
  EXPECT_EQ(completion->getValue<std::string>("screen"), "SUCCESS");
  Object::Ptr params =
      completion->getObject("data")->getObject("extension_message_response")->getObject("params");
  ASSERT_FALSE(params.isNull()) << done;
  EXPECT_EQ(params->getValue<std::string>("flow_token"), token);
  EXPECT_EQ(params->getValue<std::string>("phone"), "+254712345678");
  EXPECT_EQ(params->getValue<int>("amount"), 50);

  auto [afterStatus, after] = request("data_exchange", "CONFIRM", "{}");
  EXPECT_EQ(afterStatus, 427) << "completion closed the token";
  EXPECT_THAT(after, HasSubstr("ended"));
}

TEST_P(FlowEndpointTest, ErrorNotificationsAreKeptAndLoggedWithTheirErrorOnlyEscaped) {
  auto log = baraza::testing::LogCapture::attach("baraza.flows", Poco::Message::PRIO_WARNING);
  const std::string token = mint();
  auto [status, body] = exchange(
      R"({"version":"3.0","action":"data_exchange","screen":"PAY","flow_token":")" + token +
      R"(","data":{"error":"invalid-screen-transition","error_message":"bad\nline",)"
      R"("national_id":"marker-person-data"}})");
  EXPECT_EQ(status, 200);
  EXPECT_EQ(body, R"({"data":{"acknowledged":true}})");
  std::vector<store::EventRecord> kept;
  tx([&](Poco::Data::Session& s) {
    kept = store::Events(db_->dialect()).list(s, "shop", "flow_error", 10);
  });
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_EQ(kept[0].reason, "invalid-screen-transition");
  EXPECT_EQ(kept[0].payload,
            R"({"action":"data_exchange","data":{"error":"invalid-screen-transition",)"
            R"("error_message":"bad\nline"},"screen":"PAY","version":"3.0"})");
  const std::vector<std::string> lines = log->lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0], "baraza.flows: flows shop: error notification: " + kept[0].payload)
      << "one line, escaped";
  for (const std::string& secret : {token, std::string("marker-person-data")}) {
    EXPECT_EQ(kept[0].payload.find(secret), std::string::npos) << secret;
    EXPECT_EQ(lines[0].find(secret), std::string::npos) << secret;
  }
}

TEST_P(FlowEndpointTest, EveryOneOfManyConcurrentErrorNotificationsIsKept) {
  const std::string token = mint();
  constexpr int kNotices = 60;
  std::vector<std::thread> clients;
  std::vector<int> statuses(kNotices);
  for (int i = 0; i < kNotices; ++i) {
    clients.emplace_back([&, i] {
      statuses[i] = exchange(R"({"version":"3.0","action":"data_exchange","flow_token":")" + token +
                             R"(","data":{"error":"e)" + std::to_string(i) + R"("}})")
                        .first;
    });
  }
  for (auto& c : clients) c.join();
  for (int i = 0; i < kNotices; ++i) EXPECT_EQ(statuses[i], 200) << "notice " << i;
  std::vector<store::EventRecord> kept;
  tx([&](Poco::Data::Session& s) {
    kept = store::Events(db_->dialect()).list(s, "shop", "flow_error", 1000);
  });
  std::set<std::string> reasons;
  for (const auto& e : kept) reasons.insert(e.reason);
  EXPECT_EQ(reasons.size(), static_cast<size_t>(kNotices)) << "each acknowledged notice is stored";
}

TEST_P(FlowEndpointTest, ATokenCompletedByConcurrentRequestsCompletesOnce) {
  const std::string token = mint();
  constexpr int kRequests = 8;
  std::vector<std::pair<int, std::string>> answers(kRequests);
  std::vector<std::thread> clients;
  for (int i = 0; i < kRequests; ++i) {
    clients.emplace_back([&, i] {
      answers[i] = exchange(
          R"({"version":"3.0","action":"data_exchange","screen":"CONFIRM","flow_token":")" + token +
          R"(","data":{"phone":"+254712345678","network":"airtel","amount":50}})");
    });
  }
  for (auto& c : clients) c.join();
  int completions = 0;
  for (const auto& [status, body] : answers) {
    if (status == 200 && body.find(R"("screen":"SUCCESS")") != std::string::npos) {
      ++completions;
    } else {
      EXPECT_EQ(status, 427) << body;
      EXPECT_THAT(body, HasSubstr("This session has ended."));
    }
  }
  EXPECT_EQ(completions, 1);
}

TEST_P(FlowEndpointTest, AnUnknownTenantIs404) {
  ClientRequest request = encrypt(*current_, R"({"action":"ping"})");
  EXPECT_EQ(post(request.body, metaSignature("shop-secret", request.body), "nobody").status, 404);
}

BARAZA_ON_BOTH_BACKENDS(FlowEndpointTest);

}  // namespace
}  // namespace baraza
