// Sending end to end: the outbound queue, the dispatcher, the real WhatsApp channel plugin and the
// host HTTP client against the fake Graph API, on SQLite and a private MariaDB.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "common/JsonText.h"
#include "crypto/Crypto.h"
#include "fakes/FakeGraph.h"
#include "http/HttpClient.h"
#include "inbound/InboundProcessor.h"
#include "inbound/WebhookApps.h"
#include "outbound/Dispatcher.h"
#include "outbound/OutboundQueue.h"
#include "store/Inbox.h"
#include "store/Messages.h"
#include "store/Outbox.h"
#include "store/testing/StoreTest.h"
#include "support/TempConfig.h"
#include "tenants/TenantManager.h"

namespace baraza {
namespace {

using jsontext::json;
using jsontext::parseObject;
using jsontext::str;
using Poco::JSON::Object;
using ::testing::HasSubstr;

constexpr const char* kNumber = "100000000000001";

std::string tenantFile(const std::string& extra) {
  return std::string("whatsapp.phone_number_ids = ") + kNumber +
         ", 100000000000002\n"
         "whatsapp.app_secret = acme-secret\n"
         "whatsapp.verify_token = acme-token\n"
         "whatsapp.access_token = test-token\n"
         "plugins.whatsapp.plugin = ke.baraza.channel.whatsapp\n"
         "plugins.airtime.plugin = ke.baraza.flow.airtime\n" +
         extra;
}

/** The same JSON, keys sorted (Poco's default objects are ordered maps). */
std::string canonical(const std::string& text) { return json(parseObject(text)); }

class OutboundTest : public store::testing::StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    if (HasFatalFailure()) return;
    registry_ = plugins::PluginRegistry::scan(BARAZA_PLUGINS_DIR);
    registry_.loadAll();
    http::HttpClientSettings client;
    client.serviceBaseUrls["graph"] = graph_.baseUrl();
    client.timeoutMs = 5000;
    http_ = std::make_unique<http::HttpClient>(client);
    settings_.retry.retryBaseMs = 20;
    settings_.retry.retryMaxMs = 100;
    settings_.idleMs = 20;
    settings_.maxInFlight = 4;
  }
  void TearDown() override {
    if (dispatcher_) dispatcher_->stop();
  }

  /** Tenant "acme" with `extra` lines; the queue and dispatcher over it (not started). */
  void startTenant(const std::string& extra = "") {
    config_.writeTenant("acme", tenantFile(extra));
    tenants::SharedServices
        shared;  // the channel plugin's token exchange calls the fake through it
    shared.http = [this](const HttpRequest& request) { return http_->send(request); };
    tenants_ =
        std::make_unique<tenants::TenantManager>(config_.path() + "/tenants.d", registry_, shared);
    tenants_->start();
    ASSERT_TRUE(tenants_->current()->byId("acme")) << "tenant did not start";
    queue_ = std::make_unique<outbound::OutboundQueue>(db_, *tenants_, 3600 * 1000);
  }
  void startDispatcher(const std::string& owner = "host-a") {
    dispatcher_ = std::make_unique<outbound::Dispatcher>(db_, *tenants_, *queue_, *http_, settings_,
                                                         owner, &metrics_);
    dispatcher_->start();
  }

  int64_t submit(const std::string& message, const std::string& key = "") {
    StatusOr<int64_t> id = queue_->submit("acme", message, key);
    EXPECT_TRUE(id.isOk()) << id.status().toString();
    if (dispatcher_) dispatcher_->wake();
    return id.isOk() ? *id : 0;
  }
  std::string text(const std::string& to, const std::string& body) {
    return R"({"to":")" + to + R"(","type":"text","text":{"body":")" + body + "\"}}";
  }

  store::OutboxRow row(int64_t id) {
    std::optional<store::OutboxRow> r;
    tx([&](Poco::Data::Session& s) { r = store::Outbox(db_->dialect()).get(s, id); });
    return r.value_or(store::OutboxRow{});
  }
  /** Waits until message `id` is in `state` (or 20 s pass); its row then. */
  store::OutboxRow waitFor(int64_t id, const std::string& state,
                           std::chrono::seconds limit = std::chrono::seconds(20)) {
    const auto until = std::chrono::steady_clock::now() + limit;
    store::OutboxRow r = row(id);
    while (r.state != state && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      r = row(id);
    }
    return r;
  }
  /** Waits until the fake has accepted `n` calls or `until` comes. */
  void waitForAccepted(size_t n, std::chrono::steady_clock::time_point until) {
    while (graph_.acceptedCount() < n && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  /**
   * One number sending `messages` one at a time with 20 ms answers (under 50 a second: pacing
   * never holds them back) and leases of `numberLeaseMs`; returns once `accepted` went through.
   */
  void sendSteadily(int64_t numberLeaseMs, int messages, size_t accepted,
                    std::chrono::steady_clock::time_point until) {
    settings_.numberLeaseMs = numberLeaseMs;
    settings_.maxInFlight = 1;
    graph_.setLatencyMs(20);
    startTenant("whatsapp.messages_per_second = 100\n");
    for (int i = 0; i < messages; ++i) submit(text("+2547200" + std::to_string(10000 + i), "m"));
    startDispatcher();
    waitForAccepted(accepted, until);
  }

  fakes::FakeGraph graph_;
  baraza::testing::TempConfig config_;
  plugins::PluginRegistry registry_;
  std::unique_ptr<http::HttpClient> http_;
  std::unique_ptr<tenants::TenantManager> tenants_;
  std::unique_ptr<outbound::OutboundQueue> queue_;
  outbound::DispatchSettings settings_;
  Metrics metrics_;
  std::unique_ptr<outbound::Dispatcher> dispatcher_;
};

TEST_P(OutboundTest, EveryTypeReachesGraphAsItsPayload) {
  startTenant("whatsapp.pair_burst = 45\n");  // a dozen messages to one recipient at once
  struct Case {
    std::string message, expectedBody;
  };
  const std::string head =
      R"("messaging_product":"whatsapp","recipient_type":"individual","to":"+254700000001",)";
  const std::vector<Case> cases = {
      {R"({"to":"+254 700 000001","type":"text","text":{"body":"Habari","preview_url":true},"context":{"message_id":"wamid.Q"}})",
       "{" + head +
           R"("type":"text","text":{"body":"Habari","preview_url":true},"context":{"message_id":"wamid.Q"}})"},
      {R"({"to":"+254700000001","type":"image","image":{"link":"https://example.com/a.jpg","caption":"Receipt"}})",
       "{" + head +
           R"("type":"image","image":{"link":"https://example.com/a.jpg","caption":"Receipt"}})"},
      {R"({"to":"+254700000001","type":"video","video":{"id":"media-1"}})",
       "{" + head + R"("type":"video","video":{"id":"media-1"}})"},
      {R"({"to":"+254700000001","type":"audio","audio":{"id":"media-2"}})",
       "{" + head + R"("type":"audio","audio":{"id":"media-2"}})"},
      {R"({"to":"+254700000001","type":"sticker","sticker":{"id":"media-3"}})",
       "{" + head + R"("type":"sticker","sticker":{"id":"media-3"}})"},
      {R"({"to":"+254700000001","type":"document","document":{"id":"media-4","filename":"a.pdf","caption":"March"}})",
       "{" + head +
           R"("type":"document","document":{"id":"media-4","filename":"a.pdf","caption":"March"}})"},
      {R"({"to":"+254700000001","type":"location","location":{"latitude":-1.28,"longitude":36.82,"name":"Nairobi"}})",
       "{" + head +
           R"("type":"location","location":{"latitude":-1.28,"longitude":36.82,"name":"Nairobi"}})"},
      {R"({"to":"+254700000001","type":"contacts","contacts":[{"name":{"formatted_name":"Amina"},"phones":[{"phone":"+254711000001"}]}]})",
       "{" + head +
           R"("type":"contacts","contacts":[{"name":{"formatted_name":"Amina"},"phones":[{"phone":"+254711000001"}]}]})"},
      {R"({"to":"+254700000001","type":"reaction","reaction":{"message_id":"wamid.Q","emoji":"👍"}})",
       "{" + head + R"("type":"reaction","reaction":{"message_id":"wamid.Q","emoji":"👍"}})"},
      {R"({"to":"+254700000001","type":"interactive","interactive":{"type":"button","body":{"text":"Pay?"},"action":{"buttons":[{"type":"reply","reply":{"id":"y","title":"Yes"}},{"type":"reply","reply":{"id":"n","title":"No"}}]}}})",
       "{" + head +
           R"("type":"interactive","interactive":{"type":"button","body":{"text":"Pay?"},"action":{"buttons":[{"type":"reply","reply":{"id":"y","title":"Yes"}},{"type":"reply","reply":{"id":"n","title":"No"}}]}}})"},
      {R"({"to":"+254700000001","type":"interactive","interactive":{"type":"list","body":{"text":"Menu"},"action":{"button":"Open","sections":[{"title":"A","rows":[{"id":"1","title":"One","description":"first"}]}]}}})",
       "{" + head +
           R"("type":"interactive","interactive":{"type":"list","body":{"text":"Menu"},"action":{"button":"Open","sections":[{"title":"A","rows":[{"id":"1","title":"One","description":"first"}]}]}}})"},
      {R"({"to":"+254700000001","type":"template","template":{"name":"welcome","language":{"code":"en_US"},"components":[{"type":"body","parameters":[{"type":"text","text":"Amina"}]},{"type":"button","sub_type":"quick_reply","index":"0","parameters":[{"type":"payload","payload":"go"}]}]}})",
       "{" + head +
           R"("type":"template","template":{"name":"welcome","language":{"code":"en_US"},"components":[{"type":"body","parameters":[{"type":"text","text":"Amina"}]},{"type":"button","sub_type":"quick_reply","index":"0","parameters":[{"type":"payload","payload":"go"}]}]}})"},
      {R"({"type":"read","message_id":"wamid.IN"})",
       R"({"messaging_product":"whatsapp","status":"read","message_id":"wamid.IN"})"},
      {R"({"type":"typing","message_id":"wamid.IN2"})",
       R"({"messaging_product":"whatsapp","status":"read","message_id":"wamid.IN2","typing_indicator":{"type":"text"}})"},
  };
  std::vector<int64_t> ids;
  for (const auto& c : cases) ids.push_back(submit(c.message));
  settings_.maxInFlight = 1;  // one at a time, so the fake receives them in queue order
  startDispatcher();
  for (int64_t id : ids) EXPECT_EQ(waitFor(id, "sent").state, "sent") << "message " << id;
  std::vector<fakes::GraphCall> calls = graph_.calls();
  ASSERT_EQ(calls.size(), cases.size());
  for (size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(cases[i].message);
    EXPECT_EQ(calls[i].path, std::string("/v25.0/") + kNumber + "/messages");
    EXPECT_EQ(calls[i].authorization, "Bearer test-token");
    EXPECT_EQ(calls[i].status, 200) << calls[i].answer;
    EXPECT_EQ(canonical(calls[i].body), canonical(cases[i].expectedBody));
  }
  // Accepted messages keep their wamid, and a message row status webhooks will move forward.
  const store::OutboxRow first = row(ids[0]);
  EXPECT_THAT(first.providerId, HasSubstr("wamid.FAKE"));
  EXPECT_EQ(first.attempts, 1);
  std::optional<store::MessageRecord> message;
  tx([&](Poco::Data::Session& s) {
    message = store::MessageStore(db_->dialect()).message(s, "acme", first.providerId);
  });
  ASSERT_TRUE(message);
  EXPECT_EQ(message->direction, "out");
  EXPECT_EQ(message->status, "accepted");
  EXPECT_EQ(message->contact, "254700000001");
}

TEST_P(OutboundTest, AFlowMessageGetsATokenBoundToTheRecipientAndFlowPlugin) {
  startTenant();
  const int64_t id = submit(
      R"({"to":"+254700000009","type":"interactive","conversation":"conv-1","interactive":{"type":"flow","body":{"text":"Buy airtime"},)"
      R"("action":{"parameters":{"flow_id":"1234","flow_cta":"Buy","flow_action":"navigate","flow_action_payload":{"screen":"PHONE"}}}}})");
  startDispatcher();
  ASSERT_EQ(waitFor(id, "sent").state, "sent");
  Object::Ptr parameters = parseObject(graph_.calls().at(0).body)
                               ->getObject("interactive")
                               ->getObject("action")
                               ->getObject("parameters");
  EXPECT_EQ(str(parameters, "flow_message_version"), "3");
  const std::string token = str(parameters, "flow_token");
  EXPECT_GE(token.size(), 22u) << "128 random bits";
  std::optional<store::FlowSession> session;
  tx([&](Poco::Data::Session& s) { session = store::FlowSessions(db_->dialect()).get(s, token); });
  ASSERT_TRUE(session);
  EXPECT_EQ(session->tenant, "acme");
  EXPECT_EQ(session->contact, "254700000009");
  EXPECT_EQ(session->flow, "airtime");
  EXPECT_EQ(session->conversation, "conv-1");
  EXPECT_EQ(session->state, "open");
}

TEST_P(OutboundTest, InvalidMessagesAreRefusedWithTheReasonAndNothingIsQueued) {
  startTenant();
  auto refused = [&](const std::string& message) {
    StatusOr<int64_t> id = queue_->submit("acme", message, "");
    EXPECT_FALSE(id.isOk());
    return id.status();
  };
  EXPECT_EQ(refused(R"({"to":"+254700000001","type":"text","text":{"body":""}})").message(),
            "text.body: must not be empty");
  EXPECT_EQ(refused(R"({"to":"0712345678","type":"text","text":{"body":"x"}})").code(),
            Code::kInvalidArgument);
  EXPECT_EQ(
      refused(R"({"to":"+254700000001","phone_number_id":"999","type":"text","text":{"body":"x"}})")
          .code(),
      Code::kPermissionDenied);
  EXPECT_EQ(refused("not json").code(), Code::kInvalidArgument);
  EXPECT_EQ(queue_->submit("nobody", text("+254700000001", "x"), "").status().code(),
            Code::kNotFound);
  // Values longer than their columns are refused alike on both stores (MariaDB would fail the
  // insert, SQLite would keep them).
  EXPECT_EQ(
      queue_->submit("acme", text("+254700000001", "x"), std::string(192, 'k')).status().message(),
      "the idempotency key is 192 bytes long; at most 191 are allowed");
  EXPECT_EQ(
      refused(
          R"({"to":"+254700000009","type":"interactive","conversation":")" + std::string(129, 'c') +
          R"(","interactive":{"type":"flow","body":{"text":"Buy airtime"},"action":{"parameters":)"
          R"({"flow_id":"1234","flow_cta":"Buy","flow_action":"navigate","flow_action_payload":{"screen":"PHONE"}}}}})")
          .message(),
      "conversation is 129 bytes long; at most 128 are allowed");
  EXPECT_EQ(count("SELECT COUNT(*) FROM outbox"), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM flow_sessions"), 0);
  // The same idempotency key is the same message.
  EXPECT_EQ(submit(text("+254700000001", "x"), "k"), submit(text("+254700000001", "x"), "k"));
  EXPECT_EQ(count("SELECT COUNT(*) FROM outbox"), 1);
}

TEST_P(OutboundTest, TransientErrorsAreRetriedPermanentOnesFailWithTheirDetails) {
  startTenant();
  graph_.failRecipient("+254700000001", 131000, 2);  // something went wrong, twice
  graph_.failRecipient("+254700000002", 131026);     // undeliverable
  graph_.failRecipient("+254700000003", 2, 100);     // never recovers
  settings_.retry.maxAttempts = 3;
  const int64_t retried = submit(text("+254700000001", "a"));
  const int64_t undeliverable = submit(text("+254700000002", "b"));
  const int64_t exhausted = submit(text("+254700000003", "c"));
  startDispatcher();
  const store::OutboxRow ok = waitFor(retried, "sent");
  EXPECT_EQ(ok.state, "sent");
  EXPECT_EQ(ok.attempts, 3);
  const store::OutboxRow failed = waitFor(undeliverable, "failed");
  EXPECT_EQ(failed.state, "failed");
  EXPECT_EQ(failed.attempts, 1) << "permanent: not retried";
  Object::Ptr error = parseObject(failed.lastError);
  EXPECT_EQ(error->getValue<int>("code"), 131026);
  EXPECT_EQ(str(error, "title"), "Scripted failure");
  EXPECT_THAT(str(error, "details"), HasSubstr("failRecipient"));
  const store::OutboxRow gaveUp = waitFor(exhausted, "failed");
  EXPECT_EQ(gaveUp.state, "failed");
  EXPECT_EQ(gaveUp.attempts, 3) << "max attempts";
  EXPECT_EQ(parseObject(gaveUp.lastError)->getValue<int>("code"), 2);
}

TEST_P(OutboundTest, ThroughputAndPairRateRefusalsBackOffWithoutSpendingAttempts) {
  startTenant();
  graph_.failNext(130429);                        // the number is over its throughput
  graph_.failRecipient("+254700000002", 131056);  // pair rate for one recipient
  const int64_t first = submit(text("+254700000001", "a"));
  const int64_t paired = submit(text("+254700000002", "b"));
  const int64_t other = submit(text("+254700000003", "c"));
  settings_.maxInFlight = 1;
  startDispatcher();
  EXPECT_EQ(waitFor(first, "sent").attempts, 1)
      << "a throughput refusal is not the message's attempt";
  EXPECT_EQ(waitFor(paired, "sent").attempts, 1);
  EXPECT_EQ(waitFor(other, "sent").state, "sent");
  // Receive times: after 130429 the number waited ~1 s; after 131056 only +254700000002 waited
  // (4^0 = 1 s), so +254700000003 went before its retry.
  std::vector<fakes::GraphCall> calls = graph_.calls();
  ASSERT_EQ(calls.size(), 5u);
  EXPECT_EQ(calls[0].status, 400);
  EXPECT_GE(calls[1].receivedUs - calls[0].receivedUs, 900000);
  std::vector<std::string> accepted;
  int64_t refusedAt = 0, retriedAt = 0;
  for (const auto& c : calls) {
    if (c.status == 200) accepted.push_back(c.recipient);
    if (c.recipient == "+254700000002" && c.status != 200) refusedAt = c.receivedUs;
    if (c.recipient == "+254700000002" && c.status == 200) retriedAt = c.receivedUs;
  }
  EXPECT_EQ(accepted,
            (std::vector<std::string>{"+254700000001", "+254700000003", "+254700000002"}));
  EXPECT_GE(retriedAt - refusedAt, 900000);
}

TEST_P(OutboundTest, PacingHoldsPerNumberAndPerRecipientInOrder) {
  startTenant(
      "whatsapp.messages_per_second = 25\nwhatsapp.pair_interval_ms = 400\nwhatsapp.pair_burst = "
      "2\n");
  for (int i = 0; i < 100; ++i) submit(text("+2547100" + std::to_string(10000 + i), "m"));
  std::vector<int64_t> same;
  for (int i = 0; i < 5; ++i)
    same.push_back(submit(text("+254799999999", "n" + std::to_string(i))));
  startDispatcher();
  for (int64_t id : same) ASSERT_EQ(waitFor(id, "sent").state, "sent");
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (count("SELECT COUNT(*) FROM outbox WHERE state = 'sent'") < 105 &&
         std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::vector<fakes::GraphCall> calls = graph_.accepted();
  ASSERT_EQ(calls.size(), 105u);
  // No one-second window holds more than 25, measured where Meta measures: on arrival (the fake
  // records calls as it handles them, which need not be the order they arrived in).
  std::sort(calls.begin(), calls.end(),
            [](const auto& a, const auto& b) { return a.receivedUs < b.receivedUs; });
  for (size_t i = 0; i + 25 < calls.size(); ++i) {
    ASSERT_GE(calls[i + 25].receivedUs - calls[i].receivedUs, 1000000)
        << "26 within a second at " << i;
  }
  // One recipient: in queue order, one per 400 ms on average with bursts of two.
  std::vector<fakes::GraphCall> toSame;
  for (const auto& c : calls) {
    if (c.recipient == "+254799999999") toSame.push_back(c);
  }
  ASSERT_EQ(toSame.size(), 5u);
  for (size_t i = 0; i < toSame.size(); ++i) {
    EXPECT_THAT(toSame[i].body, HasSubstr("\"n" + std::to_string(i) + "\"")) << "in order";
  }
  // GCRA with a burst of two: any k + 2 consecutive sends span at least k intervals. Two may come
  // close together more than once: a send that waited (here, for a slot of the number's window)
  // leaves the burst's credit to the next.
  for (size_t i = 2; i < toSame.size(); ++i) {
    EXPECT_GE(toSame[i].receivedUs - toSame[i - 2].receivedUs, 400000 - 20000) << i;
  }
  EXPECT_GE(toSame.back().receivedUs - toSame.front().receivedUs, 3 * 400000 - 20000);
  EXPECT_EQ(metrics_.value("baraza_outbound_in_flight_short_total", ""), 0)
      << "pacing held them, not the calls allowed at once";
}

TEST_P(OutboundTest, TooFewCallsAtOnceForTheNumbersRateAreCountedAndTheMessagesStillGo) {
  // One call at a time and 100 ms answers carry about 10 msg/s; the number may send 80.
  settings_.maxInFlight = 1;
  settings_.numberLeaseMs = 1500;  // the check runs at each lease refresh, every 500 ms here
  graph_.setLatencyMs(100);
  startTenant();
  std::vector<int64_t> ids;
  for (int i = 0; i < 30; ++i)
    ids.push_back(submit(text("+2547100" + std::to_string(10000 + i), "m")));
  startDispatcher();
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (metrics_.value("baraza_outbound_in_flight_short_total", "") == 0 &&
         std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_GT(metrics_.value("baraza_outbound_in_flight_short_total", ""), 0);
  for (int64_t id : ids) ASSERT_EQ(waitFor(id, "sent").state, "sent");
  // The calls and their time, for an operator to see Meta's answer time (counted at each refresh
  // and at stop).
  dispatcher_->stop();
  EXPECT_EQ(metrics_.value("baraza_outbound_calls_total", ""), 30);
  const int64_t callUs = metrics_.value("baraza_outbound_call_microseconds_total", "");
  EXPECT_GE(callUs, 30 * 100000);
  EXPECT_LT(callUs, 30 * 1000000);
}

TEST_P(OutboundTest, CallsOverlapUpToMaxInFlightWithoutAThreadEach) {
  // Meta takes 100-300 ms to answer: the calls of a busy number must be under way together, as
  // many as max_in_flight allows and no more.
  settings_.maxInFlight = 8;
  graph_.setLatencyMs(300);
  startTenant();
  std::vector<int64_t> ids;
  for (int i = 0; i < 24; ++i)
    ids.push_back(submit(text("+2547200" + std::to_string(10000 + i), "m")));
  startDispatcher();
  for (int64_t id : ids) ASSERT_EQ(waitFor(id, "sent").state, "sent");
  EXPECT_EQ(graph_.mostSendsAtOnce(), 8);
}

TEST_P(OutboundTest, ARefusedTokenPausesTheTenantUntilTheTokenIsReplaced) {
  startTenant();
  graph_.setToken("new-token");
  const int64_t id = submit(text("+254700000001", "a"));
  startDispatcher();
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  const store::OutboxRow waiting = row(id);
  EXPECT_EQ(waiting.state == "queued" || waiting.state == "sending", true) << waiting.state;
  EXPECT_NE(waiting.state, "failed") << "a token problem fails nothing";
  const std::vector<fakes::GraphCall> tried = graph_.calls();
  ASSERT_FALSE(tried.empty());
  EXPECT_EQ(tried.front().authorization, "Bearer test-token") << "the pause follows a refused call";
  EXPECT_EQ(tried.front().status, 401);
  EXPECT_THAT(tried.front().answer, HasSubstr(R"("code":190)"));
  const size_t triedSoFar = tried.size();
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  EXPECT_EQ(graph_.calls().size(), triedSoFar) << "paused: no more calls with the refused token";

  // The operator puts the new token in the tenant file and reloads.
  config_.writeTenant("acme",
                      tenantFile("").replace(tenantFile("").find("test-token"), 10, "new-token"));
  ASSERT_TRUE(tenants_->reload().isOk());
  ASSERT_EQ(waitFor(id, "sent").state, "sent") << "the reload resumes the tenant";
  ASSERT_FALSE(graph_.accepted().empty());
  EXPECT_EQ(graph_.accepted().back().authorization, "Bearer new-token");
}

TEST_P(OutboundTest, ARefusedTokenIsExchangedWhenTheAppIsConfigured) {
  startTenant("whatsapp.app_id = 333\n");
  graph_.setToken("long-lived");
  graph_.allowTokenExchange("333", "acme-secret", "test-token", "long-lived");
  const int64_t id = submit(text("+254700000001", "a"));
  startDispatcher();
  EXPECT_EQ(waitFor(id, "sent").state, "sent");
  EXPECT_EQ(graph_.accepted().back().authorization, "Bearer long-lived");
  std::optional<fakes::GraphCall> exchange;
  for (const auto& c : graph_.calls()) {
    if (c.path == "/v25.0/oauth/access_token") exchange = c;
  }
  ASSERT_TRUE(exchange);
  EXPECT_EQ(exchange->method, "POST");
  EXPECT_EQ(exchange->query, "") << "no secret in the URL";
  EXPECT_THAT(exchange->body, HasSubstr("client_secret=acme-secret"));
}

TEST_P(OutboundTest, WithAMasterKeyTheExchangedTokenIsKeptEncryptedAndUsedAfterARestart) {
  startTenant("whatsapp.app_id = 333\n");
  graph_.setToken("long-lived-marker");
  graph_.allowTokenExchange("333", "acme-secret", "test-token", "long-lived-marker");
  settings_.masterKey = *store::MasterKey::parse(std::string(64, 'a'));
  const int64_t first = submit(text("+254700000001", "a"));
  startDispatcher();
  ASSERT_EQ(waitFor(first, "sent").state, "sent");
  // Kept by the scheduler within a lease renewal; encrypted: the token is not in the table.
  std::string stored;
  for (int i = 0; i < 200 && stored.empty(); ++i) {
    tx([&](Poco::Data::Session& s) {
      std::vector<std::string> rows;
      s << "SELECT HEX(ciphertext) FROM secrets WHERE tenant = 'acme' AND name = "
           "'whatsapp.long_lived_token'",
          Poco::Data::Keywords::into(rows), Poco::Data::Keywords::now;
      if (!rows.empty()) stored = rows.front();
    });
    if (stored.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_FALSE(stored.empty()) << "the exchanged token was not kept";
  EXPECT_EQ(stored.find(crypto::toHex(reinterpret_cast<const uint8_t*>("long-lived-marker"), 17)),
            std::string::npos);
  dispatcher_->stop();
  dispatcher_.reset();

  // A restarted host sends with the kept token at once: no refusal, no second exchange.
  const size_t callsBefore = graph_.calls().size();
  const int64_t second = submit(text("+254700000002", "b"));
  startDispatcher();
  ASSERT_EQ(waitFor(second, "sent").state, "sent");
  const std::vector<fakes::GraphCall> calls = graph_.calls();
  ASSERT_EQ(calls.size(), callsBefore + 1) << "one call: the send, with the kept token";
  EXPECT_EQ(calls.back().authorization, "Bearer long-lived-marker");
}

TEST_P(OutboundTest, OutsideTheWindowTheReengagementTemplateGoesInstead) {
  startTenant("whatsapp.reengagement_template = come_back\nwhatsapp.reengagement_language = sw\n");
  graph_.failRecipient("+254700000001", 131047);
  const int64_t id = submit(text("+254700000001", "late"));
  startDispatcher();
  const store::OutboxRow original = waitFor(id, "failed");
  EXPECT_EQ(original.state, "failed");
  EXPECT_EQ(parseObject(original.lastError)->getValue<int>("code"), 131047);
  EXPECT_THAT(original.lastError, HasSubstr("re-engagement template queued instead"));
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (graph_.accepted().empty() && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_EQ(graph_.accepted().size(), 1u);
  Object::Ptr body = parseObject(graph_.accepted()[0].body);
  EXPECT_EQ(str(body, "to"), "+254700000001");
  EXPECT_EQ(str(body->getObject("template"), "name"), "come_back");
  EXPECT_EQ(str(body->getObject("template")->getObject("language"), "code"), "sw");
}

TEST_P(OutboundTest, OutsideTheWindowWithoutATemplateTheMessageFails) {
  startTenant();
  graph_.failRecipient("+254700000001", 131047);
  const int64_t id = submit(text("+254700000001", "late"));
  startDispatcher();
  const store::OutboxRow original = waitFor(id, "failed");
  EXPECT_EQ(original.state, "failed");
  EXPECT_THAT(original.lastError, HasSubstr("no re-engagement template configured"));
}

TEST_P(OutboundTest, SendingStopsWhileNoLeaseCanBeRenewedAndResumesOnceOneCan) {
  // Leases renewed every 2 s and held for 4 s from each renewal. The leases table goes away for
  // 4.5 s: every renewal meanwhile fails and the hold runs out, so sending stops. Once the table
  // is back, the next attempt (failed ones are retried every half second, not every renewal
  // period) takes the number again and sending resumes.
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  sendSteadily(6000, 400, 20, until);
  ASSERT_GE(graph_.acceptedCount(), 20u);
  const bool mysql = GetParam() == store::Backend::kMysql;
  tx([&](Poco::Data::Session& s) {
    s << (mysql ? "RENAME TABLE leases TO leases_away"
                : "ALTER TABLE leases RENAME TO leases_away"),
        Poco::Data::Keywords::now;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(4500));
  tx([&](Poco::Data::Session& s) {
    s << (mysql ? "RENAME TABLE leases_away TO leases"
                : "ALTER TABLE leases_away RENAME TO leases"),
        Poco::Data::Keywords::now;
  });
  const int64_t back = store::nowMs() * 1000;
  auto firstAfter = [&](int64_t at) {
    int64_t first = INT64_MAX;
    for (const auto& c : graph_.accepted()) {
      if (c.receivedUs > at) first = std::min(first, c.receivedUs);
    }
    return first;
  };
  while (firstAfter(back) == INT64_MAX && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  // The hold had run out (at most 4 s after the last renewal, which came before the table went).
  EXPECT_EQ(firstAfter(back - 400000), firstAfter(back))
      << "sending went on while no lease could be renewed";
  ASSERT_NE(firstAfter(back), INT64_MAX) << "sending did not resume";
}

TEST_P(OutboundTest, MessagesADeadHostWasSendingAreSentAfterItsLeasesExpire) {
  startTenant();
  std::vector<int64_t> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(submit(text("+25470000000" + std::to_string(i), "m")));
  // A host claimed them and held the number, then died before recording anything.
  const int64_t diedAt = store::nowMs();
  tx([&](Poco::Data::Session& s) {
    store::Leases(db_->dialect())
        .acquire(s, std::string("dispatch:") + kNumber, "dead-host", diedAt, 1500);
    store::Outbox(db_->dialect()).claim(s, kNumber, "dead-host", diedAt, 1500, 10);
  });
  settings_.numberLeaseMs = 1500;
  startDispatcher("host-b");
  for (int64_t id : ids) {
    const store::OutboxRow r = waitFor(id, "sent");
    EXPECT_EQ(r.state, "sent");
    EXPECT_EQ(r.attempts, 2) << "the dead host's attempt counts";
  }
  EXPECT_EQ(graph_.acceptedCount(), 5u);
  // The dead host might have sent a whole window's worth up to its lease's end: the new holder's
  // first send is a full window after it.
  EXPECT_GE(graph_.accepted().front().receivedUs, (diedAt + 1500 + 1000) * 1000);
}

TEST_P(OutboundTest, StatusWebhooksMoveTheSentMessageForward) {
  startTenant();
  const int64_t id = submit(text("+254700000001", "a"));
  startDispatcher();
  const std::string wamid = waitFor(id, "sent").providerId;
  ASSERT_FALSE(wamid.empty());
  const std::string delivery =
      R"({"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"messaging_product":"whatsapp",)"
      R"("metadata":{"display_phone_number":"1","phone_number_id":")" +
      std::string(kNumber) + R"("},"statuses":[{"id":")" + wamid +
      R"(","status":"delivered","timestamp":"1790000000","recipient_id":"254700000001"}]}}]}]})";
  const std::string app = inbound::WebhookApps::keyOf(tenants_->current()->byId("acme")->config());
  tx([&](Poco::Data::Session& s) {
    store::Inbox(db_->dialect()).append(s, {app, delivery, store::nowMs()});
  });
  inbound::InboundProcessor processor(db_, *tenants_, *queue_, {}, "processor");
  processor.runOnce();
  std::optional<store::MessageRecord> message;
  tx([&](Poco::Data::Session& s) {
    message = store::MessageStore(db_->dialect()).message(s, "acme", wamid);
  });
  ASSERT_TRUE(message);
  EXPECT_EQ(message->status, "delivered");
}

BARAZA_ON_BOTH_BACKENDS(OutboundTest);

}  // namespace
}  // namespace baraza
