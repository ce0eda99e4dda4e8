// `baraza serve` as a real process: endpoints, SIGHUP reload, SIGTERM.
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/testing/HttpCall.h"
#include "crypto/Crypto.h"
#include "support/BarazaProcess.h"
#include "support/FlowClient.h"
#include "support/TempConfig.h"

namespace baraza::testing {
namespace {

using ::testing::HasSubstr;

using Reply = HttpReply;

Reply get(int port, const std::string& path) {
  return httpCall(static_cast<uint16_t>(port), {"GET", path});
}

/** A host with the demo tenant (and any others already written to config), serving. */
std::unique_ptr<ServeProcess> serveDemo(TempConfig& config) {
  config.writeHost();
  config.writeTenant("demo", kDemoTenant);
  return std::make_unique<ServeProcess>(
      std::vector<std::string>{"serve", "--config", config.hostFile()});
}

TEST(Serve, AnswersHealthAndReadinessAndStopsCleanlyOnSigterm) {
  TempConfig config;
  auto process = serveDemo(config);
  ServeProcess& serve = *process;
  const int port = serve.port();
  ASSERT_GT(port, 0) << serve.log();
  EXPECT_TRUE(
      serve.waitForLine("tenant demo: phone_number_ids 100000000000001; plugins: "
                        "bot=ke.baraza.conversation.echo"));
  Reply health = get(port, "/healthz");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.body, R"({"status":"alive"})");
  Reply ready = get(port, "/readyz");
  EXPECT_EQ(ready.status, 200);
  EXPECT_THAT(ready.body, HasSubstr(R"("tenants":{"ok":true,"count":1,"generation":1)"));
  serve.signal(SIGTERM);
  EXPECT_EQ(serve.wait(), 0);
  EXPECT_TRUE(serve.waitForLine("stopped"));
  // No secret of the tenant reached the log.
  EXPECT_THAT(serve.log(), ::testing::Not(HasSubstr("demo-app-secret")));
}

TEST(Serve, SighupWithABrokenTenantFileLeavesTheOldSetServing) {
  TempConfig config;
  auto process = serveDemo(config);
  ServeProcess& serve = *process;
  const int port = serve.port();
  ASSERT_GT(port, 0) << serve.log();

  const std::string broken =
      config.writeTenant("second", "whatsapp.phone_number_ids = 100000000000002\n");
  serve.signal(SIGHUP);
  ASSERT_TRUE(serve.waitForLine("reload rejected")) << serve.log();
  EXPECT_TRUE(serve.waitForLine(broken + ": whatsapp.app_secret: required but missing"));
  Reply ready = get(port, "/readyz");
  EXPECT_EQ(ready.status, 200);
  EXPECT_THAT(ready.body, HasSubstr(R"("count":1,"generation":1)"));

  config.writeTenant("second",
                     "whatsapp.phone_number_ids = 100000000000002\n"
                     "whatsapp.app_secret = s\nwhatsapp.verify_token = t\n");
  serve.signal(SIGHUP);
  ASSERT_TRUE(serve.waitForLine("reload applied: generation 2")) << serve.log();
  EXPECT_THAT(get(port, "/readyz").body, HasSubstr(R"("count":2,"generation":2)"));
  serve.signal(SIGTERM);
  EXPECT_EQ(serve.wait(), 0);
}

TEST(Serve, InvalidTenantDoesNotStartButTheOthersServe) {
  TempConfig config;
  config.writeTenant("broken", "whatsapp.verify_token = x\n");
  auto process = serveDemo(config);
  ServeProcess& serve = *process;
  ASSERT_GT(serve.port(), 0) << serve.log();
  EXPECT_TRUE(serve.waitForLine("tenant broken not started"));
  EXPECT_THAT(get(serve.port(), "/readyz").body, HasSubstr(R"("count":1)"));
  serve.signal(SIGTERM);
  EXPECT_EQ(serve.wait(), 0);
}

TEST(Serve, ProcessesWebhooksAndTheEventsCommandsShowAndReplayWhatFailed) {
  TempConfig config;
  config.writeTenant(
      "demo", std::string(kDemoTenant) + "plugins.whatsapp.plugin = ke.baraza.channel.whatsapp\n");
  auto process = serveDemo(config);
  ServeProcess& serve = *process;
  const int port = serve.port();
  ASSERT_GT(port, 0) << serve.log();
  auto post = [&](const std::string& body) {
    Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port));
    Poco::Net::HTTPRequest request("POST", "/webhooks/whatsapp", Poco::Net::HTTPMessage::HTTP_1_1);
    request.set("X-Hub-Signature-256",
                "sha256=" + crypto::toHex(crypto::hmacSha256("demo-app-secret", body)));
    request.setContentLength64(static_cast<Poco::Int64>(body.size()));
    session.sendRequest(request) << body;
    Poco::Net::HTTPResponse response;
    session.receiveResponse(response);
    return static_cast<int>(response.getStatus());
  };
  EXPECT_EQ(post("{not json"), 200);
  EXPECT_EQ(
      post(
          R"({"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages",)"
          R"("value":{"metadata":{"phone_number_id":"555"},"messages":[]}}]}]})"),
      200);
  ASSERT_TRUE(serve.waitForLine("failed: not valid JSON")) << serve.log();

  RunResult failed = runBaraza({"events", "list", "--failed", "--config", config.hostFile()});
  EXPECT_EQ(failed.exitCode, 0) << failed.err;
  EXPECT_THAT(failed.out, ::testing::MatchesRegex("delivery 1 .* error: not valid JSON.*\n"));
  RunResult unroutable;
  for (int i = 0; i < 100 && unroutable.out.empty(); ++i) {
    unroutable = runBaraza({"events", "list", "--unroutable", "--config", config.hostFile()});
    if (unroutable.out.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_THAT(
      unroutable.out,
      HasSubstr("unroutable  -  messages  delivery 2@0.0  no tenant owns phone_number_id 555"));
  RunResult replay = runBaraza({"events", "replay", "--failed", "--config", config.hostFile()});
  EXPECT_EQ(replay.exitCode, 0) << replay.err;
  EXPECT_EQ(replay.out, "1 delivery queued for processing again (a running host picks them up)\n");
  RunResult missing = runBaraza({"events", "replay", "42", "--config", config.hostFile()});
  EXPECT_EQ(missing.exitCode, 1);
  EXPECT_THAT(missing.err, HasSubstr("no failed or processed delivery 42"));
  serve.signal(SIGTERM);
  EXPECT_EQ(serve.wait(), 0);
}

TEST(Serve, AnswersAFlowsPingEncryptedWithTheTenantsKey) {
  TempConfig config;
  const crypto::RsaPrivateKey key = crypto::RsaPrivateKey::generate(2048).value();
  config.write("flows.pem", key.privatePem());
  config.writeHost();
  config.writeTenant("demo", std::string(kDemoTenant) + "flows.private_key_files = ../flows.pem\n");
  ServeProcess serve({"serve", "--config", config.hostFile()});
  const int port = serve.port();
  ASSERT_GT(port, 0) << serve.log();
  const ClientRequest request = encrypt(key, R"({"version":"3.0","action":"ping"})");
  HttpCall call{"POST", "/flows/demo"};
  call.body = request.body;
  call.headers = {{"X-Hub-Signature-256", metaSignature("demo-app-secret", request.body)}};
  const Reply reply = httpCall(static_cast<uint16_t>(port), call);
  EXPECT_EQ(reply.status, 200) << reply.body << serve.log();
  EXPECT_EQ(decryptReply(request, reply.body), R"({"data":{"status":"active"}})");
  serve.signal(SIGTERM);
  EXPECT_EQ(serve.wait(), 0);
}

TEST(Serve, BadHostConfigurationRefusesToStart) {
  TempConfig config;
  const std::string host = config.writeHost("http.threads = -3\n");
  RunResult r = runBaraza({"serve", "--config", host});
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_THAT(r.err, HasSubstr(host + ": http.threads: -3 is outside 1..1024"));
}

TEST(Serve, AddressInUseIsAClearError) {
  TempConfig config;
  auto process = serveDemo(config);
  ServeProcess& first = *process;
  const int port = first.port();
  ASSERT_GT(port, 0);
  RunResult r = runBaraza({"serve", "--config", config.hostFile(), "--set", "host.id=second",
                           "--set", "http.listen=127.0.0.1:" + std::to_string(port)});
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_THAT(r.err, HasSubstr("cannot listen on 127.0.0.1:" + std::to_string(port)));
  first.signal(SIGTERM);
  EXPECT_EQ(first.wait(), 0);
}

}  // namespace
}  // namespace baraza::testing
