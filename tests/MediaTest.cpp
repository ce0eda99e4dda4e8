// Inbound media end to end: a signed webhook naming a media item, the download from the fake
// Graph API (lookup, short-lived URL, bytes), the SHA-256 check and the fsmedia plugin's files,
// on SQLite and a private MariaDB. Every component is the real one; only Meta is a fake.
#include <dirent.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "app/WebhookRoutes.h"
#include "common/JsonText.h"
#include "common/testing/HttpCall.h"
#include "crypto/Crypto.h"
#include "fakes/FakeGraph.h"
#include "http/HttpClient.h"
#include "http/HttpServer.h"
#include "inbound/InboundProcessor.h"
#include "media/MediaFetcher.h"
#include "outbound/OutboundQueue.h"
#include "store/InboxWriter.h"
#include "store/MediaItems.h"
#include "store/SqlKeyValueStore.h"
#include "store/testing/StoreTest.h"
#include "support/TempConfig.h"
#include "tenants/TenantManager.h"

namespace baraza {
namespace {

using jsontext::json;
using Poco::JSON::Object;
using ::testing::HasSubstr;

constexpr const char* kNumber = "100000000000001";
constexpr const char* kSecret = "acme-secret";
constexpr const char* kPerson = "254700000001";

/** `size` bytes that differ from those of another seed. */
std::string bytesOf(size_t size, char seed) {
  std::string out(size, '\0');
  for (size_t i = 0; i < size; ++i) out[i] = static_cast<char>(seed + i * 31 + (i >> 10));
  return out;
}

std::string hexSha256(const std::string& bytes) { return crypto::toHex(crypto::sha256(bytes)); }

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

/** Regular files under `dir`, recursively, skipping nothing. */
size_t filesUnder(const std::string& dir) {
  size_t n = 0;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (const dirent* e = ::readdir(d)) {
      const std::string name = e->d_name;
      if (name == "." || name == "..") continue;
      if (e->d_type == DT_DIR)
        n += filesUnder(dir + "/" + name);
      else
        ++n;
    }
    ::closedir(d);
  }
  return n;
}

class MediaTest : public store::testing::StoreTest {
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
    kv_ = std::make_unique<store::SqlKeyValueStore>(db_);
    root_ = config_.path() + "/media";
  }
  void TearDown() override {
    if (server_) server_->stop();
    if (processor_) processor_->stop();
    if (fetcher_) fetcher_->stop();
  }

  void start(media::MediaSettings settings = {}) {
    config_.writeTenant("acme", std::string("whatsapp.phone_number_ids = ") + kNumber + "\n" +
                                    "whatsapp.app_secret = " + kSecret + "\n" +
                                    "whatsapp.verify_token = acme-token\n"
                                    "whatsapp.access_token = test-token\n"
                                    "plugins.whatsapp.plugin = ke.baraza.channel.whatsapp\n"
                                    "plugins.echo.plugin = ke.baraza.conversation.echo\n"
                                    "plugins.media.plugin = ke.baraza.media.fs\n"
                                    "plugins.media.config.root = " +
                                    root_ + "\n");
    tenants::SharedServices shared;
    shared.http = [this](const HttpRequest& request) { return http_->send(request); };
    shared.kv = kv_.get();
    shared.database = db_.get();
    tenants_ =
        std::make_unique<tenants::TenantManager>(config_.path() + "/tenants.d", registry_, shared);
    tenants_->start();
    ASSERT_TRUE(tenants_->current()->byId("acme")) << "tenant did not start";
    for (const auto& slot : tenants_->current()->byId("acme")->instances()) {
      ASSERT_TRUE(slot.instance) << slot.binding.name << ": " << slot.error;
    }
    queue_ = std::make_unique<outbound::OutboundQueue>(db_, *tenants_, 3600 * 1000);
    inboxWriter_ = std::make_unique<store::InboxWriter>(db_, store::GroupCommitSettings{});
    receiver_ = std::make_unique<inbound::WebhookReceiver>(*tenants_, *inboxWriter_);
    inbound::ProcessorSettings processing;
    processing.idleMs = 20;
    processor_ =
        std::make_unique<inbound::InboundProcessor>(db_, *tenants_, *queue_, processing, "host-a");
    settings.idleMs = 20;
    fetcher_ = std::make_unique<media::MediaFetcher>(db_, *tenants_, *http_, settings, "host-a");
    receiver_->onStored([this] { processor_->wake(); });
    processor_->onMedia([this] { fetcher_->wake(); });
    processor_->start();
    fetcher_->start();
    http::Router router;
    app::addWebhookRoutes(router, *receiver_);
    http::HttpServerSettings serverSettings;
    serverSettings.port = 0;
    server_ = std::make_unique<http::HttpServer>(serverSettings, std::move(router));
    server_->start();
  }

  /** Posts a signed delivery of one `type` message naming media `id` (as Meta's webhook does). */
  int post(const std::string& type, const std::string& id, const std::string& mimeType,
           const std::string& sha256, const std::string& wamid) {
    Object::Ptr media = new Object;
    media->set("id", id);
    media->set("mime_type", mimeType);
    media->set("sha256", sha256);
    Object::Ptr m = new Object;
    m->set("from", kPerson);
    m->set("id", wamid);
    m->set("timestamp", "1767225600");
    m->set("type", type);
    m->set(type, media);
    const std::string body =
        R"({"object":"whatsapp_business_account","entry":[{"id":"200000000000001","changes":[{"field":"messages","value":)"
        R"({"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550000001","phone_number_id":")" +
        std::string(kNumber) + R"("},"contacts":[{"profile":{"name":"Wanjiku"},"wa_id":")" +
        kPerson + R"("}],"messages":[)" + json(m) + "]}}]}]}";
    baraza::testing::HttpCall call{
        "POST", "/webhooks/whatsapp", body, {{"Content-Type", "application/json"}}};
    call.headers.emplace_back("X-Hub-Signature-256",
                              "sha256=" + crypto::toHex(crypto::hmacSha256(kSecret, body)));
    return baraza::testing::httpCall(server_->port(), call).status;
  }

  /** Serves `media` as `id` and posts a `type` message naming it. */
  void receive(const std::string& type, const std::string& id, fakes::FakeMedia media) {
    const std::string mime = media.mimeType;
    const std::string sha = hexSha256(media.bytes);
    graph_.addMedia(id, std::move(media));
    ASSERT_EQ(post(type, id, mime, sha, "wamid." + id), 200);
  }

  /** The item of provider media id `id` once it has settled (stored or failed), or as it stands
   * after 30 s. */
  store::MediaItem settled(const std::string& id) {
    store::MediaItems items(db_->dialect());
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (true) {
      std::optional<store::MediaItem> found;
      tx([&](Poco::Data::Session& s) {
        for (const auto& item : items.list(s, "acme", "", 100)) {
          if (item.providerMediaId == id) found = item;
        }
      });
      if (found && (found->state == "stored" || found->state == "failed")) return *found;
      if (std::chrono::steady_clock::now() > until) {
        ADD_FAILURE() << "media " << id << " did not settle: "
                      << (found ? found->state + " " + found->error : "no item");
        return found.value_or(store::MediaItem{});
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

  /** Requests to the fake whose path is `path`. */
  size_t callsTo(const std::string& path) {
    size_t n = 0;
    for (const auto& call : graph_.calls()) n += call.path == path;
    return n;
  }
  size_t downloadCalls() {
    size_t n = 0;
    for (const auto& call : graph_.calls()) n += call.path.rfind("/media-download/", 0) == 0;
    return n;
  }

  fakes::FakeGraph graph_;
  testing::TempConfig config_;
  std::string root_;
  plugins::PluginRegistry registry_;
  std::unique_ptr<http::HttpClient> http_;
  std::unique_ptr<store::SqlKeyValueStore> kv_;
  std::unique_ptr<tenants::TenantManager> tenants_;
  std::unique_ptr<outbound::OutboundQueue> queue_;
  std::unique_ptr<store::InboxWriter> inboxWriter_;
  std::unique_ptr<inbound::WebhookReceiver> receiver_;
  std::unique_ptr<inbound::InboundProcessor> processor_;
  std::unique_ptr<media::MediaFetcher> fetcher_;
  std::unique_ptr<http::HttpServer> server_;
};

TEST_P(MediaTest, AFileOfEachKindIsStoredWithItsBytesUnderItsHash) {
  start();
  const std::vector<std::pair<std::string, fakes::FakeMedia>> kinds{
      {"image", {bytesOf(300 * 1024, 'i'), "image/jpeg"}},
      {"audio", {bytesOf(90 * 1024, 'a'), "audio/ogg; codecs=opus"}},
      {"video", {bytesOf(2 * 1024 * 1024 + 7, 'v'), "video/mp4"}},
      {"document", {bytesOf(1000, 'd'), "application/pdf"}},
      {"sticker", {bytesOf(40 * 1024, 's'), "image/webp"}},
  };
  for (const auto& [type, media] : kinds) receive(type, "media-" + type, media);
  for (const auto& [type, media] : kinds) {
    const store::MediaItem item = settled("media-" + type);
    EXPECT_EQ(item.state, "stored") << type << ": " << item.error;
    EXPECT_EQ(item.kind, type);
    EXPECT_EQ(item.size, static_cast<int64_t>(media.bytes.size())) << type;
    const std::string sha = hexSha256(media.bytes);
    EXPECT_EQ(item.storageKey, "acme/" + sha.substr(0, 2) + "/" + sha) << type;
    EXPECT_TRUE(readFile(root_ + "/" + item.storageKey) == media.bytes) << type << ": bytes differ";
    EXPECT_EQ(graph_.downloads("media-" + type), 1) << type;
  }
  // The lookups carried the tenant's token and named the number; the downloads carried it too.
  for (const auto& call : graph_.calls()) EXPECT_EQ(call.authorization, "Bearer test-token");
  EXPECT_EQ(filesUnder(root_ + "/.tmp"), 0u);
  // Each message's conversation job waited for its media, then ran.
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (count("SELECT COUNT(*) FROM conversation_jobs WHERE state = 'done'") < 5 &&
         std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(count("SELECT COUNT(*) FROM conversation_jobs WHERE state = 'done'"), 5);
}

TEST_P(MediaTest, BytesThatDoNotMatchTheHashAreTriedAgainThenFailedAndNeverStored) {
  media::MediaSettings settings;
  settings.maxAttempts = 2;
  settings.retryBaseMs = 20;
  start(settings);
  fakes::FakeMedia photo{bytesOf(64 * 1024, 'p'), "image/jpeg"};
  photo.sha256 = hexSha256("the photo Meta promised");
  graph_.addMedia("tampered", photo);
  ASSERT_EQ(post("image", "tampered", "image/jpeg", photo.sha256, "wamid.tampered"), 200);
  const store::MediaItem item = settled("tampered");
  EXPECT_EQ(item.state, "failed");
  EXPECT_THAT(item.error, HasSubstr("not the expected " + photo.sha256));
  EXPECT_EQ(item.attempts, 2);
  EXPECT_EQ(item.storageKey, "");
  EXPECT_EQ(graph_.downloads("tampered"), 2);
  EXPECT_EQ(filesUnder(root_), 0u) << "nothing kept, not even a temporary file";
}

TEST_P(MediaTest, AnExpiredUrlIsLookedUpAgainAndTheFreshOneDownloaded) {
  start();
  fakes::FakeMedia note{bytesOf(20 * 1024, 'n'), "audio/ogg"};
  note.expiredDownloads = 1;
  receive("audio", "expiring", note);
  const store::MediaItem item = settled("expiring");
  EXPECT_EQ(item.state, "stored") << item.error;
  EXPECT_EQ(item.attempts, 1) << "within the same attempt";
  EXPECT_EQ(callsTo("/v25.0/expiring"), 2u) << "a second lookup for a fresh URL";
  EXPECT_EQ(downloadCalls(), 2u);
  EXPECT_TRUE(readFile(root_ + "/" + item.storageKey) == note.bytes);
}

TEST_P(MediaTest, OversizeAndWrongTypesFailAtOnceWithTheReasonAndNothingIsDownloaded) {
  start();
  fakes::FakeMedia big{bytesOf(1024, 'b'), "image/jpeg"};
  big.fileSize = 6 * 1024 * 1024;  // Graph says 6 MB: over an image's 5 MB
  receive("image", "big", big);
  fakes::FakeMedia gif{bytesOf(1024, 'g'), "image/gif"};
  graph_.addMedia("gif", gif);
  ASSERT_EQ(post("image", "gif", "image/jpeg", hexSha256(gif.bytes), "wamid.gif"), 200);
  // A size Graph understates: the download's announced length is refused before its body.
  fakes::FakeMedia sneaky{bytesOf(5 * 1024 * 1024 + 1, 's'), "image/png"};
  sneaky.fileSize = 1000;
  receive("image", "sneaky", sneaky);
  fakes::FakeMedia served{bytesOf(1024, 'x'), "image/jpeg"};
  served.servedType = "application/zip";
  receive("image", "served-zip", served);

  const store::MediaItem tooBig = settled("big");
  EXPECT_EQ(tooBig.state, "failed");
  EXPECT_EQ(tooBig.error, "6291456 bytes is over the 5242880 allowed for image media");
  const store::MediaItem wrongType = settled("gif");
  EXPECT_EQ(wrongType.state, "failed");
  EXPECT_EQ(wrongType.error,
            "type image/gif is not allowed for image media (image/jpeg, image/png)");
  const store::MediaItem understated = settled("sneaky");
  EXPECT_EQ(understated.state, "failed");
  EXPECT_THAT(understated.error, HasSubstr("announces 5242881 bytes, over the 5242880 allowed"));
  const store::MediaItem zip = settled("served-zip");
  EXPECT_EQ(zip.state, "failed");
  EXPECT_THAT(zip.error, HasSubstr("type application/zip is not allowed"));
  for (const auto* item : {&tooBig, &wrongType, &understated, &zip})
    EXPECT_EQ(item->attempts, 1) << item->providerMediaId << ": retrying cannot help";
  EXPECT_EQ(graph_.downloads("big") + graph_.downloads("gif"), 0);
  EXPECT_EQ(filesUnder(root_), 0u);
}

TEST_P(MediaTest, AMessageDeliveredTwiceIsDownloadedOnce) {
  start();
  fakes::FakeMedia photo{bytesOf(10 * 1024, 'd'), "image/png"};
  receive("image", "twice", photo);
  ASSERT_EQ(post("image", "twice", "image/png", hexSha256(photo.bytes), "wamid.twice"), 200);
  EXPECT_EQ(settled("twice").state, "stored");
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // a second download would be due
  EXPECT_EQ(count("SELECT COUNT(*) FROM media"), 1);
  EXPECT_EQ(graph_.downloads("twice"), 1);
}

TEST_P(MediaTest, AnIdGraphDoesNotKnowFailsAtOnce) {
  start();
  ASSERT_EQ(post("document", "forgotten", "application/pdf", "", "wamid.forgotten"), 200);
  const store::MediaItem item = settled("forgotten");
  EXPECT_EQ(item.state, "failed");
  EXPECT_THAT(item.error, HasSubstr("Graph does not know the media id"));
  EXPECT_EQ(item.attempts, 1);
}

BARAZA_ON_BOTH_BACKENDS(MediaTest);

}  // namespace
}  // namespace baraza
