// Flow media through the real Flows endpoint (reference §1.13, vector M1): a data_exchange whose
// data names a photo on Meta's CDN (the fake serves vector M1's encrypted file) reaches the flow
// plugin with the host's stored media item in its place, the decrypted JPEG in the media store.
#include <Poco/File.h>
#include <Poco/JSON/Object.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "app/FlowRoutes.h"
#include "common/JsonText.h"
#include "common/testing/HttpCall.h"
#include "common/testing/ReadFile.h"
#include "common/testing/VectorM1.h"
#include "crypto/Crypto.h"
#include "fakes/FakeGraph.h"
#include "flows/FlowEndpoint.h"
#include "http/HttpClient.h"
#include "http/HttpServer.h"
#include "media/FlowMediaStore.h"
#include "store/MediaItems.h"
#include "store/testing/StoreTest.h"
#include "support/FlowClient.h"
#include "support/TempConfig.h"
#include "tenants/TenantManager.h"

namespace baraza {
namespace {

using jsontext::parseObject;
using jsontext::str;
using Poco::JSON::Object;

using baraza::testing::fromHexFile;
using baraza::testing::kM1Metadata;

class FlowMediaEndpointTest : public store::testing::StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    if (HasFatalFailure()) return;
    // The installed plugins and the echo flow fixture, side by side.
    const std::string plugins = config_.path() + "/plugins";
    Poco::File(plugins).createDirectories();
    for (const std::string& dir : {std::string(BARAZA_PLUGINS_DIR) + "/baraza-fsmedia",
                                   std::string(FIXTURE_PLUGINS_DIR) + "/fixture-echo-flow"}) {
      ASSERT_EQ(::symlink(dir.c_str(), (plugins + dir.substr(dir.rfind('/'))).c_str()), 0);
    }
    key_ = crypto::RsaPrivateKey::generate(2048).value();
    config_.write("flows.pem", key_->privatePem());
    root_ = config_.path() + "/media";
    config_.writeTenant("shop",
                        "whatsapp.phone_number_ids = 100000000000001\n"
                        "whatsapp.app_secret = shop-secret\nwhatsapp.verify_token = t\n"
                        "flows.private_key_files = ../flows.pem\n"
                        "plugins.echo.plugin = test.baraza.echo-flow\n"
                        "plugins.media.plugin = ke.baraza.media.fs\n"
                        "plugins.media.config.root = " +
                            root_ + "\n");
    registry_ = plugins::PluginRegistry::scan(plugins);
    registry_.loadAll();
    http_ = std::make_unique<http::HttpClient>(http::HttpClientSettings{});
    tenants::SharedServices shared;
    shared.http = [this](const HttpRequest& request) { return http_->send(request); };
    tenants_ =
        std::make_unique<tenants::TenantManager>(config_.path() + "/tenants.d", registry_, shared);
    tenants_->start();
    ASSERT_TRUE(tenants_->current()->byId("shop")) << "the shop tenant did not start";
    for (const auto& slot : tenants_->current()->byId("shop")->instances())
      ASSERT_TRUE(slot.instance) << slot.binding.name << ": " << slot.error;
    endpoint_ = std::make_unique<flows::FlowEndpoint>(*tenants_, db_);
    flowMedia_ = std::make_unique<media::FlowMediaStore>(db_, *tenants_, *http_);
    endpoint_->resolveMediaWith([this](const std::string& tenant, const std::string& data) {
      return flowMedia_->resolve(tenant, data);
    });
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

  /** A data_exchange of `data` on a fresh token; the status and the decrypted answer. */
  std::pair<int, std::string> exchange(const std::string& data) {
    const std::string token =
        flows::mintFlowToken(*db_, "shop", "254711000001", "echo", "conv-1", 600000).value();
    const std::string plaintext = R"({"version":"3.0","action":"data_exchange","screen":"PHOTO",)"
                                  R"("flow_token":")" +
                                  token + R"(","data":)" + data + "}";
    baraza::testing::ClientRequest request = baraza::testing::encrypt(*key_, plaintext);
    baraza::testing::HttpCall call{
        "POST", "/flows/shop", request.body, {{"Content-Type", "application/json"}}};
    call.headers.emplace_back("X-Hub-Signature-256",
                              baraza::testing::metaSignature("shop-secret", request.body));
    const auto reply = baraza::testing::httpCall(server_->port(), call);
    return {reply.status,
            reply.body.empty() ? "" : baraza::testing::decryptReply(request, reply.body)};
  }

  std::string photoEntry(const std::string& cdnUrl) const {
    return R"({"media_id":"790aba14-5f4f-4d1e-8b0a-1b1d2c3e4f50","cdn_url":")" + cdnUrl +
           R"(","file_name":"IMG_1234.jpg","encryption_metadata":)" + kM1Metadata + "}";
  }

  fakes::FakeGraph cdn_;
  baraza::testing::TempConfig config_;
  std::optional<crypto::RsaPrivateKey> key_;
  std::string root_;
  plugins::PluginRegistry registry_;
  std::unique_ptr<http::HttpClient> http_;
  std::unique_ptr<tenants::TenantManager> tenants_;
  std::unique_ptr<flows::FlowEndpoint> endpoint_;
  std::unique_ptr<media::FlowMediaStore> flowMedia_;
  std::unique_ptr<http::HttpServer> server_;
};

TEST_P(FlowMediaEndpointTest, VectorM1ReachesTheFlowPluginAsAStoredItemWithTheJpegKept) {
  fakes::FakeMedia blob{fromHexFile(VECTORS_DIR "/m1-cdn-file.hex"), "application/octet-stream"};
  blob.needsToken = false;
  cdn_.addMedia("m1", blob);
  const std::string url = cdn_.baseUrl() + "/media-download/m1";
  auto [status, answer] = exchange(R"({"photo_picker":[)" + photoEntry(url) + "]}");
  ASSERT_EQ(status, 200) << answer;

  // What the flow plugin was handed: the host's item, not the encrypted descriptor.
  Object::Ptr seen =
      parseObject(answer)->getObject("data")->getObject("request")->getObject("data");
  Object::Ptr photo = seen->getArray("photo_picker")->getObject(0);
  const std::string jpeg = fromHexFile(VECTORS_DIR "/m1-plaintext.hex");
  const std::string sha = crypto::toHex(crypto::sha256(jpeg));
  EXPECT_EQ(str(photo, "sha256"), sha);
  EXPECT_EQ(str(photo, "file_name"), "IMG_1234.jpg");
  EXPECT_EQ(str(photo, "mime_type"), "image/jpeg");
  EXPECT_EQ(photo->getValue<int64_t>("size"), static_cast<int64_t>(jpeg.size()));
  EXPECT_FALSE(photo->has("encryption_metadata"));
  EXPECT_FALSE(photo->has("cdn_url"));

  std::optional<store::MediaItem> item;
  tx([&](Poco::Data::Session& s) {
    item = store::MediaItems(db_->dialect()).get(s, photo->getValue<int64_t>("media_id"));
  });
  ASSERT_TRUE(item);
  EXPECT_EQ(item->state, "stored");
  EXPECT_EQ(item->kind, "image");
  EXPECT_TRUE(baraza::testing::readFile(root_ + "/" + item->storageKey) == jpeg);

  // The same request again (Meta retries) is the same item, not a second one.
  auto [again, repeated] = exchange(R"({"photo_picker":[)" + photoEntry(url) + "]}");
  ASSERT_EQ(again, 200);
  EXPECT_EQ(count("SELECT COUNT(*) FROM media"), 1);
}

TEST_P(FlowMediaEndpointTest, AFileThatFailsItsChecksFailsTheRequestAndNothingIsKept) {
  std::string tampered = fromHexFile(VECTORS_DIR "/m1-cdn-file.hex");
  tampered[10] ^= 1;
  fakes::FakeMedia blob{tampered, "application/octet-stream"};
  blob.needsToken = false;
  cdn_.addMedia("bad", blob);
  auto [status, answer] =
      exchange(R"({"photo_picker":[)" + photoEntry(cdn_.baseUrl() + "/media-download/bad") + "]}");
  EXPECT_EQ(status, 500);
  EXPECT_EQ(count("SELECT COUNT(*) FROM media"), 0);
}

BARAZA_ON_BOTH_BACKENDS(FlowMediaEndpointTest);

}  // namespace
}  // namespace baraza
