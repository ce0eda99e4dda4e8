// Faults from outside, on real `baraza serve` processes: a plugin that kills the host on one
// delivery or conversation job, a plugin call that never returns, a database server that stops
// answering, and a host killed with work in hand and started again.
#include <Poco/DirectoryIterator.h>
#include <Poco/File.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "common/testing/HttpCall.h"
#include "crypto/Crypto.h"
#include "store/Database.h"
#include "store/testing/MariaDbServer.h"
#include "support/BarazaProcess.h"
#include "support/Eventually.h"
#include "support/TempConfig.h"

namespace baraza::testing {
namespace {

using Poco::Data::Keywords::bind;
using Poco::Data::Keywords::into;
using Poco::Data::Keywords::now;
using ::testing::HasSubstr;

constexpr const char* kNumber = "100000000000001";
/** A tenant whose channel plugin is the faulty fixture: deliveries are all it processes. */
constexpr const char* kFaultyChannelTenant =
    "whatsapp.phone_number_ids = 100000000000001\nwhatsapp.app_secret = s\nwhatsapp.verify_token = "
    "v\n"
    "plugins.channel.plugin = test.baraza.faulty-channel\n";

/** A host configuration whose plugins directory holds the built plugins and the faulty fixture. */
class Faults : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string plugins = config_.path() + "/plugins";
    Poco::File(plugins).createDirectories();
    for (Poco::DirectoryIterator it(std::string(BARAZA_PLUGINS_DIR)), end; it != end; ++it) {
      ASSERT_EQ(::symlink(it->path().c_str(), (plugins + "/" + it.name()).c_str()), 0);
    }
    for (const char* fixture : {"fixture-faulty-channel", "fixture-faulty-bot"}) {
      ASSERT_EQ(::symlink((std::string(FIXTURE_PLUGINS_DIR) + "/" + fixture).c_str(),
                          (plugins + "/" + fixture).c_str()),
                0);
    }
    // Replies go nowhere: port 9 on loopback refuses them, and they stay queued.
    config_.writeHost(
        "host.id = faults\nhost.id_lease_seconds = 1\ninbound.workers = 1\ninbound.max_attempts = "
        "3\n"
        "http_client.service.graph.base_url = http://127.0.0.1:9\n");
    args_ = {"serve", "--config", config_.hostFile(), "--set", "plugins.dir=" + plugins};
  }

  /** A POST of `body` to the webhook endpoint signed with app secret `secret`; the status. */
  int post(int port, const std::string& body, const std::string& secret = "s") {
    const std::string signature = "sha256=" + crypto::toHex(crypto::hmacSha256(secret, body));
    return httpCall(static_cast<uint16_t>(port),
                    {"POST", "/webhooks/whatsapp", body, {{"X-Hub-Signature-256", signature}}})
        .status;
  }

  /** A "messages" change for the tenant's number, `marker` in its value. */
  static std::string change(const std::string& marker) {
    return R"({"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":)"
           R"({"metadata":{"phone_number_id":"100000000000001"},"marker":")" +
           marker + R"("}}]}]})";
  }

  /** A text message from 254700000001 to `number` as Meta delivers it. */
  static std::string text(int n, const std::string& body, const std::string& number = kNumber) {
    return R"({"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":)"
           R"({"messaging_product":"whatsapp","metadata":{"display_phone_number":"254700000000","phone_number_id":")" +
           number +
           R"("},"contacts":[{"profile":{"name":"Amina"},"wa_id":"254700000001"}],)"
           R"("messages":[{"from":"254700000001","id":"wamid.)" +
           std::to_string(n) + R"(","timestamp":"1700000000","type":"text","text":{"body":")" +
           body + R"("}}]}}]}]})";
  }

  /** A row's state and attempts, read from the host's store. */
  std::pair<std::string, int> row(const std::string& table, int64_t id) {
    auto db = store::Database::open(
        storeUrl_.empty() ? "sqlite://" + config_.path() + "/lib/baraza.db" : storeUrl_, "");
    std::string state;
    int attempts = -1;
    const Status read = (*db)->transaction([&](Poco::Data::Session& s) {
      s << "SELECT state, attempts FROM " + table + " WHERE id = ?", bind(id), into(state),
          into(attempts), now;
    });
    EXPECT_TRUE(read.isOk()) << read.toString();
    return {state, attempts};
  }

  /**
   * What a supervisor (systemd) does: starts the host again each time it dies, until `done()`
   * holds; how many times it died. Gives up after `maxDeaths` deaths or a minute.
   */
  template <class F>
  int superviseUntil(std::unique_ptr<ServeProcess>& serve, F&& done, int maxDeaths) {
    int deaths = 0;
    eventually(
        [&] {
          if (done()) return true;
          if (!serve->ended()) return false;
          if (++deaths > maxDeaths) return true;
          serve = std::make_unique<ServeProcess>(args_);
          return false;
        },
        60);
    return deaths;
  }

  /**
   * A signed "messages" change carrying `marker` (and `padding`, when given) posted as Meta
   * would; the marker is remembered in acknowledged_ when the host answers 200.
   */
  int deliver(int port, const std::string& marker, const std::string& padding = "") {
    const int status =
        post(port, change(padding.empty() ? marker : marker + "\",\"padding\":\"" + padding));
    if (status == 200) acknowledged_.push_back(marker);
    return status;
  }

  /** GET /readyz: the status and the body. */
  static HttpReply readyz(int port) {
    return httpCall(static_cast<uint16_t>(port), {"GET", "/readyz", "", {}});
  }

  /** Every delivery the host acknowledged is, within `seconds`, stored and processed. */
  void expectEveryAcknowledgedProcessed(ServeProcess& serve, int seconds) {
    for (const std::string& marker : acknowledged_) {
      EXPECT_TRUE(eventually([&] { return processed(marker); }, seconds))
          << marker << " was acknowledged\n"
          << serve.log();
    }
  }

  /** Whether a delivery whose change carries `marker` is in the inbox and processed. */
  bool processed(const std::string& marker) {
    auto db = store::Database::open(storeUrl_, "");
    int done = 0;
    if (!db.isOk()) return false;
    const Status read = (*db)->transaction([&](Poco::Data::Session& s) {
      s << "SELECT COUNT(*) FROM inbox WHERE state IN ('done', 'duplicate') AND CAST(body AS CHAR) "
           "LIKE ?",
          bind("%\"" + marker + "\"%"), into(done), now;
    });
    if (!read.isOk()) ADD_FAILURE() << read.toString();
    return done > 0;
  }

  TempConfig config_;
  std::vector<std::string> args_;
  std::string storeUrl_;                   // empty: the SQLite file of the host configuration
  std::vector<std::string> acknowledged_;  // markers of deliveries answered 200 (deliver())
};

TEST_F(Faults, ADeliveryThatKillsTheHostFailsAloneWithinTheAttemptLimitAndItsBatchIsProcessed) {
  config_.writeTenant("acme", kFaultyChannelTenant);
  auto serve = std::make_unique<ServeProcess>(args_);
  const int port = serve->port();
  ASSERT_GT(port, 0) << serve->log();
  // The one worker spends half a second on delivery 1; 2-6 arrive meanwhile and are claimed
  // together, 4 among them.
  ASSERT_EQ(post(port, change("slow-here")), 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  for (const char* marker : {"fine-2", "fine-3", "crash-here", "fine-5", "fine-6"}) {
    ASSERT_EQ(post(port, change(marker)), 200) << "acknowledged before the crash";
  }
  const int deaths = superviseUntil(
      serve, [&] { return row("inbox", 4).first == "failed"; }, 5);
  ASSERT_EQ(row("inbox", 4).first, "failed") << serve->log();
  // Claimed once in the batch, then alone until the third claim: three deaths, no more.
  EXPECT_EQ(deaths, 3);
  EXPECT_EQ(row("inbox", 4).second, 3);
  ASSERT_TRUE(eventually([&] { return row("inbox", 6).first == "done"; })) << serve->log();
  for (int64_t id : {1, 2, 3, 5, 6}) {
    EXPECT_EQ(row("inbox", id).first, "done") << "delivery " << id;
    // The batch neighbours died with it once, then ran alone: two claims each at most.
    EXPECT_LE(row("inbox", id).second, 2) << "delivery " << id;
  }
  RunResult failed = runBaraza({"events", "list", "--failed", "--config", config_.hostFile()});
  EXPECT_THAT(failed.out, HasSubstr("delivery 4 "));
  EXPECT_THAT(failed.out, HasSubstr("stopped (crashed, hung or was killed) on each of 3 attempts"));
  EXPECT_TRUE(serve->waitForLine("delivery 4 failed: the process handling it stopped"))
      << serve->log();
  // Replayed, it gets its attempts anew (and, the plugin unchanged, would fail the same way). The
  // host is stopped first: running, it would claim the replayed row at once.
  serve->signal(SIGKILL);
  serve->wait();
  RunResult replay = runBaraza({"events", "replay", "4", "--config", config_.hostFile()});
  EXPECT_EQ(replay.exitCode, 0) << replay.err;
  EXPECT_EQ(row("inbox", 4), std::make_pair(std::string("pending"), 0));
}

TEST_F(Faults, AConversationJobThatKillsTheHostFailsAloneAndTheOtherMessagesAreAnswered) {
  config_.writeTenant("acme",
                      "whatsapp.phone_number_ids = 100000000000001\nwhatsapp.app_secret = s\n"
                      "whatsapp.verify_token = v\nwhatsapp.access_token = t\n"
                      "plugins.whatsapp.plugin = ke.baraza.channel.whatsapp\n"
                      "plugins.bot.plugin = test.baraza.faulty-bot\n");
  auto serve = std::make_unique<ServeProcess>(args_);
  const int port = serve->port();
  ASSERT_GT(port, 0) << serve->log();
  ASSERT_EQ(post(port, text(1, "slow-here")), 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  for (int n = 2; n <= 5; ++n) ASSERT_EQ(post(port, text(n, n == 3 ? "crash-here" : "hello")), 200);
  const int deaths = superviseUntil(
      serve, [&] { return row("conversation_jobs", 3).first == "failed"; }, 5);
  ASSERT_EQ(row("conversation_jobs", 3).first, "failed") << serve->log();
  EXPECT_EQ(deaths, 3);
  ASSERT_TRUE(eventually([&] { return row("conversation_jobs", 5).first == "done"; }))
      << serve->log();
  for (int64_t id : {1, 2, 4, 5})
    EXPECT_EQ(row("conversation_jobs", id).first, "done") << "job " << id;
  // Each answered message has its reply queued.
  for (int64_t id : {1, 2, 3, 4}) EXPECT_NE(row("outbox", id).first, "") << "reply " << id;
  EXPECT_EQ(row("outbox", 5).first, "") << "no reply for the message that killed the host";
  serve->signal(SIGKILL);
}

TEST_F(Faults, APluginCallPastItsDeadlineIsAbandonedAndTheWorkerServesTheOtherTenants) {
  // One worker: if it waited for the stuck call, nobody would be answered.
  config_.writeHost(
      "host.id = faults\nhost.id_lease_seconds = 1\ninbound.workers = 1\ninbound.max_attempts = 2\n"
      "http_client.service.graph.base_url = http://127.0.0.1:9\n");
  const std::string bot =
      "whatsapp.verify_token = v\nwhatsapp.access_token = t\n"
      "plugins.whatsapp.plugin = ke.baraza.channel.whatsapp\nplugins.bot.plugin = "
      "test.baraza.faulty-bot\n";
  config_.writeTenant(
      "acme", "whatsapp.phone_number_ids = 100000000000001\nwhatsapp.app_secret = s\n" + bot +
                  "plugins.bot.call_deadline_ms = 300\n");
  config_.writeTenant(
      "beta", "whatsapp.phone_number_ids = 100000000000002\nwhatsapp.app_secret = s2\n" + bot);
  auto serve = std::make_unique<ServeProcess>(args_);
  const int port = serve->port();
  ASSERT_GT(port, 0) << serve->log();
  ASSERT_EQ(post(port, text(1, "hang-here")), 200);
  ASSERT_EQ(post(port, text(2, "hello", "100000000000002"), "s2"), 200);
  ASSERT_EQ(post(port, text(3, "hello")), 200);
  ASSERT_TRUE(eventually([&] { return row("conversation_jobs", 1).first == "failed"; }))
      << serve->log();
  EXPECT_EQ(row("conversation_jobs", 1).second, 2)
      << "each attempt abandoned at the deadline, then failed";
  for (int64_t job : {2, 3})
    EXPECT_EQ(row("conversation_jobs", job).first, "done") << "job " << job;
  // The other tenant's message and the stuck tenant's next one are answered; the stuck one is not.
  EXPECT_NE(row("outbox", 1).first, "");
  EXPECT_NE(row("outbox", 2).first, "");
  EXPECT_EQ(row("outbox", 3).first, "");
  auto db = store::Database::open("sqlite://" + config_.path() + "/lib/baraza.db", "");
  std::string error;
  const Status read = (*db)->transaction([&](Poco::Data::Session& s) {
    s << "SELECT error FROM conversation_jobs WHERE id = 1", into(error), now;
  });
  ASSERT_TRUE(read.isOk()) << read.toString();
  EXPECT_THAT(error, HasSubstr("conversation.on_message did not return within 300 ms; abandoned"));

  // Still ready (the other tenants are served), the stuck instance named; the figures in metrics.
  const HttpReply ready = readyz(port);
  EXPECT_EQ(ready.status, 200) << ready.body;
  EXPECT_THAT(
      ready.body,
      HasSubstr(
          R"("plugins":{"ok":false,"stuck_threads":2,"unhealthy":[{"tenant":"acme","instance":"bot",)"
          R"("plugin":"test.baraza.faulty-bot","stuck_calls":2}]})"));
  const std::string metrics =
      httpCall(static_cast<uint16_t>(port), {"GET", "/metrics", "", {}}).body;
  EXPECT_THAT(metrics,
              HasSubstr("baraza_plugin_stuck_calls{tenant=\"acme\",instance=\"bot\"} 2\n"));
  EXPECT_THAT(
      metrics,
      HasSubstr("baraza_plugin_calls_abandoned_total{tenant=\"acme\",instance=\"bot\"} 2\n"));
  EXPECT_THAT(metrics,
              HasSubstr("baraza_plugin_stuck_calls{tenant=\"beta\",instance=\"bot\"} 0\n"));

  // Stopping does not wait for calls that will never return.
  serve->signal(SIGTERM);
  ASSERT_TRUE(eventually([&] { return serve->ended(); })) << serve->log();
  EXPECT_EQ(serve->wait(), 0);
  EXPECT_TRUE(serve->waitForLine("stopped with 2 plugin call(s) stuck past their deadline"))
      << serve->log();
}

TEST_F(Faults, AWorkerStuckInAPluginCallLongerThanItsLeaseDoesNotStopTheOthers) {
  // Two workers, a lease of 10 s and no call deadline (the channel operations' default): the
  // stuck worker's delivery is taken over by the other, which must not wait for the stuck one to
  // let it run alone.
  config_.writeHost(
      "host.id = faults\nhost.id_lease_seconds = 1\ninbound.workers = 2\ninbound.lease_seconds = "
      "10\n");
  config_.writeTenant("acme", kFaultyChannelTenant);
  auto serve = std::make_unique<ServeProcess>(args_);
  const int port = serve->port();
  ASSERT_GT(port, 0) << serve->log();
  ASSERT_EQ(post(port, change("hang-once-here")), 200);
  ASSERT_TRUE(eventually([&] { return row("inbox", 1).first == "processing"; }));
  ASSERT_EQ(post(port, change("fine-2")), 200);
  EXPECT_TRUE(eventually([&] { return row("inbox", 2).first == "done"; }))
      << "the other worker goes on";
  EXPECT_TRUE(eventually([&] { return row("inbox", 1).first == "done"; }, 60)) << serve->log();
  EXPECT_EQ(row("inbox", 1).second, 2) << "taken over once its lease expired";
  ASSERT_EQ(post(port, change("fine-3")), 200);
  EXPECT_TRUE(eventually([&] { return row("inbox", 3).first == "done"; })) << serve->log();
  EXPECT_TRUE(serve->waitForLine("an abandoned delivery or job runs beside other work"))
      << serve->log();
}

TEST_F(Faults, AFrozenMariaDbServerGets503sAndNotReadyAndAfterItNothingAcknowledgedIsLost) {
  store::testing::MariaDbServer mariadb;  // its own: frozen below
  storeUrl_ = mariadb.createDatabase();
  config_.write("baraza.properties",
                "http.listen = 127.0.0.1:0\nstore.url = " + storeUrl_ +
                    "\nstore.io_timeout_seconds = 2\nwebhooks.ack_deadline_ms = 1000\n"
                    "host.id = faults\nhost.id_lease_seconds = 1\ninbound.workers = 1\n"
                    // A delivery whose processing could not even record its
                    // failure while the server was frozen waits for its lease.
                    "inbound.lease_seconds = 10\n");
  config_.writeTenant("acme", kFaultyChannelTenant);
  auto serve = std::make_unique<ServeProcess>(args_);
  const int port = serve->port();
  ASSERT_GT(port, 0) << serve->log();
  ASSERT_EQ(deliver(port, "before-1"), 200);
  ASSERT_EQ(deliver(port, "before-2"), 200);

  mariadb.pause();
  // Answered, and not with a 200: Meta keeps it and retries.
  EXPECT_EQ(deliver(port, "frozen-1"), 503);
  EXPECT_EQ(deliver(port, "frozen-2"), 503);
  const HttpReply ready = readyz(port);
  EXPECT_EQ(ready.status, 503) << ready.body;
  mariadb.resume();

  // Meta's retries, and new deliveries, are acknowledged again once the server answers.
  EXPECT_TRUE(eventually([&] { return deliver(port, "frozen-1") == 200; })) << serve->log();
  EXPECT_EQ(deliver(port, "frozen-2"), 200);
  EXPECT_EQ(deliver(port, "after-1"), 200);
  EXPECT_TRUE(eventually([&] { return readyz(port).status == 200; }));
  expectEveryAcknowledgedProcessed(*serve, 60);
  EXPECT_FALSE(serve->ended()) << "the host rode it out";
}

/** A tmpfs of `megabytes` mounted on a new directory for the test's life (the tests run as root).
 */
class SmallDisk {
 public:
  explicit SmallDisk(int megabytes) {
    char name[] = "/tmp/baraza-disk-XXXXXX";
    if (::mkdtemp(name) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = name;
    const std::string options = "size=" + std::to_string(megabytes) + "m";
    if (::mount("tmpfs", path_.c_str(), "tmpfs", 0, options.c_str()) != 0) {
      throw std::runtime_error("cannot mount a tmpfs on " + path_ + " (" + std::strerror(errno) +
                               "): the fault tests run as root, as `make test` does in CI");
    }
  }
  ~SmallDisk() {
    ::umount2(path_.c_str(), MNT_DETACH);
    ::rmdir(path_.c_str());
  }
  const std::string& path() const { return path_; }

  /** Writes a file until the file system is full. */
  void fill() const {
    std::FILE* filler = std::fopen((path_ + "/filler").c_str(), "w");
    if (filler == nullptr) throw std::runtime_error("cannot create the filler");
    const std::string block(64 * 1024, 'x');
    while (std::fwrite(block.data(), 1, block.size(), filler) == block.size() &&
           std::fflush(filler) == 0) {
    }
    std::fclose(filler);
  }
  void free() const { std::remove((path_ + "/filler").c_str()); }

 private:
  std::string path_;
};

TEST_F(Faults, AFullDiskGets503sAndNotReadyAndAfterItNothingAcknowledgedIsLost) {
  SmallDisk disk(16);
  storeUrl_ = "sqlite://" + disk.path() + "/baraza.db";
  config_.write("baraza.properties",
                "http.listen = 127.0.0.1:0\nstore.url = " + storeUrl_ +
                    "\nhost.id = faults\nhost.id_lease_seconds = 1\ninbound.workers = 1\n");
  config_.writeTenant("acme", kFaultyChannelTenant);
  auto serve = std::make_unique<ServeProcess>(args_);
  const int port = serve->port();
  ASSERT_GT(port, 0) << serve->log();
  // Deliveries of 256 KiB: the database's files must grow to take them.
  const std::string padding(256 * 1024, 'p');
  ASSERT_EQ(deliver(port, "before-1", padding), 200) << serve->log();
  ASSERT_TRUE(eventually([&] { return row("inbox", 1).first == "done"; })) << serve->log();

  disk.fill();
  int refused = 0;
  for (int n = 1; n <= 8; ++n) {
    const int status = deliver(port, "full-" + std::to_string(n), padding);
    if (status != 200) {
      EXPECT_EQ(status, 503) << "a full disk is a stalled store: Meta retries";
      ++refused;
    }
  }
  EXPECT_GT(refused, 0) << "nothing refused with the disk full";
  const HttpReply ready = readyz(port);
  EXPECT_EQ(ready.status, 503) << ready.body;
  EXPECT_THAT(ready.body, HasSubstr(R"("writes":{"ok":false)"));

  disk.free();
  EXPECT_TRUE(eventually([&] { return deliver(port, "after-1", padding) == 200; })) << serve->log();
  for (int n = 1; n <= 8; ++n)
    deliver(port, "full-" + std::to_string(n), padding);  // Meta's retries
  EXPECT_TRUE(eventually([&] { return readyz(port).status == 200; }));
  expectEveryAcknowledgedProcessed(*serve, 30);
  EXPECT_FALSE(serve->ended()) << "the host rode it out";
  serve->signal(SIGTERM);
  EXPECT_TRUE(eventually([&] { return serve->ended(); }));
}

TEST_F(Faults, AHostKilledWithWorkInHandTakesItBackAtRestartWithoutWaitingItsLease) {
  // Leases of an hour: a restarted host that waited for them would not finish this test.
  config_.write("baraza.properties",
                "http.listen = 127.0.0.1:0\nstore.url = sqlite://" + config_.path() +
                    "/lib/baraza.db\nhost.id = faults\nhost.id_lease_seconds = 1\n"
                    "inbound.workers = 1\ninbound.lease_seconds = 3600\n");
  config_.writeTenant("acme", kFaultyChannelTenant);
  auto serve = std::make_unique<ServeProcess>(args_);
  const int port = serve->port();
  ASSERT_GT(port, 0) << serve->log();
  ASSERT_EQ(post(port, change("slow-here")), 200);
  ASSERT_TRUE(eventually([&] { return row("inbox", 1).first == "processing"; }));
  serve->signal(SIGKILL);
  serve->wait();
  ASSERT_EQ(row("inbox", 1).first, "processing") << "killed with the delivery in hand";
  serve = std::make_unique<ServeProcess>(args_);
  EXPECT_TRUE(eventually([&] { return row("inbox", 1).first == "done"; })) << serve->log();
  EXPECT_EQ(row("inbox", 1).second, 2);
  EXPECT_TRUE(serve->waitForLine("earlier process of host id faults: 1 claimed row(s) taken back"))
      << serve->log();
  serve->signal(SIGTERM);
  EXPECT_EQ(serve->wait(), 0);
}

}  // namespace
}  // namespace baraza::testing
