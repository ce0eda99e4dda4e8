// Sending with real `baraza` processes: the send CLI against a serving host, and two hosts on one
// private MariaDB sharing the sending numbers, all against the fake Graph API.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "common/JsonText.h"
#include "fakes/FakeGraph.h"
#include "outbound/OutboundQueue.h"
#include "store/Migrations.h"
#include "store/testing/MariaDbServer.h"
#include "support/BarazaProcess.h"
#include "support/Eventually.h"
#include "support/TempConfig.h"
#include "tenants/TenantManager.h"

namespace baraza::testing {
namespace {

using ::testing::HasSubstr;

std::string hostFile(const std::string& storeUrl, const fakes::FakeGraph& graph) {
  return "store.url = " + storeUrl + "\nhttp_client.service.graph.base_url = " + graph.baseUrl() +
         "\noutbound.max_in_flight = 4\n";
}

/** A host on SQLite sending to `graph`, and tenant "acme" with one number and the channel. */
void writeSendingHost(TempConfig& config, const fakes::FakeGraph& graph) {
  config.writeHost(hostFile("sqlite://" + config.path() + "/lib/baraza.db", graph));
  config.writeTenant("acme",
                     "whatsapp.phone_number_ids = 100000000000001\n"
                     "whatsapp.app_secret = s\nwhatsapp.verify_token = v\n"
                     "whatsapp.access_token = test-token\n"
                     "plugins.whatsapp.plugin = ke.baraza.channel.whatsapp\n");
}

TEST(SendCli, QueuesForARunningHostAndShowsWhatBecameOfIt) {
  fakes::FakeGraph graph;
  TempConfig config;
  writeSendingHost(config, graph);
  ServeProcess serve({"serve", "--config", config.hostFile()});
  ASSERT_GT(serve.port(), 0) << serve.log();

  RunResult sent = runBaraza({"send", "--config", config.hostFile(), "--tenant", "acme", "--to",
                              "+254 700 000001", "--text", "Habari"});
  ASSERT_EQ(sent.exitCode, 0) << sent.err;
  const std::string id = sent.out.substr(0, sent.out.find('\n'));
  EXPECT_THAT(sent.err, HasSubstr("queued as message " + id));
  ASSERT_TRUE(eventually([&] { return graph.acceptedCount() == 1; })) << serve.log();
  EXPECT_THAT(graph.accepted()[0].body, HasSubstr(R"("text":{"body":"Habari"})"));
  EXPECT_EQ(graph.accepted()[0].recipient, "+254700000001");

  RunResult status;
  ASSERT_TRUE(eventually([&] {
    status = runBaraza({"send", "status", id, "--config", config.hostFile()});
    return status.out.find("state      sent") != std::string::npos;
  })) << status.out
      << status.err;
  EXPECT_THAT(status.out, HasSubstr("wamid      " + graph.accepted()[0].wamid));
  EXPECT_THAT(status.out, HasSubstr("status     accepted"));
  EXPECT_THAT(status.out, HasSubstr("attempts   1"));

  // A message Meta would refuse is refused here, with the reason, and nothing is queued.
  RunResult refused =
      runBaraza({"send", "--config", config.hostFile(), "--tenant", "acme", "--to", "+254700000001",
                 "--json", config.write("bad.json", R"({"type":"text","text":{"body":""}})")});
  EXPECT_EQ(refused.exitCode, 1);
  EXPECT_THAT(refused.err, HasSubstr("not queued: text.body: must not be empty"));
  EXPECT_EQ(runBaraza({"send", "status", std::to_string(std::stoi(id) + 1), "--config",
                       config.hostFile()})
                .exitCode,
            1);
  EXPECT_EQ(runBaraza({"send", "--config", config.hostFile(), "--tenant", "acme"}).exitCode, 2)
      << "nothing to send";
}

TEST(SendCli, AFileIsUploadedOnceAndSentByItsIdAndLimitsAreCheckedFirst) {
  fakes::FakeGraph graph;
  TempConfig config;
  writeSendingHost(config, graph);
  ServeProcess serve({"serve", "--config", config.hostFile()});
  ASSERT_GT(serve.port(), 0) << serve.log();
  const std::string jpeg = "\xff\xd8\xff\xe0 a photo of the receipt";
  const std::string photo = config.write("receipt.jpg", jpeg);
  auto sendPhoto = [&] {
    return runBaraza({"send", "--config", config.hostFile(), "--tenant", "acme", "--to",
                      "+254700000001", "--image", photo, "--caption", "Your receipt"});
  };

  RunResult first = sendPhoto();
  ASSERT_EQ(first.exitCode, 0) << first.err;
  EXPECT_THAT(first.err, HasSubstr("uploaded as media id upload-1 (image/jpeg)"));
  ASSERT_EQ(graph.uploads().size(), 1u);
  const auto upload = graph.uploads().front();
  EXPECT_EQ(upload.phoneNumberId, "100000000000001");
  EXPECT_EQ(upload.type, "image/jpeg");
  EXPECT_EQ(upload.fileType, "image/jpeg");
  EXPECT_EQ(upload.filename, "receipt.jpg");
  EXPECT_TRUE(upload.bytes == jpeg) << "the file's bytes, whole";

  RunResult second = sendPhoto();
  ASSERT_EQ(second.exitCode, 0) << second.err;
  EXPECT_THAT(second.err, HasSubstr("sent by media id upload-1, uploaded earlier"));
  EXPECT_EQ(graph.uploads().size(), 1u) << "the same file is not uploaded again";
  ASSERT_TRUE(eventually([&] { return graph.acceptedCount() == 2; })) << serve.log();
  for (const auto& sent : graph.accepted()) {
    EXPECT_THAT(sent.body, HasSubstr(R"("image":{"caption":"Your receipt","id":"upload-1"})"));
  }

  // Checked before any upload: a type WhatsApp does not take, a file over the kind's size.
  const std::string gif = config.write("anim.gif", "GIF89a");
  RunResult wrongType = runBaraza({"send", "--config", config.hostFile(), "--tenant", "acme",
                                   "--to", "+254700000001", "--image", gif});
  EXPECT_EQ(wrongType.exitCode, 2);
  EXPECT_THAT(
      wrongType.err,
      HasSubstr("anim.gif: type .gif is not allowed for image media (image/jpeg, image/png)"));
  const std::string big = config.write("big.png", std::string(5 * 1024 * 1024 + 1, 'p'));
  RunResult tooBig = runBaraza({"send", "--config", config.hostFile(), "--tenant", "acme", "--to",
                                "+254700000001", "--image", big});
  EXPECT_EQ(tooBig.exitCode, 2);
  EXPECT_THAT(tooBig.err, HasSubstr("5242881 bytes is over the 5242880 allowed for image media"));
  RunResult captioned = runBaraza({"send", "--config", config.hostFile(), "--tenant", "acme",
                                   "--to", "+254700000001", "--audio", photo, "--caption", "x"});
  EXPECT_EQ(captioned.exitCode, 2);
  EXPECT_EQ(graph.uploads().size(), 1u);
}

TEST(SendRestart, MessagesInFlightWhenTheHostIsKilledAreSentAfterItRestarts) {
  fakes::FakeGraph graph;
  graph.setLatencyMs(300);  // calls stay in flight long enough to kill the host under them
  TempConfig config;
  config.writeHost(hostFile("sqlite://" + config.path() + "/lib/baraza.db", graph) +
                   "outbound.lease_seconds = 10\n");
  config.writeTenant("acme",
                     "whatsapp.phone_number_ids = 100000000000001\n"
                     "whatsapp.app_secret = s\nwhatsapp.verify_token = v\n"
                     "whatsapp.access_token = test-token\n"
                     "plugins.whatsapp.plugin = ke.baraza.channel.whatsapp\n");
  std::vector<std::string> ids;
  for (int i = 0; i < 12; ++i) {
    RunResult sent =
        runBaraza({"send", "--config", config.hostFile(), "--tenant", "acme", "--to",
                   "+2547000000" + std::to_string(10 + i), "--text", "m" + std::to_string(i)});
    ASSERT_EQ(sent.exitCode, 0) << sent.err;
    ids.push_back(sent.out.substr(0, sent.out.find('\n')));
  }
  {
    ServeProcess first({"serve", "--config", config.hostFile()});
    ASSERT_TRUE(eventually([&] { return graph.calls().size() >= 4; })) << first.log();
    first.signal(SIGKILL);  // four calls are waiting on the fake: those calls are in flight
    first.wait();
  }
  const size_t reachedBeforeKill = graph.calls().size();
  ServeProcess second({"serve", "--config", config.hostFile()});
  ASSERT_TRUE(eventually(
      [&] {
        std::set<std::string> bodies;
        for (const auto& c : graph.accepted()) bodies.insert(c.body);
        return bodies.size() == 12;
      },
      60))
      << second.log();
  // Every message reached Meta at least once; the ones in flight may have reached it twice.
  EXPECT_GE(graph.calls().size(), 12u);
  EXPECT_GT(reachedBeforeKill, 0u);
  for (const auto& id : ids) {
    RunResult status;
    EXPECT_TRUE(eventually([&] {
      status = runBaraza({"send", "status", id, "--config", config.hostFile()});
      return status.out.find("state      sent") != std::string::npos;
    })) << status.out;
  }
}

TEST(FlowsCli, RegisterKeyUploadsThePublicKeyToEachNumberAndShowsItsSignatureStatus) {
  fakes::FakeGraph graph;
  TempConfig config;
  config.writeHost(hostFile("sqlite://" + config.path() + "/lib/baraza.db", graph));
  RunResult keygen =
      runBaraza({"keygen", "--tenant", "acme", "--out", config.path() + "/lib/acme-flows.pem"});
  ASSERT_EQ(keygen.exitCode, 0) << keygen.err;
  const std::string tenant =
      "whatsapp.phone_number_ids = 100000000000001, 100000000000002\n"
      "whatsapp.app_secret = s\nwhatsapp.verify_token = v\n"
      "plugins.whatsapp.plugin = ke.baraza.channel.whatsapp\n"
      "flows.private_key_files = " +
      config.path() + "/lib/acme-flows.pem\n";
  config.writeTenant("acme", tenant + "whatsapp.access_token = test-token\n");

  RunResult registered =
      runBaraza({"flows", "register-key", "--tenant", "acme", "--config", config.hostFile()});
  EXPECT_EQ(registered.exitCode, 0) << registered.out << registered.err;
  EXPECT_THAT(registered.out,
              HasSubstr("number 100000000000001: public key registered, signature status VALID"));
  EXPECT_THAT(registered.out,
              HasSubstr("number 100000000000002: public key registered, signature status VALID"));
  EXPECT_EQ(graph.publicKey("100000000000001"), keygen.out)
      << "the key keygen printed, newlines included";
  EXPECT_EQ(graph.publicKey("100000000000002"), keygen.out);
  const fakes::GraphCall upload = graph.calls().at(0);
  EXPECT_EQ(upload.method, "POST");
  EXPECT_EQ(upload.path, "/v25.0/100000000000001/whatsapp_business_encryption");
  EXPECT_EQ(upload.contentType, "application/x-www-form-urlencoded");

  // A refused token: the Graph error is shown and the exit code says it did not work.
  config.writeTenant("acme", tenant + "whatsapp.access_token = expired\n");
  RunResult refused = runBaraza({"flows", "register-key", "--tenant", "acme", "--number",
                                 "100000000000001", "--config", config.hostFile()});
  EXPECT_EQ(refused.exitCode, 1);
  EXPECT_THAT(refused.err, HasSubstr("number 100000000000001: upload refused: code 190: (#190) "
                                     "Error validating access token"));
}

TEST(Cluster, TwoHostsOnOneMariaDbSendEachMessageOnceWithinEachNumbersRate) {
  // Four numbers at up to 150/s with 20 ms answers: the 10,000 messages take 20-30 s, and the
  // second host joins on the way.
  constexpr int kRate = 150;
  constexpr int kMessages = 10000;
  const std::vector<std::string> numbers = {"100000000000011", "100000000000012", "100000000000013",
                                            "100000000000014"};
  fakes::FakeGraph graph;
  graph.setRate(kRate);    // the fake refuses with 130429 what goes over: there must be none
  graph.setLatencyMs(20);  // a few sends of each number are always in flight: it never pauses
  const std::string url = store::testing::MariaDbServer::shared().createDatabase();
  TempConfig config;
  config.writeHost(hostFile(url, graph));
  std::string ids;
  for (const auto& n : numbers) ids += (ids.empty() ? "" : ",") + n;
  config.writeTenant("bulk", "whatsapp.phone_number_ids = " + ids +
                                 "\n"
                                 "whatsapp.app_secret = s\nwhatsapp.verify_token = v\n"
                                 "whatsapp.access_token = test-token\n"
                                 "whatsapp.messages_per_second = " +
                                 std::to_string(kRate) +
                                 "\n"
                                 "plugins.whatsapp.plugin = ke.baraza.channel.whatsapp\n");
  ServeProcess a({"serve", "--config", config.hostFile(), "--set", "host.id=host-a"});
  ASSERT_GT(a.port(), 0) << a.log();
  ASSERT_TRUE(a.waitForLine("sending for number", std::chrono::seconds(30))) << a.log();

  // 10,000 messages queued at once, spread over the four numbers, each to its own recipient.
  auto db = store::Database::open(url, "");
  ASSERT_TRUE(db.isOk()) << db.status().toString();
  plugins::PluginRegistry registry = plugins::PluginRegistry::scan(BARAZA_PLUGINS_DIR);
  registry.loadAll();
  tenants::TenantManager tenants(config.path() + "/tenants.d", registry, tenants::SharedServices{});
  tenants.start();
  outbound::OutboundQueue queue(*db, tenants, 3600 * 1000);
  std::vector<outbound::PreparedMessage> prepared;
  for (int i = 0; i < kMessages; ++i) {
    auto p = queue.prepare(*tenants.current()->byId("bulk"),
                           R"({"phone_number_id":")" + numbers[i % numbers.size()] +
                               R"(","to":"+25471)" + std::to_string(1000000 + i) +
                               R"(","type":"text","text":{"body":"m)" + std::to_string(i) + "\"}}",
                           "");
    ASSERT_TRUE(p.isOk()) << p.status().toString();
    prepared.push_back(std::move(*p));
  }
  ASSERT_TRUE((*db)
                  ->transaction([&](Poco::Data::Session& s) {
                    for (const auto& p : prepared) queue.store(s, p, store::nowMs());
                  })
                  .isOk());

  // The second host joins while the first sends without a pause; the first hands it its share
  // all the same, and the hand-over keeps each number within its rate (checked below).
  ASSERT_TRUE(eventually([&] { return graph.acceptedCount() >= 600; }, 60)) << a.log();
  ServeProcess b({"serve", "--config", config.hostFile(), "--set", "host.id=host-b"});
  ASSERT_GT(b.port(), 0) << b.log();
  ASSERT_TRUE(b.waitForLine("sending for number", std::chrono::seconds(30))) << a.log() << b.log();
  EXPECT_LT(graph.acceptedCount(), static_cast<size_t>(kMessages))
      << "taken over before the work ran out";
  EXPECT_TRUE(a.waitForLine("handed number", std::chrono::seconds(1))) << a.log();

  ASSERT_TRUE(eventually([&] { return graph.acceptedCount() >= kMessages; }, 120))
      << graph.acceptedCount() << " accepted\n"
      << a.log() << b.log();
  std::this_thread::sleep_for(std::chrono::seconds(1));  // nothing more may come

  std::vector<fakes::GraphCall> calls = graph.calls();
  std::map<std::string, int> bodies;
  std::map<std::string, std::vector<int64_t>> arrivals;
  int refused = 0;
  for (const auto& c : calls) {
    arrivals[c.phoneNumberId].push_back(c.receivedUs);  // every attempt counts toward the rate
    if (c.status != 200) {
      ++refused;
      continue;
    }
    ++bodies[c.body];
  }
  EXPECT_EQ(refused, 0) << "no call was over the rate (130429) or otherwise refused";
  EXPECT_EQ(bodies.size(), static_cast<size_t>(kMessages));
  int duplicates = 0;
  for (const auto& [body, n] : bodies) duplicates += n - 1;
  EXPECT_EQ(duplicates, 0) << "each message exactly once";
  for (auto& [number, times] : arrivals) {
    std::sort(times.begin(), times.end());
    size_t busiest = 0;
    for (size_t i = 0, j = 0; j < times.size(); ++j) {
      while (times[j] - times[i] >= 1000000) ++i;
      busiest = std::max(busiest, j - i + 1);
    }
    EXPECT_LE(busiest, static_cast<size_t>(kRate)) << "number " << number;
    std::cout << "number " << number << ": " << times.size() << " messages, busiest second "
              << busiest << "\n";
  }
  a.signal(SIGTERM);
  b.signal(SIGTERM);
  EXPECT_EQ(a.wait(), 0);
  EXPECT_EQ(b.wait(), 0);
}

}  // namespace
}  // namespace baraza::testing
