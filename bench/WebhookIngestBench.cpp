// webhook_ingest: unique signed webhooks on keep-alive connections, against
//   (a) a bare Poco HTTPServer that reads the body and answers 200 (the baseline, measured before
//       and after each round of the others; ratios are to the mean of the two either side),
//   (b) Baraza's webhook endpoint on SQLite, (c) the same on MariaDB,
// in one run. For Baraza a 200 means the delivery is durably committed. Then the sustained
// processing rate: deliveries parsed by the channel plugin, stored, and answered by the
// conversation plugin, per second.
//   BARAZA_BENCH_SECONDS (default 4 per target and round), BARAZA_BENCH_ROUNDS (default 3; the
//   figures printed are medians over rounds), BARAZA_BENCH_CONNECTIONS (default "8,64": each
//   count is a full run; Meta delivers concurrently, and group commit needs concurrency),
//   BARAZA_BENCH_IO_THREADS (Baraza's http.io_threads; default 0, one per core as in the host).
#include <Poco/File.h>
#include <Poco/Logger.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/StreamCopier.h>
#include <Poco/TemporaryFile.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include "BenchStore.h"
#include "LoadDriver.h"
#include "app/WebhookRoutes.h"
#include "crypto/Crypto.h"
#include "http/HttpServer.h"
#include "inbound/InboundProcessor.h"
#include "store/InboxWriter.h"
#include "store/Migrations.h"
#include "store/testing/MariaDbServer.h"
#include "tenants/TenantManager.h"

using namespace baraza;

namespace {

const std::string kSecret = "bench-app-secret";

int gConnections = 8;  // the run in progress

double envOr(const char* name, double fallback) {
  const char* v = std::getenv(name);
  return v ? std::atof(v) : fallback;
}

using Result = bench::LoadResult;

/** A realistic single-message webhook, unique per (connection, sequence). */
std::string body(int connection, int64_t seq) {
  const std::string id = "wamid.bench-" + std::to_string(connection) + "-" + std::to_string(seq);
  return R"({"object":"whatsapp_business_account","entry":[{"id":"200000000000001","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"254700000000","phone_number_id":"100000000000001"},"contacts":[{"profile":{"name":"Bench User"},"wa_id":"2547110)" +
         std::to_string(10000 + connection) + R"("}],"messages":[{"from":"2547110)" +
         std::to_string(10000 + connection) + R"(","id":")" + id +
         R"(","timestamp":"1730231903","type":"text","text":{"body":"Habari, I would like to buy airtime for 50 shillings please"}}]}}]}]})";
}

Result drive(uint16_t port) {
  return bench::drive(port, gConnections, envOr("BARAZA_BENCH_SECONDS", 4),
                      [](int connection, int64_t seq) {
                        bench::LoadRequest request{"/webhooks/whatsapp", body(connection, seq), {}};
                        request.headers.emplace_back(
                            "X-Hub-Signature-256",
                            "sha256=" + crypto::toHex(crypto::hmacSha256(kSecret, request.body)));
                        return request;
                      });
}

class Bare : public Poco::Net::HTTPRequestHandler {
 public:
  void handleRequest(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response) override {
    std::string body;
    Poco::StreamCopier::copyToString(request.stream(), body);
    response.setContentType("application/json");
    response.setContentLength(2);
    response.send() << "{}";
  }
};

class BareFactory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  Poco::Net::HTTPRequestHandler* createRequestHandler(
      const Poco::Net::HTTPServerRequest&) override {
    return new Bare;
  }
};

/** Poco serves a keep-alive connection on one thread: the bare server gets one per connection. */
int serverThreads() { return std::max(16, gConnections); }

http::HttpServerSettings serverSettings() {
  http::HttpServerSettings s;
  s.port = 0;
  s.ioThreads = static_cast<int>(
      envOr("BARAZA_BENCH_IO_THREADS", 0));  // Baraza's needs no thread per connection
  s.queue = 256;
  return s;
}

Result bare() {
  Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0), 128);
  Poco::AutoPtr<Poco::Net::HTTPServerParams> params = new Poco::Net::HTTPServerParams;
  params->setMaxThreads(serverThreads());
  Poco::ThreadPool pool(2, serverThreads());
  Poco::Net::HTTPServer server(new BareFactory, pool, socket, params);
  server.start();
  Result r = drive(socket.address().port());
  server.stopAll(true);
  pool.joinAll();
  return r;
}

/** Baraza's webhook endpoint on one store, up for every round of a run. */
class Baraza {
 public:
  explicit Baraza(const std::string& url)
      : db_(bench::openMigrated(url)),
        tenants_(startTenants(dir_, registry_)),
        inboxWriter_(db_, {}),
        receiver_(*tenants_, inboxWriter_) {
    http::Router router;
    app::addWebhookRoutes(router, receiver_);
    server_ = std::make_unique<http::HttpServer>(serverSettings(), std::move(router));
    server_->start();
  }
  ~Baraza() { server_->stop(); }

  /** One measured run; 200 means committed. */
  Result ingest() {
    const uint64_t commitsBefore = inboxWriter_.commits();
    Result r = drive(server_->port());
    acknowledged_ += r.rps * envOr("BARAZA_BENCH_SECONDS", 4);
    commits_ += inboxWriter_.commits() - commitsBefore;
    seconds_ += envOr("BARAZA_BENCH_SECONDS", 4);
    return r;
  }
  double commitsPerSecond() const { return static_cast<double>(commits_) / seconds_; }
  double deliveriesPerCommit() const {
    return commits_ > 0 ? acknowledged_ / static_cast<double>(commits_) : 0;
  }

  /** Processes what was acknowledged, with the default settings; messages per second. */
  double process(size_t& processed) {
    server_->stop();
    inbound::ProcessorSettings settings;
    outbound::OutboundQueue queue(db_, *tenants_, 3600 * 1000);
    inbound::InboundProcessor processor(db_, *tenants_, queue, settings, "bench");
    int64_t pending = 0;
    auto countPending = [&] {
      bench::mustCommit(*db_, [&](Poco::Data::Session& s) {
        s << "SELECT COUNT(*) FROM inbox WHERE state <> 'done'",
            Poco::Data::Keywords::into(pending), Poco::Data::Keywords::now;
      });
      return pending;
    };
    const int64_t total = countPending();
    const auto started = std::chrono::steady_clock::now();
    processor.start();
    const double cap = envOr("BARAZA_BENCH_PROCESS_SECONDS", 20);
    while (countPending() > 0 &&
           std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count() <
               cap) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    processor.stop();
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    processed = static_cast<size_t>(total - countPending());
    return static_cast<double>(processed) / elapsed;
  }

 private:
  static std::unique_ptr<tenants::TenantManager> startTenants(const Poco::TemporaryFile& dir,
                                                              plugins::PluginRegistry& registry) {
    Poco::File(dir.path()).createDirectories();
    std::ofstream(dir.path() + "/bench.properties")
        << "whatsapp.phone_number_ids = 100000000000001\nwhatsapp.app_secret = " << kSecret
        << "\nwhatsapp.verify_token = t\nplugins.whatsapp.plugin = ke.baraza.channel.whatsapp\n"
           "plugins.bot.plugin = ke.baraza.conversation.echo\n";
    registry.loadAll();
    auto tenants =
        std::make_unique<tenants::TenantManager>(dir.path(), registry, tenants::SharedServices{});
    tenants->start();
    return tenants;
  }

  // In this order: each is built from the ones above it.
  store::DatabasePtr db_;
  Poco::TemporaryFile dir_;
  plugins::PluginRegistry registry_ = plugins::PluginRegistry::scan(BARAZA_PLUGINS_DIR);
  std::unique_ptr<tenants::TenantManager> tenants_;
  store::InboxWriter inboxWriter_;
  inbound::WebhookReceiver receiver_;
  std::unique_ptr<http::HttpServer> server_;
  double acknowledged_ = 0, seconds_ = 0;
  uint64_t commits_ = 0;
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

/** Per target: every round's result, and its ratio to the bare runs either side of it. */
struct Series {
  std::vector<Result> runs;
  std::vector<double> ratios;
  double median(double Result::*field) const {
    std::vector<double> v;
    for (const auto& r : runs) v.push_back(r.*field);
    return ::median(v);
  }
};

void runAt(int connections) {
  gConnections = connections;
  const int rounds = std::max(1, static_cast<int>(envOr("BARAZA_BENCH_ROUNDS", 3)));
  std::printf(
      "\nwebhook_ingest: %d keep-alive connections, %d rounds of %.0f s per target, ~600-byte "
      "signed webhooks\n",
      connections, rounds, envOr("BARAZA_BENCH_SECONDS", 4));
  // Rounds of bare, SQLite, MariaDB, and a last bare run: each Baraza run is compared with the
  // mean of the bare runs either side of it, so the drift of a shared virtual machine within a
  // run cancels, and the medians over rounds keep one disturbed run from deciding the result.
  Poco::TemporaryFile sqliteDir;
  Poco::File(sqliteDir.path()).createDirectories();
  Baraza sqlite("sqlite://" + sqliteDir.path() + "/bench.db");
  Baraza mariadb(store::testing::MariaDbServer::shared().createDatabase());
  Series a, b, c;
  a.runs.push_back(bare());
  for (int round = 0; round < rounds; ++round) {
    b.runs.push_back(sqlite.ingest());
    c.runs.push_back(mariadb.ingest());
    a.runs.push_back(bare());
    const double baseline = (a.runs[a.runs.size() - 2].rps + a.runs.back().rps) / 2;
    b.ratios.push_back(b.runs.back().rps / baseline);
    c.ratios.push_back(c.runs.back().rps / baseline);
    std::printf(
        "  round %d: bare %.0f, %.0f req/s; SQLite %.0f req/s (%.2f), MariaDB %.0f req/s (%.2f)\n",
        round + 1, a.runs[a.runs.size() - 2].rps, a.runs.back().rps, b.runs.back().rps,
        b.ratios.back(), c.runs.back().rps, c.ratios.back());
  }
  std::printf("%-24s %9s %9s %9s %7s %10s %7s\n", "target (median)", "req/s", "p50 ms", "p99 ms",
              "errors", "cpu us/req", "ratio");
  auto row = [&](const char* name, const Series& s, const char* goal) {
    size_t errors = 0;
    for (const auto& r : s.runs) errors += r.errors;
    std::printf(
        "%-24s %9.0f %9.2f %9.2f %7zu %10.1f %7s%s\n", name, s.median(&Result::rps),
        s.median(&Result::p50), s.median(&Result::p99), errors, s.median(&Result::cpuUsPerRequest),
        s.ratios.empty() ? "1.00" : std::to_string(median(s.ratios)).substr(0, 4).c_str(), goal);
  };
  row("(a) bare Poco", a, "");
  row("(b) baraza, SQLite", b, "  (goal >= 0.60)");
  row("(c) baraza, MariaDB", c, "  (goal >= 0.40)");
  // Where this process's CPU went in the last round (the bare server's threads are named after the
  // program).
  auto threads = [](const char* name, const Result& r) {
    std::string line;
    for (const auto& [thread, percent] : r.threadPercent) {
      if (percent >= 1)
        line += " " + thread + " " + std::to_string(static_cast<int>(percent + 0.5));
    }
    std::printf("threads, %% of one core, %s:%s\n", name, line.c_str());
  };
  threads("bare", a.runs.back());
  threads("SQLite", b.runs.back());
  threads("MariaDB", c.runs.back());
  // Each connection waits for its commit: req/s <= connections x commits/s, and a commit is an
  // fsync.
  std::printf("group commits: SQLite %.0f/s of %.1f deliveries, MariaDB %.0f/s of %.1f\n",
              sqlite.commitsPerSecond(), sqlite.deliveriesPerCommit(), mariadb.commitsPerSecond(),
              mariadb.deliveriesPerCommit());
  size_t sqliteProcessed = 0, mariadbProcessed = 0;
  const double sqliteRate = sqlite.process(sqliteProcessed);
  const double mariadbRate = mariadb.process(mariadbProcessed);
  std::printf(
      "processing (parse, store, conversation, reply queued): SQLite %.0f msg/s (%zu), MariaDB "
      "%.0f msg/s (%zu)\n",
      sqliteRate, sqliteProcessed, mariadbRate, mariadbProcessed);
  std::fflush(stdout);
}

}  // namespace

int main() {
  std::setvbuf(stdout, nullptr, _IOLBF,
               0);  // each round's line as it ends, also into a file or pipe
  try {
    Poco::Logger::root().setLevel("warning");
    const char* list = std::getenv("BARAZA_BENCH_CONNECTIONS");
    std::stringstream counts(list ? list : "8,64");
    for (std::string item; std::getline(counts, item, ',');) runAt(std::stoi(item));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "webhook_ingest: %s\n", e.what());
    return 1;
  }
  return 0;
}
