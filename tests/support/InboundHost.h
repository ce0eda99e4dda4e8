// An in-process host for end-to-end tests, on both stores: tenant "acme" behind the webhook
// route, with the real receiver, inbound processor, media fetcher and dispatcher, and the fake
// Graph API, KRA and OpenAI on 127.0.0.1 as its providers. Only Meta, KRA and OpenAI are fakes.
#pragma once

#include <Poco/JSON/Object.h>

#include <memory>
#include <string>

#include "app/WebhookRoutes.h"
#include "common/JsonText.h"
#include "common/Metrics.h"
#include "common/testing/HttpCall.h"
#include "crypto/Crypto.h"
#include "fakes/FakeGraph.h"
#include "fakes/FakeKra.h"
#include "fakes/FakeOpenAi.h"
#include "http/HttpClient.h"
#include "http/HttpServer.h"
#include "inbound/InboundProcessor.h"
#include "media/MediaFetcher.h"
#include "outbound/Dispatcher.h"
#include "outbound/OutboundQueue.h"
#include "store/InboxWriter.h"
#include "store/SqlKeyValueStore.h"
#include "store/testing/StoreTest.h"
#include "support/TempConfig.h"
#include "tenants/TenantManager.h"

namespace baraza::testing {

class InboundHostTest : public store::testing::StoreTest {
 protected:
  static constexpr const char* kNumber = "100000000000001";
  static constexpr const char* kSecret = "acme-secret";
  static constexpr const char* kPerson = "254700000001";

  void SetUp() override {
    StoreTest::SetUp();
    if (HasFatalFailure()) return;
    registry_ = plugins::PluginRegistry::scan(BARAZA_PLUGINS_DIR);
    registry_.loadAll();
    http::HttpClientSettings client;
    client.serviceBaseUrls["graph"] = graph_.baseUrl();
    client.serviceBaseUrls["kra"] = kra_.baseUrl();
    client.serviceBaseUrls["openai"] = openai_.baseUrl();
    client.timeoutMs = 5000;
    http_ = std::make_unique<http::HttpClient>(client);
    kv_ = std::make_unique<store::SqlKeyValueStore>(db_);
  }

  void TearDown() override {
    if (server_) server_->stop();
    if (processor_) processor_->stop();
    if (fetcher_) fetcher_->stop();
    if (dispatcher_) dispatcher_->stop();
  }

  /**
   * Starts tenant "acme" (its number, app secret and access token "test-token", the WhatsApp
   * channel) with `lines` added to its file, then the pipeline, polling every 20 ms.
   */
  void startHost(const std::string& lines, media::MediaSettings media = {}) {
    config_.writeTenant("acme", std::string("whatsapp.phone_number_ids = ") + kNumber + "\n" +
                                    "whatsapp.app_secret = " + kSecret + "\n" +
                                    "whatsapp.verify_token = acme-token\n"
                                    "whatsapp.access_token = test-token\n"
                                    "whatsapp.pair_interval_ms = 0\n"
                                    "plugins.whatsapp.plugin = ke.baraza.channel.whatsapp\n" +
                                    lines);
    tenants::SharedServices shared;
    shared.http = [this](const HttpRequest& request) { return http_->send(request); };
    shared.kv = kv_.get();
    shared.database = db_.get();
    shared.metrics = &metrics_;
    tenants_ =
        std::make_unique<tenants::TenantManager>(config_.path() + "/tenants.d", registry_, shared);
    tenants_->start();
    ASSERT_TRUE(tenants_->current()->byId("acme")) << "tenant did not start";
    for (const auto& slot : tenants_->current()->byId("acme")->instances()) {
      ASSERT_TRUE(slot.instance) << slot.binding.name << ": " << slot.error;
    }
    queue_ = std::make_unique<outbound::OutboundQueue>(db_, *tenants_, 3600 * 1000);
    outbound::DispatchSettings dispatch;
    dispatch.idleMs = 20;
    dispatcher_ = std::make_unique<outbound::Dispatcher>(db_, *tenants_, *queue_, *http_, dispatch,
                                                         "host-a", &metrics_);
    inboxWriter_ = std::make_unique<store::InboxWriter>(db_, store::GroupCommitSettings{});
    receiver_ = std::make_unique<inbound::WebhookReceiver>(*tenants_, *inboxWriter_);
    inbound::ProcessorSettings processing;
    processing.idleMs = 20;
    processor_ =
        std::make_unique<inbound::InboundProcessor>(db_, *tenants_, *queue_, processing, "host-a");
    media.idleMs = 20;
    fetcher_ = std::make_unique<media::MediaFetcher>(db_, *tenants_, *http_, media, "host-a");
    // As `baraza serve` wires them: downloads and uploads carry the token sends carry.
    const media::AccessToken token = [this](const tenants::TenantConfig& tenant) {
      return dispatcher_->accessToken(tenant);
    };
    fetcher_->useAccessToken(token);
    queue_->useAccessToken(token);
    receiver_->onStored([this] { processor_->wake(); });
    processor_->onQueued([this] { dispatcher_->wake(); });
    processor_->onMedia([this] { fetcher_->wake(); });
    processor_->start();
    fetcher_->start();
    dispatcher_->start();
    http::Router router;
    app::addWebhookRoutes(router, *receiver_);
    http::HttpServerSettings settings;
    settings.port = 0;
    server_ = std::make_unique<http::HttpServer>(settings, std::move(router));
    server_->start();
  }

  /**
   * Posts one delivery, signed with the app secret, holding `message` from kPerson (its "from"
   * and "timestamp" filled in) to acme's number; the HTTP status.
   */
  int postMessage(Poco::JSON::Object::Ptr message) { return postMessages({{kPerson, message}}); }

  /** One delivery holding each message from its contact, in order: processed as one batch. */
  int postMessages(const std::vector<std::pair<std::string, Poco::JSON::Object::Ptr>>& messages) {
    std::string contacts, bodies;
    for (auto [from, message] : messages) {  // copies: the pointers, not the messages
      message->set("from", from);
      message->set("timestamp", "1767225600");
      if (contacts.find('"' + from + '"') == std::string::npos)
        contacts += std::string(contacts.empty() ? "" : ",") +
                    R"({"profile":{"name":"Wanjiku"},"wa_id":")" + from + R"("})";
      bodies += (bodies.empty() ? "" : ",") + jsontext::json(message);
    }
    const std::string body =
        R"({"object":"whatsapp_business_account","entry":[{"id":"200000000000001","changes":[{"field":"messages","value":)"
        R"({"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550000001","phone_number_id":")" +
        std::string(kNumber) + R"("},"contacts":[)" + contacts + R"(],"messages":[)" + bodies +
        "]}}]}]}";
    HttpCall call{"POST", "/webhooks/whatsapp", body, {{"Content-Type", "application/json"}}};
    call.headers.emplace_back("X-Hub-Signature-256",
                              "sha256=" + crypto::toHex(crypto::hmacSha256(kSecret, body)));
    return httpCall(server_->port(), call).status;
  }

  fakes::FakeGraph graph_;
  fakes::FakeKra kra_;
  fakes::FakeOpenAi openai_;
  TempConfig config_;
  plugins::PluginRegistry registry_;
  Metrics metrics_;
  std::unique_ptr<http::HttpClient> http_;
  std::unique_ptr<store::SqlKeyValueStore> kv_;
  std::unique_ptr<tenants::TenantManager> tenants_;
  std::unique_ptr<outbound::OutboundQueue> queue_;
  std::unique_ptr<outbound::Dispatcher> dispatcher_;
  std::unique_ptr<store::InboxWriter> inboxWriter_;
  std::unique_ptr<inbound::WebhookReceiver> receiver_;
  std::unique_ptr<inbound::InboundProcessor> processor_;
  std::unique_ptr<media::MediaFetcher> fetcher_;
  std::unique_ptr<http::HttpServer> server_;
};

}  // namespace baraza::testing
