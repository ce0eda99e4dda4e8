// The WhatsApp webhook endpoint end to end: real HTTP, real tenants, a real inbox (SQLite and a
// private MariaDB), signatures from the reference's vector W1.
#include <Poco/File.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <future>
#include <sstream>

#include "app/HostRoutes.h"
#include "app/WebhookRoutes.h"
#include "common/testing/HttpCall.h"
#include "common/testing/ReadFile.h"
#include "crypto/Crypto.h"
#include "http/HttpServer.h"
#include "inbound/InboundProcessor.h"
#include "store/Events.h"
#include "store/FlowSessions.h"
#include "store/Inbox.h"
#include "store/InboxWriter.h"
#include "store/Messages.h"
#include "store/Migrations.h"
#include "store/testing/StoreTest.h"
#include "support/TempConfig.h"
#include "tenants/TenantManager.h"

namespace baraza {
namespace {

using Poco::Data::Keywords::bind;
using Poco::Data::Keywords::into;
using Poco::Data::Keywords::now;
using ::testing::HasSubstr;

// Vector W1 (reference §1.5): 511 bytes signed with the app secret as 32 ASCII bytes.
const std::string kW1Secret = "1222e786b144d0e85b9f365372d93676";
const std::string kW1Body =
    R"({"object":"whatsapp_business_account","entry":[{"id":"264937493375603","changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550953877","phone_number_id":"277321005464405"},"contacts":[{"profile":{"name":"PyWa Tests"},"wa_id":"972544401243"}],"messages":[{"from":"972544401243","id":"wamid.HBgMOTcyNTQ0NDAxMjQzFQIAEhggM0RFQTNCMEEwRTY3QzUwODYzMDc4NjQ4QzM4ODAxM0YA","timestamp":"1730231903","text":{"body":"Hey there! I am using PyWa."},"type":"text"}]},"field":"messages"}]}]})";
const std::string kW1Signature =
    "sha256=54edfa1d7259e0eb13c677cc7d73d1b5c86cfa12433d19156e058ab9251bc441";

std::string sign(const std::string& secret, const std::string& body) {
  return "sha256=" + crypto::toHex(crypto::hmacSha256(secret, body));
}

using Reply = baraza::testing::HttpReply;

class WebhookTest : public store::testing::StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    if (HasFatalFailure()) return;
    config_.writeTenant("pywa",
                        "whatsapp.phone_number_ids = 277321005464405\n"
                        "whatsapp.app_id = 111\n"
                        "whatsapp.app_secret = " +
                            kW1Secret +
                            "\n"
                            "whatsapp.app_secret_previous = old-secret\n"
                            "whatsapp.verify_token = pywa-token\n");
    config_.writeTenant("other",
                        "whatsapp.phone_number_ids = 100000000000002\n"
                        "whatsapp.app_id = 222\n"
                        "whatsapp.app_secret = other-secret\n"
                        "whatsapp.verify_token = other-token\n");
    config_.writeTenant("acme",
                        "whatsapp.phone_number_ids = 100000000000001\n"
                        "whatsapp.waba_id = 200000000000001\n"
                        "whatsapp.app_id = 333\n"
                        "whatsapp.app_secret = acme-secret\n"
                        "whatsapp.verify_token = acme-token\n"
                        "plugins.whatsapp.plugin = ke.baraza.channel.whatsapp\n"
                        "plugins.bot.plugin = ke.baraza.conversation.echo\n"
                        "plugins.bot.config.prefix = echo:\n");
    start();
  }
  void TearDown() override {
    if (server_) server_->stop();
  }

  void start() {
    registry_ = plugins::PluginRegistry::scan(BARAZA_PLUGINS_DIR);
    registry_.loadAll();
    tenants_ = std::make_unique<tenants::TenantManager>(config_.path() + "/tenants.d", registry_,
                                                        tenants::SharedServices{});
    tenants_->start();
    inboxWriter_ = std::make_unique<store::InboxWriter>(db_, groupCommit_);
    receiver_ = std::make_unique<inbound::WebhookReceiver>(*tenants_, *inboxWriter_);
    http::Router router;
    app::addWebhookRoutes(router, *receiver_);
    app::addHostRoutes(router, *db_, *tenants_, metrics_,
                       [this] { return inboxWriter_->health(); });
    http::HttpServerSettings settings;
    settings.port = 0;
    settings.threads = 8;
    settings.maxBodyBytes = 64 * 1024;
    server_ = std::make_unique<http::HttpServer>(settings, std::move(router));
    server_->start();
  }

  Reply send(const std::string& method, const std::string& path, const std::string& body = "",
             const std::string& signature = "") {
    baraza::testing::HttpCall call{method, path, body, {{"Content-Type", "application/json"}}};
    if (!signature.empty()) call.headers.emplace_back("X-Hub-Signature-256", signature);
    return baraza::testing::httpCall(server_->port(), call);
  }

  std::vector<store::InboxRow> inbox() {
    std::vector<store::InboxRow> rows;
    tx([&](Poco::Data::Session& s) { rows = store::Inbox(db_->dialect()).list(s, "", 1000); });
    return rows;
  }

  baraza::testing::TempConfig config_;
  plugins::PluginRegistry registry_;
  std::unique_ptr<tenants::TenantManager> tenants_;
  store::GroupCommitSettings groupCommit_;
  Metrics metrics_;
  std::unique_ptr<store::InboxWriter> inboxWriter_;
  std::unique_ptr<inbound::WebhookReceiver> receiver_;
  std::unique_ptr<http::HttpServer> server_;
};

TEST_P(WebhookTest, VerificationEchoesTheChallengeForAConfiguredToken) {
  Reply ok = send(
      "GET",
      "/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=pywa-token&hub.challenge=1158201444");
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, "1158201444");
  EXPECT_EQ(
      send("GET",
           "/webhooks/whatsapp/222?hub.mode=subscribe&hub.verify_token=other-token&hub.challenge=7")
          .body,
      "7");
  EXPECT_EQ(
      send("GET",
           "/webhooks/whatsapp/222?hub.mode=subscribe&hub.verify_token=pywa-token&hub.challenge=7")
          .status,
      403)
      << "a token of another app";
  EXPECT_EQ(
      send("GET", "/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=7")
          .status,
      403);
  EXPECT_EQ(
      send("GET",
           "/webhooks/whatsapp?hub.mode=unsubscribe&hub.verify_token=pywa-token&hub.challenge=7")
          .status,
      403);
  EXPECT_EQ(send("GET", "/webhooks/whatsapp?hub.challenge=7").status, 403);
}

TEST_P(WebhookTest, VectorW1IsAcceptedAndItsRawBytesStored) {
  ASSERT_EQ(kW1Body.size(), 511u);
  ASSERT_EQ(sign(kW1Secret, kW1Body), kW1Signature);
  Reply r = send("POST", "/webhooks/whatsapp", kW1Body, kW1Signature);
  EXPECT_EQ(r.status, 200);
  auto rows = inbox();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].body, kW1Body);
  EXPECT_EQ(rows[0].app, "111");
  EXPECT_EQ(rows[0].state, "pending");
}

TEST_P(WebhookTest, MissingSignatureIs401AndWrongSignatureIs403AndNothingIsStored) {
  EXPECT_EQ(send("POST", "/webhooks/whatsapp", kW1Body).status, 401);
  EXPECT_EQ(send("POST", "/webhooks/whatsapp", kW1Body, sign("wrong-secret", kW1Body)).status, 403);
  EXPECT_EQ(send("POST", "/webhooks/whatsapp", kW1Body + " ", kW1Signature).status, 403)
      << "one byte more than was signed";
  EXPECT_EQ(send("POST", "/webhooks/whatsapp", kW1Body, "sha1=54edfa1d").status, 403);
  EXPECT_EQ(send("POST", "/webhooks/whatsapp/222", kW1Body, kW1Signature).status, 403)
      << "signed by app 111, posted to app 222";
  EXPECT_EQ(send("POST", "/webhooks/whatsapp/999", kW1Body, kW1Signature).status, 404);
  EXPECT_TRUE(inbox().empty());
}

TEST_P(WebhookTest, ThePreviousSecretIsAcceptedDuringRotation) {
  const std::string body = R"({"object":"whatsapp_business_account","entry":[]})";
  EXPECT_EQ(send("POST", "/webhooks/whatsapp/111", body, sign("old-secret", body)).status, 200);
  ASSERT_EQ(inbox().size(), 1u);
  EXPECT_EQ(inbox()[0].app, "111");
}

TEST_P(WebhookTest, OversizeBodyIs413AndNotStored) {
  const std::string big(64 * 1024 + 1, ' ');
  EXPECT_EQ(send("POST", "/webhooks/whatsapp", big, sign(kW1Secret, big)).status, 413);
  EXPECT_TRUE(inbox().empty());
}

TEST_P(WebhookTest, SignedInvalidJsonIsStillAcknowledgedAndKept) {
  const std::string body = "{not json";
  EXPECT_EQ(send("POST", "/webhooks/whatsapp", body, sign(kW1Secret, body)).status, 200);
  ASSERT_EQ(inbox().size(), 1u);
  EXPECT_EQ(inbox()[0].body, body);
}

TEST_P(WebhookTest, AStalledStoreAnswers503AndIsNotReadyUntilWritesGoThroughAgain) {
  server_->stop();
  groupCommit_.answerWithin = std::chrono::milliseconds(300);
  start();
  EXPECT_EQ(send("GET", "/readyz").status, 200);
  // Another connection holds the write lock, as a stalled database or a full disk would.
  Poco::Data::Session holder = db_->session();
  const bool sqlite = db_->backend() == store::Backend::kSqlite;
  holder << (sqlite ? "BEGIN EXCLUSIVE" : "LOCK TABLES inbox WRITE"), now;
  const std::string first = R"({"object":"whatsapp_business_account","entry":[],"n":1})";
  EXPECT_EQ(send("POST", "/webhooks/whatsapp", first, sign(kW1Secret, first)).status, 503)
      << "Meta retries it";
  Reply notReady = send("GET", "/readyz");
  EXPECT_EQ(notReady.status, 503);
  EXPECT_THAT(notReady.body,
              HasSubstr(R"("writes":{"ok":false,"error":"not committed within 300 ms)"));
  EXPECT_THAT(notReady.body, HasSubstr(R"("store":{"ok":true})")) << "SELECT 1 still answers";
  holder << (sqlite ? "ROLLBACK" : "UNLOCK TABLES"), now;
  const std::string second = R"({"object":"whatsapp_business_account","entry":[],"n":2})";
  EXPECT_EQ(send("POST", "/webhooks/whatsapp", second, sign(kW1Secret, second)).status, 200);
  EXPECT_EQ(send("GET", "/readyz").status, 200);
  // Meta's retry of the first is acknowledged; stored once more or not, the inbox sees one body.
  EXPECT_EQ(send("POST", "/webhooks/whatsapp", first, sign(kW1Secret, first)).status, 200);
}

BARAZA_ON_BOTH_BACKENDS(WebhookTest);

std::string fixture(const std::string& name) {
  return baraza::testing::readFile(std::string(FIXTURES_DIR) + "/" + name);
}

/** The webhook endpoint with the processor behind it. */
class ProcessingTest : public WebhookTest {
 protected:
  void SetUp() override {
    WebhookTest::SetUp();
    if (HasFatalFailure()) return;
    queue_ = std::make_unique<outbound::OutboundQueue>(db_, *tenants_, 3600 * 1000);
    processor_ = std::make_unique<inbound::InboundProcessor>(
        db_, *tenants_, *queue_, inbound::ProcessorSettings{}, "test-worker");
  }

  int post(const std::string& body, const std::string& secret,
           const std::string& path = "/webhooks/whatsapp") {
    return send("POST", path, body, sign(secret, body)).status;
  }
  void processAll() {
    for (int i = 0; i < 100 && processor_->runOnce() > 0; ++i) {
    }
  }
  template <class T>
  T query(const std::string& sql) {
    T value{};
    tx([&](Poco::Data::Session& s) { s << sql, into(value), now; });
    return value;
  }
  std::vector<store::EventRecord> events(const std::string& kind) {
    std::vector<store::EventRecord> out;
    tx([&](Poco::Data::Session& s) { out = store::Events(db_->dialect()).list(s, "", kind, 100); });
    return out;
  }

  /**
   * every_type.json (whose nfm_reply carries flow token tok-123) processed with tok-123 stored
   * as `session`: the token's state after, and whether the echo plugin saw a Flow completion.
   */
  std::pair<std::string, bool> completionWith(store::FlowSession session) {
    session.token = "tok-123";
    tx([&](Poco::Data::Session& s) {
      store::FlowSessions(db_->dialect()).create(s, session);  // open
      s << "UPDATE flow_sessions SET state = ? WHERE token = ?", bind(session.state),
          bind(session.token), now;
    });
    EXPECT_EQ(post(fixture("every_type.json"), "acme-secret"), 200);
    processAll();
    std::optional<store::FlowSession> after;
    tx([&](Poco::Data::Session& s) {
      after = store::FlowSessions(db_->dialect()).get(s, "tok-123");
    });
    return {after->state,
            query<int>(
                "SELECT COUNT(*) FROM outbox WHERE payload LIKE '%flow airtime completed%'") == 1};
  }

  std::unique_ptr<outbound::OutboundQueue> queue_;
  std::unique_ptr<inbound::InboundProcessor> processor_;
};

TEST_P(ProcessingTest, EveryMessageOfABatchIsStoredOnceAndAnsweredOnce) {
  const std::string body = fixture("every_type.json");
  ASSERT_EQ(post(body, "acme-secret"), 200);
  processAll();
  EXPECT_EQ(query<int>("SELECT COUNT(*) FROM messages WHERE tenant = 'acme' AND direction = 'in'"),
            21);
  EXPECT_EQ(query<int>("SELECT COUNT(*) FROM conversation_jobs WHERE state = 'done'"), 21);
  // echo answers the four text messages (tok-123 is no token of ours here, so the flow reply
  // gets none); three replies wait in the outbox for the dispatcher. The fourth would go to a
  // contact known only by its business-scoped id, which cannot be sent to: it is kept as an
  // error event with the reason instead.
  EXPECT_EQ(query<int>("SELECT COUNT(*) FROM outbox WHERE tenant = 'acme' AND state = 'queued'"),
            3);
  std::vector<store::EventRecord> refused = events("error");
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_EQ(refused[0].field, "reply");
  EXPECT_EQ(refused[0].position, "reply:wamid.bsuid:0");
  EXPECT_THAT(refused[0].reason, HasSubstr("is not a phone number"));
  std::optional<store::ContactRecord> wanjiku, bsuid;
  std::optional<store::MessageRecord> nfm;
  tx([&](Poco::Data::Session& s) {
    store::MessageStore m(db_->dialect());
    wanjiku = m.contact(s, "acme", "254711000001");
    bsuid = m.contact(s, "acme", "US.13491208655302741918");
    nfm = m.message(s, "acme", "wamid.nfm_reply");
  });
  ASSERT_TRUE(wanjiku);
  EXPECT_EQ(wanjiku->profileName, "Wanjiku");
  EXPECT_EQ(wanjiku->lastInboundAt, 1730231922000) << "the latest of its messages";
  ASSERT_TRUE(bsuid) << "a contact without a phone number is kept by its business-scoped id";
  ASSERT_TRUE(nfm);
  EXPECT_THAT(nfm->content, HasSubstr(R"("flow_token":"tok-123")"));

  // Meta retries, and other subscribed apps deliver the same updates again, byte for byte or
  // not: nothing is stored or answered twice.
  std::string reformatted = body;
  reformatted.insert(1, " ");
  ASSERT_EQ(post(body, "acme-secret"), 200);
  ASSERT_EQ(post(reformatted, "acme-secret"), 200);
  processAll();
  EXPECT_EQ(query<int>("SELECT COUNT(*) FROM inbox WHERE state = 'done'"), 2);
  EXPECT_EQ(query<int>("SELECT COUNT(*) FROM inbox WHERE state = 'duplicate'"), 1)
      << "the byte-for-byte repeat";
  EXPECT_EQ(query<int>("SELECT COUNT(*) FROM messages"), 21);
  EXPECT_EQ(query<int>("SELECT COUNT(*) FROM outbox"), 3);
  EXPECT_EQ(events("error").size(), 1u);
}

TEST_P(ProcessingTest, AFlowCompletionClosesItsTokenAndResumesTheConversationWithItsResponse) {
  // every_type.json's nfm_reply carries flow token tok-123 with amount and network.
  tx([&](Poco::Data::Session& s) {
    store::FlowSessions(db_->dialect())
        .create(s, {"tok-123", "acme", "254711000001", "airtime", "conv-7", "open", 1,
                    store::nowMs() + 60000, 0});
  });
  ASSERT_EQ(post(fixture("every_type.json"), "acme-secret"), 200);
  processAll();
  std::optional<store::FlowSession> session;
  tx([&](Poco::Data::Session& s) {
    session = store::FlowSessions(db_->dialect()).get(s, "tok-123");
  });
  EXPECT_EQ(session->state, "closed");
  std::string reply;
  tx([&](Poco::Data::Session& s) {
    s << "SELECT payload FROM outbox WHERE idempotency_key = 'reply:wamid.nfm_reply:0'",
        into(reply), now;
  });
  EXPECT_THAT(reply, HasSubstr("echo:flow airtime completed amount=50 network=safaricom"));
  EXPECT_EQ(query<int>("SELECT COUNT(*) FROM outbox"), 4)
      << "three text echoes and the flow acknowledgement";
}

TEST_P(ProcessingTest, AFlowCompletionForAnotherContactIsAnOrdinaryMessage) {
  EXPECT_EQ(completionWith(
                {"", "acme", "254799999999", "airtime", "", "open", 1, store::nowMs() + 60000, 0}),
            std::make_pair(std::string("open"), false));
}

TEST_P(ProcessingTest, AFlowCompletionWithAnExpiredTokenIsAnOrdinaryMessage) {
  EXPECT_EQ(
      completionWith({"", "acme", "254711000001", "airtime", "", "open", 1, store::nowMs() - 1, 0}),
      std::make_pair(std::string("open"), false));
}

TEST_P(ProcessingTest, AFlowCompletionWithATokenUsedAlreadyIsAnOrdinaryMessage) {
  EXPECT_EQ(completionWith({"", "acme", "254711000001", "airtime", "", "closed", 1,
                            store::nowMs() + 60000, 5}),
            std::make_pair(std::string("closed"), false));
}

TEST_P(ProcessingTest, AFlowTheDataEndpointCompletedIsAnsweredOnceItsMessageComesEvenAfterExpiry) {
  EXPECT_EQ(completionWith(
                {"", "acme", "254711000001", "airtime", "", "completed", 1, store::nowMs() - 1, 5}),
            std::make_pair(std::string("closed"), true));
}

TEST_P(ProcessingTest, StatusesMoveForwardOnlyAndEveryEventIsKept) {
  tx([&](Poco::Data::Session& s) {
    store::MessageStore m(db_->dialect());
    for (const char* id : {"wamid.out1", "wamid.out2", "wamid.voice-out"}) {
      m.insertOnce(s,
                   {"acme", id, "out", "100000000000001", "254711000001", "text", "{}", 1,
                    "accepted", 1, ""},
                   1);
    }
  });
  ASSERT_EQ(post(fixture("statuses.json"), "acme-secret"), 200);
  processAll();
  std::optional<store::MessageRecord> out1, out2, voice;
  tx([&](Poco::Data::Session& s) {
    store::MessageStore m(db_->dialect());
    out1 = m.message(s, "acme", "wamid.out1");
    out2 = m.message(s, "acme", "wamid.out2");
    voice = m.message(s, "acme", "wamid.voice-out");
  });
  EXPECT_EQ(out1->status, "read")
      << "read arrived first; the late delivered and sent did not overwrite it";
  EXPECT_EQ(out2->status, "failed");
  EXPECT_THAT(out2->error, HasSubstr("131026"));
  EXPECT_EQ(voice->status, "played");
  EXPECT_EQ(query<int>("SELECT COUNT(*) FROM status_events"), 5);
  auto errors = events("error");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_THAT(errors[0].payload, HasSubstr("130429"));
  auto fields = events("field");
  ASSERT_EQ(fields.size(), 1u);
  EXPECT_EQ(fields[0].field, "message_template_status_update");
  EXPECT_EQ(fields[0].tenant, "acme");
}

TEST_P(ProcessingTest, TheSameDeliveryPostedThreeTimesConcurrentlyIsProcessedOnce) {
  const std::string body = fixture("every_type.json");  // 21 messages for tenant acme
  std::vector<std::future<int>> posts;
  for (int i = 0; i < 3; ++i)
    posts.push_back(std::async(std::launch::async, [&] { return post(body, "acme-secret"); }));
  for (auto& p : posts) EXPECT_EQ(p.get(), 200);
  ASSERT_EQ(inbox().size(), 3u) << "each delivery is acknowledged only once it is stored";
  processAll();
  std::vector<store::InboxRow> rows = inbox();
  std::vector<store::InboxRow> done, duplicates;
  for (const auto& row : rows) (row.state == "done" ? done : duplicates).push_back(row);
  ASSERT_EQ(done.size(), 1u);
  ASSERT_EQ(duplicates.size(), 2u);
  for (const auto& d : duplicates) {
    EXPECT_EQ(d.state, "duplicate");
    EXPECT_EQ(d.error, "same body as delivery " + std::to_string(done[0].id));
  }
  EXPECT_EQ(query<int>("SELECT COUNT(*) FROM messages"), 21);
  EXPECT_EQ(query<int>("SELECT COUNT(*) FROM conversation_jobs"), 21);
  EXPECT_EQ(query<int>("SELECT COUNT(*) FROM outbox"), 3);
  EXPECT_EQ(query<int>("SELECT COUNT(*) FROM events"), 1)
      << "the one refused reply, as after a single delivery";
}

TEST_P(ProcessingTest, ADeliveryThatFailsInABatchLeavesNothingBehindAndTheOthersAreProcessed) {
  // Deliveries are processed in batches, one transaction each, every delivery in a savepoint.
  // MariaDB (strict mode) refuses a profile name longer than its column (512): that delivery
  // must fail alone, its contact and message unwritten, while the deliveries around it commit.
  // SQLite has no length limit and stores all three.
  auto delivery = [](int n, const std::string& name) {
    const std::string from = "25471100000" + std::to_string(n);
    return R"({"object":"whatsapp_business_account","entry":[{"id":"WABA","changes":[{"field":"messages","value":{)"
           R"("messaging_product":"whatsapp","metadata":{"display_phone_number":"254700000001","phone_number_id":"100000000000001"},)"
           R"("contacts":[{"profile":{"name":")" +
           name + R"("},"wa_id":")" + from +
           R"("}],)"
           R"("messages":[{"from":")" +
           from + R"(","id":"wamid.batch)" + std::to_string(n) +
           R"(","timestamp":"1730231903","type":"text","text":{"body":"hi"}}]}}]}]})";
  };
  ASSERT_EQ(post(delivery(1, "Wanjiku"), "acme-secret"), 200);
  ASSERT_EQ(post(delivery(2, std::string(600, 'x')), "acme-secret"), 200);
  ASSERT_EQ(post(delivery(3, "Otieno"), "acme-secret"), 200);
  ASSERT_GT(processor_->runOnce(), 0u);  // one claim takes all three (a batch is up to 64)

  std::map<std::string, std::string> states;
  for (const auto& row : inbox())
    states[row.body.substr(row.body.find("wamid.batch"), 12)] = row.state + " " + row.error;
  const bool mariaDb = GetParam() == store::Backend::kMysql;
  EXPECT_EQ(states["wamid.batch1"], "done ");
  EXPECT_EQ(states["wamid.batch3"], "done ");
  if (mariaDb) {
    EXPECT_THAT(states["wamid.batch2"], ::testing::StartsWith("pending "))
        << "retried later, with the reason";
    EXPECT_THAT(states["wamid.batch2"], HasSubstr("profile_name"));
    EXPECT_EQ(query<int>("SELECT COUNT(*) FROM contacts WHERE wa_id = '254711000002'"), 0)
        << "nothing half-written";
    EXPECT_EQ(query<int>("SELECT COUNT(*) FROM delivery_digests"), 2);
  } else {
    EXPECT_EQ(states["wamid.batch2"], "done ");
  }
  EXPECT_EQ(
      query<int>(
          "SELECT COUNT(*) FROM messages WHERE provider_id IN ('wamid.batch1', 'wamid.batch3')"),
      2);
  EXPECT_EQ(query<int>("SELECT COUNT(*) FROM messages"), mariaDb ? 2 : 3);
}

TEST_P(ProcessingTest, AChangeForAnUnknownNumberIsKeptAsUnroutable) {
  std::string body = fixture("every_type.json");
  body.replace(body.find("100000000000001"), 15, "999999999999999");
  ASSERT_EQ(post(body, "acme-secret"), 200);
  processAll();
  auto unroutable = events("unroutable");
  ASSERT_EQ(unroutable.size(), 1u);
  EXPECT_EQ(unroutable[0].reason, "no tenant owns phone_number_id 999999999999999");
  EXPECT_THAT(unroutable[0].payload, HasSubstr("wamid.text"));
  EXPECT_EQ(query<int>("SELECT COUNT(*) FROM messages"), 0);
}

TEST_P(ProcessingTest, AMessagesChangeWithoutAValueIsKeptAsUnroutable) {
  ASSERT_EQ(
      post(
          R"({"object":"whatsapp_business_account","entry":[{"id":"WABA","changes":[{"field":"messages"}]}]})",
          "acme-secret"),
      200);
  processAll();
  auto unroutable = events("unroutable");
  ASSERT_EQ(unroutable.size(), 1u);
  EXPECT_EQ(unroutable[0].reason, "a messages change without a value object");
  EXPECT_EQ(query<int>("SELECT COUNT(*) FROM inbox WHERE state = 'done'"), 1)
      << "kept, not retried";
}

TEST_P(ProcessingTest, AnotherAppsSignatureCannotWriteIntoATenant) {
  ASSERT_EQ(post(fixture("every_type.json"), "other-secret"), 200);  // app 222 signs acme's number
  processAll();
  auto unroutable = events("unroutable");
  ASSERT_EQ(unroutable.size(), 1u);
  EXPECT_EQ(unroutable[0].reason,
            "phone_number_id 100000000000001 belongs to tenant acme, whose app did not sign this "
            "delivery");
  EXPECT_EQ(query<int>("SELECT COUNT(*) FROM messages"), 0);
}

TEST_P(ProcessingTest,
       DeliveriesOfATenantWithoutAnAppIdAcknowledgedBeforeASecretRotationAreProcessedAfterIt) {
  // acme without an app id: its deliveries are stored under its tenant, not under its secret.
  const std::string acme =
      "whatsapp.phone_number_ids = 100000000000001\nwhatsapp.verify_token = acme-token\n"
      "plugins.whatsapp.plugin = ke.baraza.channel.whatsapp\n"
      "plugins.bot.plugin = ke.baraza.conversation.echo\n";
  config_.writeTenant("acme", acme + "whatsapp.app_secret = acme-secret\n");
  ASSERT_TRUE(tenants_->reload().isOk());
  ASSERT_EQ(post(fixture("every_type.json"), "acme-secret"),
            200);  // the backlog, not processed yet
  EXPECT_EQ(inbox().front().app, "tenant:acme") << "no digest of the secret is stored";
  config_.writeTenant("acme",
                      acme + "whatsapp.app_secret = acme-rotated\n");  // the old one is gone
  ASSERT_TRUE(tenants_->reload().isOk());
  processAll();
  EXPECT_TRUE(events("unroutable").empty());
  EXPECT_EQ(query<int>("SELECT COUNT(*) FROM messages WHERE tenant = 'acme' AND direction = 'in'"),
            21);
  // A delivery an older host stored under a digest of the secret is still this tenant's.
  tx([&](Poco::Data::Session& s) {
    store::Inbox(db_->dialect())
        .append(s, {"secret:" + crypto::toHex(crypto::sha256("acme-rotated")).substr(0, 12),
                    fixture("statuses.json"), store::nowMs()});
  });
  processAll();
  EXPECT_TRUE(events("unroutable").empty());
  EXPECT_EQ(query<int>("SELECT COUNT(*) FROM inbox WHERE state = 'done'"), 2);
}

TEST_P(ProcessingTest, SignedInvalidJsonFailsVisiblyAndIsNotRetried) {
  ASSERT_EQ(post("{oops", "acme-secret"), 200);
  processAll();
  std::vector<store::InboxRow> failed;
  tx([&](Poco::Data::Session& s) { failed = store::Inbox(db_->dialect()).list(s, "failed", 10); });
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_THAT(failed[0].error, HasSubstr("not valid JSON"));
  EXPECT_EQ(failed[0].attempts, 1);
}

BARAZA_ON_BOTH_BACKENDS(ProcessingTest);

TEST(WebhookOutage, AStoreOutageIs503AndNothingAcknowledgedIsLost) {
  store::testing::MariaDbServer server;  // our own, to stop
  const std::string url = server.createDatabase();
  auto db = store::Database::open(url, "");
  ASSERT_TRUE(db.isOk()) << db.status().toString();
  ASSERT_TRUE(store::migrate(**db).isOk());

  baraza::testing::TempConfig config;
  config.writeTenant("pywa",
                     "whatsapp.phone_number_ids = 277321005464405\n"
                     "whatsapp.app_secret = " +
                         kW1Secret + "\nwhatsapp.verify_token = t\n");
  auto registry = plugins::PluginRegistry::scan(BARAZA_PLUGINS_DIR);
  tenants::TenantManager tenants(config.path() + "/tenants.d", registry, {});
  tenants.start();
  store::InboxWriter inboxWriter(*db, {});
  inbound::WebhookReceiver receiver(tenants, inboxWriter);

  std::vector<std::string> acknowledged;
  auto post = [&](int i) {
    const std::string body =
        R"({"object":"whatsapp_business_account","n":)" + std::to_string(i) + "}";
    inbound::Receipt r = receiver.receive("", sign(kW1Secret, body), body);
    if (r.httpStatus() == 200) acknowledged.push_back(body);
    return r.httpStatus();
  };
  for (int i = 0; i < 20; ++i) EXPECT_EQ(post(i), 200);
  server.stop();
  for (int i = 20; i < 25; ++i) EXPECT_EQ(post(i), 503) << "acknowledged while the store was down";
  server.restart();
  int recovered = 0;
  for (int i = 25; i < 45 && recovered == 0; ++i) {
    if (post(i) == 200)
      recovered = i;
    else
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_GT(recovered, 0) << "the host never recovered after the store came back";

  std::vector<store::InboxRow> rows;
  ASSERT_TRUE((*db)
                  ->transaction([&](Poco::Data::Session& s) {
                    rows = store::Inbox((*db)->dialect()).list(s, "", 1000);
                  })
                  .isOk());
  std::set<std::string> stored;
  for (const auto& row : rows) stored.insert(row.body);
  for (const auto& body : acknowledged)
    EXPECT_TRUE(stored.count(body)) << "acknowledged but lost: " << body;
}

}  // namespace
}  // namespace baraza
