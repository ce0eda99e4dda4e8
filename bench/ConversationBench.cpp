// conversation_bench: conversations end to end, from signed webhooks to replies in the outbox,
// with the assistant (rules intent, the KRA verifier against the fake KRA) beside the echo
// plugin as the baseline of the same run, on SQLite and MariaDB:
//   (1) backlog: BARAZA_BENCH_MESSAGES deliveries (default 4000) acknowledged first, then
//       processed: conversations per second from the processor's start until every reply is
//       queued;
//   (2) sustained: the processor running while webhooks arrive at BARAZA_BENCH_RATE a second
//       (default: half the echo's backlog rate on that store, the same for both bots) for
//       BARAZA_BENCH_SECONDS (default 5): p50/p99 from acknowledgement (the inbox commit) to the
//       reply queued (the outbox commit).
// Each message comes from its own contact and is one of "verify KRA PIN > A744610021G",
// "habari", "help" and "show my reports" in turn. BARAZA_BENCH_MARIADB=0 runs SQLite only;
// BARAZA_BENCH_ONLY=echo or =assistant runs that bot alone (for a profiler), at the given
// BARAZA_BENCH_RATE or half its own rate, with no ratio.
#include <Poco/File.h>
#include <Poco/Logger.h>
#include <Poco/TemporaryFile.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <thread>

#include "BenchStore.h"
#include "LoadDriver.h"
#include "app/WebhookRoutes.h"
#include "crypto/Crypto.h"
#include "fakes/FakeKra.h"
#include "http/HttpClient.h"
#include "http/HttpServer.h"
#include "inbound/InboundProcessor.h"
#include "outbound/OutboundQueue.h"
#include "store/InboxWriter.h"
#include "store/Migrations.h"
#include "store/SqlKeyValueStore.h"
#include "store/testing/MariaDbServer.h"
#include "tenants/TenantManager.h"

using namespace baraza;

namespace {

const std::string kSecret = "bench-app-secret";
constexpr int kConnections = 8;
const char* kTexts[] = {"verify KRA PIN > A744610021G", "habari", "help", "show my reports"};

double envOr(const char* name, double fallback) {
  const char* v = std::getenv(name);
  return v ? std::atof(v) : fallback;
}

std::string body(const std::string& run, int connection, int64_t seq) {
  const std::string contact = "2547" + std::to_string(10000000 + connection * 1000000 + seq);
  const std::string id =
      "wamid.bench-" + run + "-" + std::to_string(connection) + "-" + std::to_string(seq);
  return R"({"object":"whatsapp_business_account","entry":[{"id":"200000000000001","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"254700000000","phone_number_id":"100000000000001"},"contacts":[{"profile":{"name":"Bench User"},"wa_id":")" +
         contact + R"("}],"messages":[{"from":")" + contact + R"(","id":")" + id +
         R"(","timestamp":"1730231903","type":"text","text":{"body":")" + kTexts[seq % 4] +
         R"("}}]}}]}]})";
}

bench::LoadRequest signedRequest(const std::string& run, int connection, int64_t seq) {
  bench::LoadRequest request{"/webhooks/whatsapp", body(run, connection, seq), {}};
  request.headers.emplace_back(
      "X-Hub-Signature-256", "sha256=" + crypto::toHex(crypto::hmacSha256(kSecret, request.body)));
  return request;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

struct Figures {
  double backlogRate = 0;  // conversations/s
  size_t backlog = 0;
  double p50 = 0, p99 = 0;  // ms, acknowledgement to reply queued
  size_t sustained = 0;
  double rate = 0;  // offered in (2), per second
};

/** One tenant with one bot on one store: the webhook endpoint, the processor, the outbox. */
class Host {
 public:
  Host(const std::string& url, bool assistant, const fakes::FakeKra& kra)
      : db_(bench::openMigrated(url)) {
    Poco::File(dir_.path()).createDirectories();
    std::ofstream(dir_.path() + "/bench.properties")
        << "whatsapp.phone_number_ids = 100000000000001\nwhatsapp.app_secret = " << kSecret
        << "\nwhatsapp.verify_token = t\nwhatsapp.access_token = x\nplugins.whatsapp.plugin = "
           "ke.baraza.channel.whatsapp\n"
        << (assistant ? "plugins.rules.plugin = ke.baraza.intent.rules\n"
                        "plugins.bot.plugin = ke.baraza.conversation.assistant\n"
                        "plugins.kra.plugin = ke.baraza.verifier.kra\n"
                        "plugins.kra.config.base_url = " +
                            kra.baseUrl() +
                            "\n"
                            "secrets.kra_consumer_key = kra-key\nsecrets.kra_consumer_secret = "
                            "kra-secret\n"
                      : "plugins.bot.plugin = ke.baraza.conversation.echo\n");
    registry_.loadAll();
    tenants::SharedServices shared;
    shared.http = [this](const HttpRequest& request) { return client_.send(request); };
    shared.kv = &kv_;
    shared.database = db_.get();
    tenants_ = std::make_unique<tenants::TenantManager>(dir_.path(), registry_, shared);
    tenants_->start();
    queue_ = std::make_unique<outbound::OutboundQueue>(db_, *tenants_, 3600 * 1000);
    receiver_ = std::make_unique<inbound::WebhookReceiver>(*tenants_, inboxWriter_);
    receiver_->onStored([this] {
      if (processor_) processor_->wake();
    });
    http::Router router;
    app::addWebhookRoutes(router, *receiver_);
    http::HttpServerSettings settings;
    settings.port = 0;
    server_ = std::make_unique<http::HttpServer>(settings, std::move(router));
    server_->start();
  }
  ~Host() {
    server_->stop();
    if (processor_) processor_->stop();
  }

  /** Both phases; `rate` for (2), or 0: half of (1)'s rate. */
  Figures run(const std::string& name, double rate) {
    Figures f;
    // (1) backlog
    const int64_t total = static_cast<int64_t>(envOr("BARAZA_BENCH_MESSAGES", 4000));
    const int64_t each = total / kConnections;
    bench::drive(server_->port(), kConnections, 3600, [&](int c, int64_t seq) {
      return seq < each ? signedRequest(name + "b", c, seq) : bench::LoadRequest{};
    });
    const auto started = std::chrono::steady_clock::now();
    startProcessor();
    f.backlog = waitUntilAnswered();
    f.backlogRate =
        static_cast<double>(f.backlog) /
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    // (2) sustained, paced per connection
    f.rate = rate > 0 ? rate : f.backlogRate / 2;
    const double seconds = envOr("BARAZA_BENCH_SECONDS", 5);
    const auto gap = std::chrono::duration<double>(kConnections / f.rate);
    const auto begin = std::chrono::steady_clock::now();
    bench::drive(server_->port(), kConnections, seconds, [&](int c, int64_t seq) {
      std::this_thread::sleep_until(
          begin + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                      gap * (static_cast<double>(seq) + c / static_cast<double>(kConnections))));
      return signedRequest(name + "s", c, seq);
    });
    waitUntilAnswered();
    std::vector<double> latencies = latenciesOf("wamid.bench-" + name + "s-");
    f.sustained = latencies.size();
    f.p50 = percentile(latencies, 0.50);
    f.p99 = percentile(latencies, 0.99);
    return f;
  }

 private:
  void startProcessor() {
    processor_ = std::make_unique<inbound::InboundProcessor>(db_, *tenants_, *queue_,
                                                             inbound::ProcessorSettings{}, "bench");
    processor_->start();
  }

  int64_t count(const std::string& sql) {
    int64_t n = 0;
    bench::mustCommit(*db_, [&](Poco::Data::Session& s) {
      s << sql, Poco::Data::Keywords::into(n), Poco::Data::Keywords::now;
    });
    return n;
  }

  /**
   * Waits until no delivery or conversation job is left to do (at most 120 s); replies queued.
   * Polled every 20 ms through the claim indexes: the check must not load the store it measures.
   */
  size_t waitUntilAnswered() {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (std::chrono::steady_clock::now() < until &&
           count("SELECT COUNT(*) FROM inbox WHERE state IN ('pending', 'processing')") +
                   count("SELECT COUNT(*) FROM conversation_jobs WHERE state IN ('pending', "
                         "'processing')") >
               0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return static_cast<size_t>(count("SELECT COUNT(*) FROM outbox"));
  }

  /** Acknowledgement (inbox commit) to reply queued (outbox commit), per message of `prefix`, ms.
   */
  std::vector<double> latenciesOf(const std::string& prefix) {
    const bool sqlite = db_->dialect().backend == store::Backend::kSqlite;
    const std::string wamid =
        sqlite ? "CAST(substr(body, instr(body, 'wamid.bench-'), 40) AS TEXT)"
               : "CAST(SUBSTRING(body, LOCATE('wamid.bench-', body), 40) AS CHAR)";
    std::vector<std::string> ids, keys;
    std::vector<int64_t> received, queued;
    bench::mustCommit(*db_, [&](Poco::Data::Session& s) {
      s << "SELECT " + wamid + ", received_at FROM inbox", Poco::Data::Keywords::into(ids),
          Poco::Data::Keywords::into(received), Poco::Data::Keywords::now;
      s << "SELECT idempotency_key, created_at FROM outbox", Poco::Data::Keywords::into(keys),
          Poco::Data::Keywords::into(queued), Poco::Data::Keywords::now;
    });
    std::map<std::string, int64_t> ackAt;
    for (size_t i = 0; i < ids.size(); ++i) {
      const std::string id = ids[i].substr(0, ids[i].find('"'));
      if (id.rfind(prefix, 0) == 0) ackAt[id] = received[i];
    }
    std::vector<double> out;
    for (size_t i = 0; i < keys.size(); ++i) {
      // reply:<wamid>:0
      const std::string id = keys[i].substr(6, keys[i].rfind(':') - 6);
      if (keys[i].size() > 8 && keys[i].compare(keys[i].size() - 2, 2, ":0") == 0) {
        if (auto it = ackAt.find(id); it != ackAt.end())
          out.push_back(static_cast<double>(queued[i] - it->second));
      }
    }
    return out;
  }

  store::DatabasePtr db_;
  Poco::TemporaryFile dir_;
  plugins::PluginRegistry registry_ = plugins::PluginRegistry::scan(BARAZA_PLUGINS_DIR);
  http::HttpClient client_{http::HttpClientSettings{}};
  store::SqlKeyValueStore kv_{db_};
  std::unique_ptr<tenants::TenantManager> tenants_;
  std::unique_ptr<outbound::OutboundQueue> queue_;
  store::InboxWriter inboxWriter_{db_, {}};
  std::unique_ptr<inbound::WebhookReceiver> receiver_;
  std::unique_ptr<http::HttpServer> server_;
  std::unique_ptr<inbound::InboundProcessor> processor_;
};

}  // namespace

int main() {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  try {
    Poco::Logger::root().setLevel("warning");
    fakes::FakeKra kra;
    std::printf(
        "conversation_bench: %.0f deliveries as a backlog, then a steady rate for %.0f s; 8 "
        "connections\n",
        envOr("BARAZA_BENCH_MESSAGES", 4000), envOr("BARAZA_BENCH_SECONDS", 5));
    std::printf("%-22s %15s %9s %9s %9s %7s\n", "store, bot", "conversations/s", "steady/s",
                "p50 ms", "p99 ms", "ratio");
    for (const bool mariadb : {false, true}) {
      if (mariadb && envOr("BARAZA_BENCH_MARIADB", 1) == 0) continue;
      Poco::TemporaryFile sqliteDir;
      Poco::File(sqliteDir.path()).createDirectories();
      int n = 0;
      auto url = [&] {
        return mariadb ? store::testing::MariaDbServer::shared().createDatabase()
                       : "sqlite://" + sqliteDir.path() + "/bench" + std::to_string(n++) + ".db";
      };
      const char* store = mariadb ? "MariaDB" : "SQLite";
      const std::string only =
          std::getenv("BARAZA_BENCH_ONLY") ? std::getenv("BARAZA_BENCH_ONLY") : "";
      if (!only.empty()) {
        Host host(url(), only == "assistant", kra);
        const Figures f = host.run(only, envOr("BARAZA_BENCH_RATE", 0));
        std::printf("%-22s %15.0f %9.0f %9.1f %9.1f\n", (std::string(store) + ", " + only).c_str(),
                    f.backlogRate, f.rate, f.p50, f.p99);
        continue;
      }
      Figures echo, assistant;
      {
        Host host(url(), false, kra);
        echo = host.run("echo", envOr("BARAZA_BENCH_RATE", 0));
      }
      {
        Host host(url(), true, kra);
        assistant = host.run("assistant", echo.rate);
      }
      std::printf("%-22s %15.0f %9.0f %9.1f %9.1f %7s\n", (std::string(store) + ", echo").c_str(),
                  echo.backlogRate, echo.rate, echo.p50, echo.p99, "1.00");
      std::printf("%-22s %15.0f %9.0f %9.1f %9.1f %7.2f%s\n",
                  (std::string(store) + ", assistant").c_str(), assistant.backlogRate,
                  assistant.rate, assistant.p50, assistant.p99,
                  assistant.backlogRate / echo.backlogRate,
                  mariadb ? "" : "  (goal: >= 2,000/s and >= 0.80)");
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "conversation_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
