// webhook_ingest: unique signed webhooks on keep-alive connections, against
//   (a) a bare Poco HTTPServer that reads the body and answers 200 (the baseline, measured before
//       and after the others; ratios are to the mean of both),
//   (b) Baraza's webhook endpoint on SQLite, (c) the same on MariaDB,
// in one run. For Baraza a 200 means the delivery is durably committed. Then the sustained
// processing rate: deliveries parsed by the channel plugin, stored, and answered by the
// conversation plugin, per second.
//   BARAZA_BENCH_SECONDS (default 4 per target), BARAZA_BENCH_CONNECTIONS (default "8,64": each
//   count is a full run; Meta delivers concurrently, and group commit needs concurrency).
#include "LoadDriver.h"
#include "app/WebhookRoutes.h"
#include "crypto/Crypto.h"
#include "http/HttpServer.h"
#include "inbound/InboundProcessor.h"
#include "store/Migrations.h"
#include "store/testing/MariaDbServer.h"
#include "tenants/TenantManager.h"

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
         std::to_string(10000 + connection) + R"("}],"messages":[{"from":"2547110)" + std::to_string(10000 + connection) +
         R"(","id":")" + id + R"(","timestamp":"1730231903","type":"text","text":{"body":"Habari, I would like to buy airtime for 50 shillings please"}}]}}]}]})";
}

Result drive(uint16_t port) {
  return bench::drive(port, gConnections, envOr("BARAZA_BENCH_SECONDS", 4), [](int connection, int64_t seq) {
    bench::LoadRequest request{"/webhooks/whatsapp", body(connection, seq), {}};
    request.headers.emplace_back("X-Hub-Signature-256", "sha256=" + crypto::toHex(crypto::hmacSha256(kSecret, request.body)));
    return request;
  });
}

class Bare : public Poco::Net::HTTPRequestHandler {
 public:
  void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override {
    std::string body;
    Poco::StreamCopier::copyToString(request.stream(), body);
    response.setContentType("application/json");
    response.setContentLength(2);
    response.send() << "{}";
  }
};

class BareFactory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override { return new Bare; }
};

/** Poco serves a keep-alive connection on one thread: both servers get one per connection. */
int serverThreads() { return std::max(16, gConnections); }

config::HttpServerSettings serverSettings() {
  config::HttpServerSettings s;
  s.port = 0;
  s.threads = serverThreads();
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

struct BarazaRun {
  Result ingest;
  double commitsPerSecond = 0;   // group commits during the ingest run
  double perCommit = 0;          // deliveries per commit
  double processedPerSecond = 0;
  size_t processed = 0;
};

BarazaRun runBaraza(const std::string& url) {
  auto db = store::Database::open(url, "");
  if (!db.isOk()) throw std::runtime_error(db.status().toString());
  if (auto m = store::migrate(**db); !m.isOk()) throw std::runtime_error(m.status().toString());
  Poco::TemporaryFile dir;
  Poco::File(dir.path()).createDirectories();
  std::ofstream(dir.path() + "/bench.properties")
      << "whatsapp.phone_number_ids = 100000000000001\nwhatsapp.app_secret = " << kSecret
      << "\nwhatsapp.verify_token = t\nplugins.whatsapp.plugin = ke.baraza.channel.whatsapp\n"
         "plugins.bot.plugin = ke.baraza.conversation.echo\n";
  auto registry = plugins::PluginRegistry::scan(BARAZA_PLUGINS_DIR);
  registry.loadAll();
  tenants::TenantManager tenants(dir.path(), registry, {});
  tenants.start();
  store::InboxWriter inboxWriter(*db, {});
  inbound::WebhookReceiver receiver(tenants, inboxWriter);
  http::Router router;
  app::addWebhookRoutes(router, receiver);
  http::HttpServer server(serverSettings(), std::move(router));
  server.start();
  BarazaRun run;
  run.ingest = drive(server.port());
  server.stop();
  const double seconds = envOr("BARAZA_BENCH_SECONDS", 4);
  run.commitsPerSecond = static_cast<double>(inboxWriter.commits()) / seconds;
  if (inboxWriter.commits() > 0) run.perCommit = run.ingest.rps * seconds / static_cast<double>(inboxWriter.commits());

  // Processing what was acknowledged, with the default settings (two workers, batches of 64).
  inbound::ProcessorSettings settings;
  outbound::OutboundQueue queue(*db, tenants, 3600 * 1000);
  inbound::InboundProcessor processor(*db, tenants, queue, settings, "bench");
  int64_t pending = 0;
  auto countPending = [&] {
    (*db)->transaction([&](Poco::Data::Session& s) {
      s << "SELECT COUNT(*) FROM inbox WHERE state <> 'done'", Poco::Data::Keywords::into(pending), Poco::Data::Keywords::now;
    });
    return pending;
  };
  const int64_t total = countPending();
  const auto started = std::chrono::steady_clock::now();
  processor.start();
  const double cap = envOr("BARAZA_BENCH_PROCESS_SECONDS", 20);
  while (countPending() > 0 &&
         std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count() < cap) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  processor.stop();
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  run.processed = static_cast<size_t>(total - countPending());
  run.processedPerSecond = static_cast<double>(run.processed) / elapsed;
  return run;
}

void runAt(int connections) {
  gConnections = connections;
  std::printf("\nwebhook_ingest: %d keep-alive connections, %.0f s per target, ~600-byte signed webhooks\n",
              connections, envOr("BARAZA_BENCH_SECONDS", 4));
  // The baseline runs before and after Baraza and the ratios use its mean: on a shared virtual
  // machine the speed drifts within a run, and one side measured alone carries that drift.
  const Result before = bare();
  Poco::TemporaryFile sqliteDir;
  Poco::File(sqliteDir.path()).createDirectories();
  BarazaRun b = runBaraza("sqlite://" + sqliteDir.path() + "/bench.db");
  BarazaRun c = runBaraza(store::testing::MariaDbServer::shared().createDatabase());
  const Result after = bare();
  const double baseline = (before.rps + after.rps) / 2;
  std::printf("%-24s %9s %9s %9s %7s %10s %7s\n", "target", "req/s", "p50 ms", "p99 ms", "errors", "cpu us/req", "ratio");
  auto row = [&](const char* name, const Result& r, const char* goal) {
    std::printf("%-24s %9.0f %9.2f %9.2f %7zu %10.1f %7.2f%s\n", name, r.rps, r.p50, r.p99, r.errors, r.cpuUsPerRequest,
                r.rps / baseline, goal);
  };
  row("(a) bare Poco, before", before, "");
  row("(a) bare Poco, after", after, "");
  row("(b) baraza, SQLite", b.ingest, "  (goal >= 0.60)");
  row("(c) baraza, MariaDB", c.ingest, "  (goal >= 0.40)");
  // Each connection waits for its commit: req/s <= connections x commits/s, and a commit is an fsync.
  std::printf("group commits: SQLite %.0f/s of %.1f deliveries, MariaDB %.0f/s of %.1f\n", b.commitsPerSecond,
              b.perCommit, c.commitsPerSecond, c.perCommit);
  std::printf("processing (parse, store, conversation, reply queued): SQLite %.0f msg/s (%zu), MariaDB %.0f msg/s (%zu)\n",
              b.processedPerSecond, b.processed, c.processedPerSecond, c.processed);
  std::fflush(stdout);
}

}  // namespace

int main() {
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
