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

#include "crypto/Crypto.h"
#include "media/MediaRetention.h"
#include "plugins/HostApi.h"
#include "store/MediaItems.h"
#include "support/InboundHost.h"

namespace baraza {
namespace {

using Poco::JSON::Object;
using ::testing::HasSubstr;

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

class MediaTest : public baraza::testing::InboundHostTest {
 protected:
  /** Tenant "acme" with the fsmedia store under root_ and the echo bot; `extra` lines added. */
  void start(media::MediaSettings settings = {}, const std::string& extra = "") {
    root_ = config_.path() + "/media";
    startHost(
        "plugins.echo.plugin = ke.baraza.conversation.echo\n"
        "plugins.media.plugin = ke.baraza.media.fs\n"
        "plugins.media.config.root = " +
            root_ + "\n" + extra,
        settings);
  }

  /** Posts a signed delivery of one `type` message naming media `id` (as Meta's webhook does). */
  int post(const std::string& type, const std::string& id, const std::string& mimeType,
           const std::string& sha256, const std::string& wamid) {
    Object::Ptr media = new Object;
    media->set("id", id);
    media->set("mime_type", mimeType);
    media->set("sha256", sha256);
    Object::Ptr m = new Object;
    m->set("id", wamid);
    m->set("type", type);
    m->set(type, media);
    return postMessage(m);
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

  std::string root_;
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

TEST_P(MediaTest, ASecondMessageNamingTheSameMediaIsAnsweredWithoutWaitingForIt) {
  start();
  fakes::FakeMedia photo{bytesOf(10 * 1024, 'f'), "image/png"};
  receive("image", "shared", photo);
  EXPECT_EQ(settled("shared").state, "stored");
  // Another message (another wamid) naming the same media id: the item stays the first's.
  ASSERT_EQ(post("image", "shared", "image/png", hexSha256(photo.bytes), "wamid.second"), 200);
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (count("SELECT COUNT(*) FROM conversation_jobs WHERE state = 'done'") < 2 &&
         std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(count("SELECT COUNT(*) FROM conversation_jobs WHERE state = 'done'"), 2)
      << "the second message's job does not wait for a download that is not its own";
  EXPECT_EQ(count("SELECT COUNT(*) FROM media"), 1);
  EXPECT_EQ(graph_.downloads("shared"), 1);
}

TEST_P(MediaTest, ATokenTheDispatcherExchangedIsTheOneDownloadsAndUploadsCarry) {
  start({}, "whatsapp.app_id = 333\n");
  // The file's token is refused: the first send has it exchanged for a long-lived one.
  graph_.setToken("long-lived");
  graph_.allowTokenExchange("333", "acme-secret", "test-token", "long-lived");
  ASSERT_TRUE(queue_
                  ->submit("acme",
                           R"({"to": "+254700000001", "type": "text", "text": {"body": "hi"}})",
                           "k1")
                  .isOk());
  dispatcher_->wake();
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (graph_.acceptedCount() == 0 && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_EQ(graph_.acceptedCount(), 1u) << "the send went out with the exchanged token";

  const std::string bytes = bytesOf(20 * 1024, 'x');
  receive("image", "1043210000000077", {bytes, "image/jpeg"});
  const store::MediaItem item = settled("1043210000000077");
  EXPECT_EQ(item.state, "stored") << item.error;
  EXPECT_EQ(item.attempts, 1) << "no attempt with the refused token";
  bool lookedUp = false;
  for (const auto& call : graph_.calls()) {
    if (call.path.find("1043210000000077") == std::string::npos) continue;
    if (call.path.rfind("/media-download/", 0) != 0) lookedUp = true;  // not the file's URL
    if (!call.authorization.empty())
      EXPECT_EQ(call.authorization, "Bearer long-lived") << call.path;
  }
  EXPECT_TRUE(lookedUp);

  // The stored photo sent back by its id: uploaded with the exchanged token too.
  const size_t before = graph_.calls().size();
  ASSERT_TRUE(
      queue_
          ->submit("acme",
                   R"({"to": "+254700000001", "type": "image", "image": {"stored_media_id": )" +
                       std::to_string(item.id) + "}}",
                   "k2")
          .isOk());
  const std::vector<fakes::GraphCall> calls = graph_.calls();
  ASSERT_GT(calls.size(), before) << "an upload";
  EXPECT_THAT(calls[before].path, HasSubstr("/media"));
  EXPECT_EQ(calls[before].authorization, "Bearer long-lived");
}

TEST_P(MediaTest, AnIdGraphDoesNotKnowFailsAtOnce) {
  start();
  ASSERT_EQ(post("document", "forgotten", "application/pdf", "", "wamid.forgotten"), 200);
  const store::MediaItem item = settled("forgotten");
  EXPECT_EQ(item.state, "failed");
  EXPECT_THAT(item.error, HasSubstr("Graph does not know the media id"));
  EXPECT_EQ(item.attempts, 1);
}

TEST_P(MediaTest, APluginReadsItsTenantsStoredItemsThroughTheHostApiAndNoOtherTenants) {
  start();
  const std::string bytes = bytesOf(5 * 1024 * 1024 + 3, 'r');  // more than one read gives
  receive("document", "media-read", {bytes, "application/pdf"});
  const store::MediaItem item = settled("media-read");
  ASSERT_EQ(item.state, "stored") << item.error;
  ASSERT_EQ(post("document", "forgotten", "application/pdf", "", "wamid.forgotten"), 200);
  const store::MediaItem failed = settled("forgotten");

  // The host API exactly as a plugin of each tenant calls it.
  tenants::SharedServices shared;
  shared.database = db_.get();
  tenants::TenantServices acme(*tenants_->current()->byId("acme"), shared);
  tenants::TenantConfig otherConfig;
  otherConfig.id = "other";
  tenants::Tenant other(otherConfig, shared);
  tenants::TenantServices others(other, shared);
  baraza_host_context acmeContext, otherContext;
  acmeContext.ref = {"acme", "bot", "test"};
  acmeContext.services = &acme;
  otherContext.ref = {"other", "bot", "test"};
  otherContext.services = &others;
  const baraza_host_api* host = plugins::hostApi();

  baraza_buf info{}, error{};
  ASSERT_EQ(host->media_info(&acmeContext, item.id, &info, &error), BARAZA_OK);
  const Poco::JSON::Object::Ptr described = jsontext::parseObject(plugins::takeBuffer(info));
  EXPECT_EQ(described->getValue<int64_t>("id"), item.id);
  EXPECT_EQ(jsontext::str(described, "kind"), "document");
  EXPECT_EQ(jsontext::str(described, "mime_type"), "application/pdf");
  EXPECT_EQ(described->getValue<int64_t>("size"), static_cast<int64_t>(bytes.size()));
  EXPECT_EQ(jsontext::str(described, "sha256"), hexSha256(bytes));

  std::string read;
  std::vector<char> piece(8 << 20);  // asks for more than the host gives at once
  int calls = 0;
  for (;;) {
    size_t n = 0;
    ASSERT_EQ(host->media_read(&acmeContext, item.id, read.size(), piece.data(), piece.size(), &n,
                               &error),
              BARAZA_OK)
        << plugins::takeBuffer(error);
    ++calls;
    if (n == 0) break;
    EXPECT_LE(n, 4u << 20);
    read.append(piece.data(), n);
  }
  EXPECT_TRUE(read == bytes) << "read " << read.size() << " bytes";
  EXPECT_EQ(calls, 3) << "4 MiB, the rest, then the end";

  // Another tenant learns nothing, not even that the item exists.
  size_t n = 0;
  EXPECT_EQ(host->media_read(&otherContext, item.id, 0, piece.data(), piece.size(), &n, &error),
            BARAZA_NOT_FOUND);
  EXPECT_EQ(plugins::takeBuffer(error),
            "tenant other has no media item " + std::to_string(item.id));
  EXPECT_EQ(host->media_info(&otherContext, item.id, &info, &error), BARAZA_NOT_FOUND);
  plugins::takeBuffer(error);
  EXPECT_EQ(host->media_info(&acmeContext, item.id + 1000, &info, &error), BARAZA_NOT_FOUND);
  plugins::takeBuffer(error);
  // An item that failed has no bytes to read, and says why.
  EXPECT_EQ(host->media_read(&acmeContext, failed.id, 0, piece.data(), piece.size(), &n, &error),
            BARAZA_FAILED_PRECONDITION);
  EXPECT_THAT(plugins::takeBuffer(error), HasSubstr("is failed: Graph does not know"));
}

TEST_P(MediaTest, AStoredItemIsSentByIdUploadedOnceAndOnlyAsAKindThatTakesIt) {
  start();
  const std::string bytes = bytesOf(200 * 1024, 'p');
  receive("document", "media-send", {bytes, "application/pdf"});
  const store::MediaItem item = settled("media-send");
  ASSERT_EQ(item.state, "stored") << item.error;
  const tenants::TenantPtr acme = tenants_->current()->byId("acme");
  auto sendAs = [&](const std::string& type, const std::string& id) {
    return queue_->prepare(*acme,
                           R"({"to":"+254700000009","type":")" + type + R"(",")" + type +
                               R"(":{"stored_media_id":)" + id + R"(,"filename":"report.pdf"}})",
                           "");
  };

  StatusOr<outbound::PreparedMessage> first = sendAs("document", std::to_string(item.id));
  ASSERT_TRUE(first.isOk()) << first.status().toString();
  ASSERT_EQ(graph_.uploads().size(), 1u);
  EXPECT_TRUE(graph_.uploads()[0].bytes == bytes);
  EXPECT_EQ(graph_.uploads()[0].fileType, "application/pdf");
  const std::string uploadedId = graph_.uploads()[0].id;
  EXPECT_THAT(first->message.payload, HasSubstr("\"id\":\"" + uploadedId + "\""));
  EXPECT_THAT(first->message.payload, Not(HasSubstr("stored_media_id")));
  StatusOr<outbound::PreparedMessage> again = sendAs("document", std::to_string(item.id));
  ASSERT_TRUE(again.isOk()) << again.status().toString();
  EXPECT_EQ(graph_.uploads().size(), 1u) << "the id is reused while it lives";

  StatusOr<outbound::PreparedMessage> asImage = sendAs("image", std::to_string(item.id));
  EXPECT_EQ(asImage.status().code(), Code::kInvalidArgument);
  EXPECT_THAT(asImage.status().message(), HasSubstr("stored media item " + std::to_string(item.id) +
                                                    " cannot be sent as image"));
  StatusOr<outbound::PreparedMessage> unknown = sendAs("document", "987654");
  EXPECT_EQ(unknown.status().code(), Code::kInvalidArgument);
  EXPECT_THAT(unknown.status().message(), HasSubstr("tenant acme has no stored media item 987654"));
  StatusOr<outbound::PreparedMessage> notANumber = sendAs("document", "\"x\"");
  EXPECT_EQ(notANumber.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(graph_.uploads().size(), 1u);
}

TEST_P(MediaTest, RetentionRemovesOldItemsAndAFileOnceNoItemHasItsBytes) {
  start();
  const std::string shared = bytesOf(8 * 1024, 'h');
  receive("image", "first", {shared, "image/jpeg"});
  receive("image", "second", {shared, "image/jpeg"});  // the same bytes in another message
  receive("document", "alone", {bytesOf(4 * 1024, 'o'), "application/pdf"});
  const store::MediaItem first = settled("first");
  const store::MediaItem second = settled("second");
  const store::MediaItem alone = settled("alone");
  ASSERT_EQ(first.storageKey, second.storageKey) << "equal bytes are one file";
  const int64_t cutoff = std::max({first.updatedAt, second.updatedAt, alone.updatedAt}) + 1;

  // Only the first image is old enough: its file stays, the second image still has it.
  tx([&](Poco::Data::Session& s) {
    s << "UPDATE media SET updated_at = 0 WHERE id = " + std::to_string(first.id),
        Poco::Data::Keywords::now;
  });
  StatusOr<size_t> purged = media::purgeMedia(*db_, *tenants_, 1);
  ASSERT_TRUE(purged.isOk()) << purged.status().message();
  EXPECT_EQ(*purged, 1u);
  EXPECT_TRUE(readFile(root_ + "/" + second.storageKey) == shared);

  purged = media::purgeMedia(*db_, *tenants_, cutoff);
  ASSERT_TRUE(purged.isOk()) << purged.status().message();
  EXPECT_EQ(*purged, 2u);
  EXPECT_EQ(count("SELECT COUNT(*) FROM media"), 0);
  EXPECT_EQ(filesUnder(root_), 0u) << "no file left that no item names";
}

BARAZA_ON_BOTH_BACKENDS(MediaTest);

}  // namespace
}  // namespace baraza
