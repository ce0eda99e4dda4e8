// Media on real `baraza serve` processes, on SQLite and on MariaDB: a host killed in the middle
// of a 20 MB download leaves nothing half-stored and completes it after its restart; the media
// CLI lists, copies out, retries and purges what the host stored.
#include <Poco/Data/Session.h>
#include <dirent.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "common/JsonText.h"
#include "common/testing/HttpCall.h"
#include "crypto/Crypto.h"
#include "fakes/FakeGraph.h"
#include "store/Database.h"
#include "store/MediaItems.h"
#include "store/testing/StoreTest.h"
#include "support/BarazaProcess.h"
#include "support/Eventually.h"
#include "support/TempConfig.h"

namespace baraza::testing {
namespace {

using ::testing::HasSubstr;

constexpr const char* kNumber = "100000000000001";

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

/** Sizes of the files directly in `dir`. */
std::vector<int64_t> fileSizes(const std::string& dir) {
  std::vector<int64_t> out;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (const dirent* e = ::readdir(d)) {
      struct stat st {};
      if (e->d_name[0] != '.' && ::stat((dir + "/" + e->d_name).c_str(), &st) == 0)
        out.push_back(st.st_size);
    }
    ::closedir(d);
  }
  return out;
}

/** On each store: a fresh SQLite file, or a fresh database on the private MariaDB server. */
class MediaProcess : public ::testing::TestWithParam<store::Backend> {
 protected:
  void SetUp() override {
    try {
      storeUrl_ = store::testing::freshUrl(GetParam());
    } catch (const std::exception& e) {
      FAIL() << "cannot start the test database: " << e.what();
    }
    root_ = config_.path() + "/media";
    hostLines_ =
        "host.id = media\nhost.id_lease_seconds = 1\nmedia.workers = 1\n"
        "media.lease_seconds = 3600\n"
        "http_client.service.graph.base_url = " +
        graph_.baseUrl() + "\n";
    config_.writeHostOn(storeUrl_, hostLines_);
    config_.writeTenant("acme", std::string("whatsapp.phone_number_ids = ") + kNumber +
                                    "\nwhatsapp.app_secret = s\nwhatsapp.verify_token = t\n"
                                    "whatsapp.access_token = test-token\n"
                                    "plugins.whatsapp.plugin = ke.baraza.channel.whatsapp\n"
                                    "plugins.media.plugin = ke.baraza.media.fs\n"
                                    "plugins.media.config.root = " +
                                    root_ + "\n");
    args_ = {"serve", "--config", config_.hostFile()};
  }

  /** A signed delivery of a document message naming media `id`; the status. */
  int postDocument(int port, const std::string& id, const std::string& bytes) {
    const std::string sha = crypto::toHex(crypto::sha256(bytes));
    const std::string body =
        R"({"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":)"
        R"({"messaging_product":"whatsapp","metadata":{"display_phone_number":"1","phone_number_id":")" +
        std::string(kNumber) +
        R"("},"contacts":[{"profile":{"name":"W"},"wa_id":"254700000001"}],"messages":[{"from":"254700000001","id":"wamid.)" +
        id + R"(","timestamp":"1767225600","type":"document","document":{"id":")" + id +
        R"(","mime_type":"application/pdf","sha256":")" + sha +
        R"(","filename":"report.pdf"}}]}}]}]})";
    HttpCall call{"POST", "/webhooks/whatsapp", body, {{"Content-Type", "application/json"}}};
    call.headers.emplace_back("X-Hub-Signature-256",
                              "sha256=" + crypto::toHex(crypto::hmacSha256("s", body)));
    return httpCall(port, call).status;
  }

  /** The state and attempts of the one media item. */
  std::pair<std::string, int> item() {
    auto db = store::Database::open(storeUrl_, "");
    if (!db.isOk()) return {"", 0};
    std::vector<store::MediaItem> items;
    Status read = (*db)->transaction([&](Poco::Data::Session& s) {
      items = store::MediaItems((*db)->dialect()).list(s, "", "", 10);
    });
    if (!read.isOk() || items.empty()) return {"", 0};
    return {items.front().state, items.front().attempts};
  }

  fakes::FakeGraph graph_;
  TempConfig config_;
  std::string root_;
  std::string storeUrl_;
  std::string hostLines_;  // the host file's own lines
  std::vector<std::string> args_;
};

TEST_P(MediaProcess, AHostKilledMidDownloadCompletesItAfterRestartWithNoPartialFileLeft) {
  std::string pdf(20 * 1024 * 1024, '\0');
  for (size_t i = 0; i < pdf.size(); ++i) pdf[i] = static_cast<char>(i * 7 + (i >> 12));
  fakes::FakeMedia slow{pdf, "application/pdf"};
  slow.pieceDelayMs = 10;  // 320 pieces of 64 KiB: about 3 s for the whole file
  graph_.addMedia("report", slow);

  auto serve = std::make_unique<ServeProcess>(args_);
  const int port = serve->port();
  ASSERT_GT(port, 0) << serve->log();
  ASSERT_EQ(postDocument(port, "report", pdf), 200);
  // Killed once a part of the file, not all of it, has been written.
  ASSERT_TRUE(eventually([&] {
    const auto parts = fileSizes(root_ + "/.tmp");
    return parts.size() == 1 && parts.front() > 1024 * 1024;
  })) << serve->log();
  serve->signal(SIGKILL);
  serve->wait();
  ASSERT_EQ(item().first, "downloading") << "killed with the download in hand";
  ASSERT_EQ(fileSizes(root_ + "/.tmp").size(), 1u) << "the dead process's partial file";
  EXPECT_EQ(::access((root_ + "/acme").c_str(), F_OK), -1) << "nothing stored as if whole";

  graph_.addMedia("report", {pdf, "application/pdf"});  // at full speed now
  serve = std::make_unique<ServeProcess>(args_);
  ASSERT_TRUE(eventually([&] { return item().first == "stored"; })) << serve->log();
  EXPECT_EQ(item().second, 2) << "downloaded again from the start";
  EXPECT_TRUE(fileSizes(root_ + "/.tmp").empty()) << "the partial file was removed";
  const std::string sha = crypto::toHex(crypto::sha256(pdf));
  EXPECT_TRUE(readFile(root_ + "/acme/" + sha.substr(0, 2) + "/" + sha) == pdf);
  serve->signal(SIGTERM);
  EXPECT_EQ(serve->wait(), 0);

  // The CLI: listed with its hash, copied out whole, and not retried since it did not fail.
  RunResult listed = runBaraza({"media", "list", "--config", config_.hostFile()});
  EXPECT_EQ(listed.exitCode, 0) << listed.err;
  EXPECT_THAT(listed.out,
              HasSubstr("acme  document  application/pdf  stored  20971520 bytes  " + sha));
  const std::string copy = config_.path() + "/copy.pdf";
  RunResult got = runBaraza({"media", "get", "1", "--out", copy, "--config", config_.hostFile()});
  EXPECT_EQ(got.exitCode, 0) << got.err;
  EXPECT_EQ(got.out, "wrote 20971520 bytes (application/pdf) to " + copy + "\n");
  EXPECT_TRUE(readFile(copy) == pdf);
  RunResult retried = runBaraza({"media", "retry", "1", "--config", config_.hostFile()});
  EXPECT_EQ(retried.exitCode, 1);
  EXPECT_EQ(retried.err, "baraza media retry: no failed media item 1\n");
  RunResult missing =
      runBaraza({"media", "get", "7", "--out", copy, "--config", config_.hostFile()});
  EXPECT_EQ(missing.exitCode, 1);
  EXPECT_EQ(missing.err, "baraza media get: no media item 7\n");
}

TEST_P(MediaProcess, AFailedItemIsRetriedFromTheCliAndStoredByTheRunningHost) {
  const std::string pdf(4096, 'p');
  auto serve = std::make_unique<ServeProcess>(args_);
  const int port = serve->port();
  ASSERT_GT(port, 0) << serve->log();
  ASSERT_EQ(postDocument(port, "late", pdf), 200);  // Graph does not know it yet: failed at once
  ASSERT_TRUE(eventually([&] { return item().first == "failed"; })) << serve->log();
  RunResult failed =
      runBaraza({"media", "list", "--state", "failed", "--config", config_.hostFile()});
  EXPECT_THAT(failed.out, HasSubstr("error: Graph does not know the media id"));

  graph_.addMedia("late", {pdf, "application/pdf"});
  RunResult retried = runBaraza({"media", "retry", "1", "--config", config_.hostFile()});
  EXPECT_EQ(retried.exitCode, 0) << retried.err;
  EXPECT_EQ(retried.out, "1 media item queued for download again (a running host picks them up)\n");
  EXPECT_TRUE(eventually([&] { return item().first == "stored"; })) << serve->log();
  serve->signal(SIGTERM);
  EXPECT_EQ(serve->wait(), 0);
}

TEST_P(MediaProcess, DbPurgeRemovesMediaPastItsRetentionWithItsFile) {
  config_.writeHostOn(storeUrl_, hostLines_ + "retention.media_days = 30\n");
  const std::string pdf(8192, 'o');
  graph_.addMedia("old", {pdf, "application/pdf"});
  auto serve = std::make_unique<ServeProcess>(args_);
  const int port = serve->port();
  ASSERT_GT(port, 0) << serve->log();
  ASSERT_EQ(postDocument(port, "old", pdf), 200);
  ASSERT_TRUE(eventually([&] { return item().first == "stored"; })) << serve->log();
  serve->signal(SIGTERM);
  EXPECT_EQ(serve->wait(), 0);
  const std::string sha = crypto::toHex(crypto::sha256(pdf));
  const std::string file = root_ + "/acme/" + sha.substr(0, 2) + "/" + sha;
  ASSERT_EQ(readFile(file), pdf);

  // Forty days on, as far as the item knows.
  auto db = store::Database::open(storeUrl_, "");
  ASSERT_TRUE(db.isOk());
  ASSERT_TRUE((*db)
                  ->transaction([](Poco::Data::Session& s) {
                    s << "UPDATE media SET updated_at = updated_at - 40 * 86400000",
                        Poco::Data::Keywords::now;
                  })
                  .isOk());
  RunResult dry = runBaraza({"db", "purge", "--dry-run", "--config", config_.hostFile()});
  EXPECT_EQ(dry.exitCode, 0) << dry.err;
  EXPECT_THAT(dry.out, HasSubstr("media  1\n"));
  EXPECT_EQ(item().first, "stored");
  EXPECT_EQ(readFile(file), pdf) << "a dry run removes nothing";

  RunResult purged = runBaraza({"db", "purge", "--config", config_.hostFile()});
  EXPECT_EQ(purged.exitCode, 0) << purged.err;
  EXPECT_THAT(purged.out, HasSubstr("media  1\n"));
  EXPECT_EQ(item().first, "") << "the item is gone";
  struct stat st {};
  EXPECT_NE(::stat(file.c_str(), &st), 0) << "and so is its file";
}

BARAZA_ON_BOTH_BACKENDS(MediaProcess);

}  // namespace
}  // namespace baraza::testing
