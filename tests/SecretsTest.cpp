// No secret in any output: a real host driven through every path that touches a secret (webhook
// subscription and signatures, Flows, a send refused with 190 and the long-lived token exchange,
// the CLI), with marker values, then every log line, CLI output, the metrics and every column of
// the database searched for them.
#include <Poco/Data/RecordSet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>

#include "common/testing/HttpCall.h"
#include "crypto/Crypto.h"
#include "fakes/FakeGraph.h"
#include "store/Database.h"
#include "support/BarazaProcess.h"
#include "support/Eventually.h"
#include "support/FlowClient.h"
#include "support/TempConfig.h"

namespace baraza::testing {
namespace {

using Poco::Data::Keywords::into;
using Poco::Data::Keywords::now;

/** Every value of every row of every table, as text (blobs as their bytes). */
std::string everyValue(const std::string& sqlitePath) {
  auto db = store::Database::open("sqlite://" + sqlitePath, "");
  std::string all;
  const Status read = (*db)->transaction([&](Poco::Data::Session& s) {
    std::vector<std::string> tables;
    s << "SELECT name FROM sqlite_master WHERE type = 'table'", into(tables), now;
    for (const auto& table : tables) {
      Poco::Data::Statement select(s);
      select << "SELECT * FROM " + table;
      select.execute();
      Poco::Data::RecordSet rows(select);
      for (bool more = rows.moveFirst(); more; more = rows.moveNext()) {
        for (size_t c = 0; c < rows.columnCount(); ++c) {
          const Poco::Dynamic::Var& v = rows.value(c);
          if (v.isEmpty()) continue;
          if (v.type() == typeid(Poco::Data::BLOB)) {
            const auto& blob = v.extract<Poco::Data::BLOB>();
            all.append(reinterpret_cast<const char*>(blob.rawContent()), blob.size());
          } else {
            all += v.toString();
          }
          all += '\n';
        }
      }
    }
  });
  if (!read.isOk()) ADD_FAILURE() << "reading " << sqlitePath << ": " << read.toString();
  return all;
}

TEST(Secrets, NoSecretReachesLogsCliOutputMetricsOrTheDatabase) {
  const std::string appSecret = "marker-app-secret-31d7";
  const std::string verifyToken = "marker-verify-token-8c2a";
  const std::string accessToken = "marker-access-token-5e90";
  const std::string longLived = "marker-long-lived-77b1";
  const std::string pluginSecret = "marker-plugin-secret-0f3c";
  const std::string masterKey = "5ec2e75ec2e75ec2e75ec2e75ec2e75ec2e75ec2e75ec2e75ec2e75ec2e75ec2";
  fakes::FakeGraph graph;
  graph.setToken(longLived);  // the configured token is refused (190), the exchanged one works
  graph.allowTokenExchange("777", appSecret, accessToken, longLived);

  TempConfig config;
  ::setenv("BARAZA_TEST_ACCESS_TOKEN", accessToken.c_str(), 1);
  ::setenv("BARAZA_TEST_MASTER_KEY", masterKey.c_str(), 1);
  config.write("app-secret", appSecret + "\n");
  const crypto::RsaPrivateKey key = crypto::RsaPrivateKey::generate(2048).value();
  config.write("flows.pem", key.privatePem());
  const std::string pem = key.privatePem();
  const std::string pemLine = pem.substr(pem.find('\n') + 1, 64);  // a line of the key's base64
  config.writeHost("http_client.service.graph.base_url = " + graph.baseUrl() +
                   "\nstore.master_key = ${env:BARAZA_TEST_MASTER_KEY}\n");
  config.writeTenant("acme",
                     "whatsapp.phone_number_ids = 100000000000001\nwhatsapp.app_id = 777\n"
                     "whatsapp.app_secret = file:../app-secret\nwhatsapp.verify_token = " +
                         verifyToken +
                         "\nwhatsapp.access_token = ${env:BARAZA_TEST_ACCESS_TOKEN}\n"
                         "flows.private_key_files = ../flows.pem\nsecrets.extra = " +
                         pluginSecret +
                         "\nplugins.whatsapp.plugin = ke.baraza.channel.whatsapp\n"
                         "plugins.bot.plugin = ke.baraza.conversation.echo\n");
  std::vector<std::string> outputs;  // every CLI output and HTTP answer
  auto cli = [&](const std::vector<std::string>& args) {
    std::vector<std::string> full = args;
    full.insert(full.end(), {"--config", config.hostFile()});
    RunResult r = runBaraza(full);
    outputs.push_back(r.out + r.err);
    return r;
  };

  ServeProcess serve({"serve", "--config", config.hostFile()});
  const uint16_t port = static_cast<uint16_t>(serve.port());
  ASSERT_GT(port, 0) << serve.log();
  const HttpReply subscribed = httpCall(
      port, {"GET", "/webhooks/whatsapp/777?hub.mode=subscribe&hub.verify_token=" + verifyToken +
                        "&hub.challenge=42"});
  EXPECT_EQ(subscribed.body, "42");
  const std::string body =
      R"({"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":)"
      R"({"messaging_product":"whatsapp","metadata":{"display_phone_number":"254700000000","phone_number_id":"100000000000001"},)"
      R"("contacts":[{"profile":{"name":"Amina"},"wa_id":"254700000001"}],"messages":[{"from":"254700000001",)"
      R"("id":"wamid.secret-sweep","timestamp":"1700000000","type":"text","text":{"body":"habari"}}]}}]}]})";
  const std::string signature = "sha256=" + crypto::toHex(crypto::hmacSha256(appSecret, body));
  EXPECT_EQ(
      httpCall(port, {"POST", "/webhooks/whatsapp/777", body, {{"X-Hub-Signature-256", signature}}})
          .status,
      200);
  ASSERT_TRUE(eventually([&] { return !graph.accepted().empty(); })) << serve.log();
  EXPECT_EQ(graph.accepted().back().authorization, "Bearer " + longLived)
      << "refused, exchanged, sent";
  const ClientRequest ping = encrypt(key, R"({"version":"3.0","action":"ping"})");
  const HttpReply flows =
      httpCall(port, {"POST",
                      "/flows/acme",
                      ping.body,
                      {{"X-Hub-Signature-256", metaSignature(appSecret, ping.body)}}});
  EXPECT_EQ(flows.status, 200) << flows.body;
  const HttpReply metrics = httpCall(port, {"GET", "/metrics"});
  outputs.push_back(subscribed.body + flows.body + metrics.body +
                    httpCall(port, {"GET", "/readyz"}).body);
  // The exchanged token is written to the secrets table (encrypted) within a lease renewal.
  EXPECT_TRUE(eventually([&] {
    return everyValue(config.path() + "/lib/baraza.db").find("long_lived") != std::string::npos;
  }));

  EXPECT_EQ(cli({"config", "check"}).exitCode, 0) << outputs.back();
  cli({"plugins", "list"});
  cli({"events", "list"});
  cli({"send", "status", "1"});
  cli({"db", "status"});
  serve.signal(SIGTERM);
  EXPECT_EQ(serve.wait(), 0);

  const std::string database = everyValue(config.path() + "/lib/baraza.db");
  // What is searched holds what it should (so an empty haystack cannot pass).
  ASSERT_NE(database.find("wamid.secret-sweep"), std::string::npos) << "the sweep reads the rows";
  ASSERT_NE(serve.log().find("exchanged it for a long-lived token"), std::string::npos)
      << serve.log();
  ASSERT_NE(metrics.body.find("baraza_"), std::string::npos);
  for (const std::string& secret :
       {appSecret, verifyToken, accessToken, longLived, pluginSecret, masterKey, pemLine}) {
    EXPECT_EQ(serve.log().find(secret), std::string::npos) << secret << " in the log";
    for (const auto& out : outputs)
      EXPECT_EQ(out.find(secret), std::string::npos) << secret << " in: " << out;
    EXPECT_EQ(database.find(secret), std::string::npos) << secret << " in the database";
  }
}

}  // namespace
}  // namespace baraza::testing
