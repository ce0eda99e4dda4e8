// outbound: 10 sending numbers at 1,000 msg/s each against the fake Graph API on this machine.
//   Baseline (same run): how many sends per second the fake itself takes from a bare keep-alive
//   client, i.e. what this machine allows at all.
//   Then Baraza on SQLite: a producer queues 1,000 messages/s per number into the outbox (each
//   number's message built once by the real channel plugin, then varied per message, so the
//   producer is not what limits the run) while the dispatcher sends; prints the achieved msg/s per
//   number, the busiest one-second window of any number (must never exceed its rate), and the queue
//   -> accepted latency p50/p99 (accepted = the fake received it and answered a wamid).
//   BARAZA_BENCH_SECONDS (default 30), BARAZA_BENCH_NUMBERS (10), BARAZA_BENCH_RATE (1000),
//   BARAZA_BENCH_STORE (sqlite; "mariadb" for a private MariaDB server),
//   BARAZA_BENCH_GUARD_MS (how long pacing assumes a send in flight may take to arrive; default as
//   outbound.window_guard_ms), BARAZA_BENCH_LATENCY_MS (how long the fake takes to answer; 0),
//   BARAZA_BENCH_IN_FLIGHT (calls at once, as outbound.max_in_flight; 16 on loopback, the host's
//   default with a latency).
#include <Poco/File.h>
#include <Poco/Logger.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <Poco/TemporaryFile.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <thread>

#include "BenchStore.h"
#include "LoadDriver.h"
#include "fakes/FakeGraph.h"
#include "http/HttpClient.h"
#include "outbound/Dispatcher.h"
#include "outbound/OutboundQueue.h"
#include "store/Migrations.h"
#include "store/testing/MariaDbServer.h"
#include "tenants/TenantManager.h"

using namespace baraza;

namespace {

int envOr(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v ? std::atoi(v) : fallback;
}

int64_t nowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

double percentile(std::vector<int64_t> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return static_cast<double>(
      v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))]);
}

struct Capacity {
  double perSecond = 0;
  double cpuUsPerSend = 0;  // the machine's busy CPU time per send (clients and fake)
};

/** Sends per second the fake takes from 8 bare keep-alive connections for 3 s. */
Capacity fakeCapacity(fakes::FakeGraph& graph) {
  std::atomic<bool> stop{false};
  std::atomic<int64_t> done{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      Poco::Net::HTTPClientSession session("127.0.0.1", graph.port());
      session.setKeepAlive(true);
      for (int64_t i = 0; !stop; ++i) {
        const std::string body =
            R"({"messaging_product":"whatsapp","recipient_type":"individual","to":"+2547)" +
            std::to_string(10000000 + t * 1000000 + i) +
            R"(","type":"text","text":{"body":"baseline"}})";
        Poco::Net::HTTPRequest request("POST", "/v25.0/100000000000000/messages",
                                       Poco::Net::HTTPMessage::HTTP_1_1);
        request.set("Authorization", "Bearer test-token");
        request.setContentType("application/json");
        request.setContentLength64(static_cast<Poco::Int64>(body.size()));
        session.sendRequest(request) << body;
        Poco::Net::HTTPResponse response;
        std::string answer;
        Poco::StreamCopier::copyToString(session.receiveResponse(response), answer);
        ++done;
      }
    });
  }
  const double busyBefore = bench::machineBusyTicks();
  std::this_thread::sleep_for(std::chrono::seconds(3));
  const double busy = bench::machineBusyTicks() - busyBefore;
  const int64_t sent = done;
  stop = true;
  for (auto& t : threads) t.join();
  return {static_cast<double>(sent) / 3.0,
          busy / static_cast<double>(sysconf(_SC_CLK_TCK)) * 1e6 / static_cast<double>(sent)};
}

}  // namespace

int main() {
  Poco::Logger::root().setLevel("warning");
  const int seconds = envOr("BARAZA_BENCH_SECONDS", 30);
  const int numberCount = envOr("BARAZA_BENCH_NUMBERS", 10);
  const int rate = envOr("BARAZA_BENCH_RATE", 1000);

  // Meta answers in 100-300 ms; on loopback the fake answers at once unless told to wait.
  const int latencyMs = envOr("BARAZA_BENCH_LATENCY_MS", 0);
  outbound::DispatchSettings settings;
  // On loopback ~10 calls are under way at 10,000 msg/s; 16 leaves room for bursts (64 measured the
  // same against this fake, worse against its former thread-per-connection server).
  settings.maxInFlight = envOr("BARAZA_BENCH_IN_FLIGHT", latencyMs > 0 ? settings.maxInFlight : 16);
  fakes::FakeGraph graph(
      2);  // an event loop on both cores; calls waiting out the latency hold no thread
  const Capacity bare = fakeCapacity(graph);
  const double capacity = bare.perSecond;
  graph.clear();
  graph.setLatencyMs(latencyMs);
  std::printf(
      "outbound: %d numbers x %d msg/s for %d s (target %d msg/s in all); the fake answers after "
      "%d ms, "
      "at most %d calls at once\n",
      numberCount, rate, seconds, numberCount * rate, latencyMs, settings.maxInFlight);
  std::printf(
      "  baseline: the fake Graph API takes %.0f sends/s from 8 bare keep-alive connections "
      "(machine CPU %.0f us per send)\n",
      capacity, bare.cpuUsPerSend);

  Poco::TemporaryFile dir;
  dir.createDirectories();
  Poco::File(dir.path() + "/tenants.d").createDirectories();
  std::vector<std::string> numbers;
  std::string ids;
  for (int i = 0; i < numberCount; ++i) {
    numbers.push_back(std::to_string(100000000000100 + i));
    ids += (ids.empty() ? "" : ",") + numbers.back();
  }
  std::ofstream(dir.path() + "/tenants.d/bulk.properties")
      << "whatsapp.phone_number_ids = " << ids
      << "\nwhatsapp.app_secret = s\nwhatsapp.verify_token = v\n"
      << "whatsapp.access_token = test-token\nwhatsapp.messages_per_second = " << rate << "\n"
      << "plugins.whatsapp.plugin = ke.baraza.channel.whatsapp\n";

  const std::string backend =
      std::getenv("BARAZA_BENCH_STORE") ? std::getenv("BARAZA_BENCH_STORE") : "sqlite";
  if (backend != "sqlite" && backend != "mariadb") {
    std::fprintf(stderr, "BARAZA_BENCH_STORE: sqlite or mariadb, not %s\n", backend.c_str());
    return 2;
  }
  std::printf("  store: %s\n", backend.c_str());
  auto db = store::Database::open(backend == "sqlite"
                                      ? store::testing::freshSqliteUrl()
                                      : store::testing::MariaDbServer::shared().createDatabase(),
                                  "");
  if (!db.isOk() || !store::migrate(**db).isOk()) {
    std::fprintf(stderr, "cannot open the store\n");
    return 1;
  }
  plugins::PluginRegistry registry = plugins::PluginRegistry::scan(BARAZA_PLUGINS_DIR);
  registry.loadAll();
  tenants::TenantManager tenants(dir.path() + "/tenants.d", registry, tenants::SharedServices{});
  tenants.start();
  tenants::TenantPtr tenant = tenants.current()->byId("bulk");
  if (!tenant) {
    std::fprintf(stderr, "the bench tenant did not start\n");
    return 1;
  }
  http::HttpClientSettings client;
  client.serviceBaseUrls["graph"] = graph.baseUrl();
  http::HttpClient http(client);
  outbound::OutboundQueue queue(*db, tenants, 3600 * 1000);
  settings.windowGuardUs =
      envOr("BARAZA_BENCH_GUARD_MS", static_cast<int>(settings.windowGuardUs / 1000)) * 1000LL;
  Metrics metrics;
  outbound::Dispatcher dispatcher(*db, tenants, queue, http, settings, "bench", &metrics);
  dispatcher.start();

  std::vector<outbound::PreparedMessage> templates;
  for (const auto& number : numbers) {
    auto p = queue.prepare(*tenant,
                           R"({"phone_number_id":")" + number +
                               R"(","to":"+254700000000","type":"text","text":{"body":"q0"}})",
                           "");
    if (!p.isOk()) {
      std::fprintf(stderr, "%s\n", p.status().toString().c_str());
      return 1;
    }
    templates.push_back(std::move(*p));
  }

  // The producer: every 10 ms, rate/100 messages per number, in one transaction; when it has
  // fallen behind, every tick that is due goes into that one transaction (as a bulk sender
  // would), so the producer's own commits do not set the pace.
  std::vector<int64_t> queuedAt;
  queuedAt.reserve(static_cast<size_t>(seconds) * numberCount * rate + 1000);
  const int64_t start = nowUs();
  const double busyAtStart = bench::machineBusyTicks();
  const bench::ThreadTicks threadTicksAtStart = bench::threadTicks();
  int64_t behind = 0;
  size_t transactions = 0;
  for (int tick = 0; tick < seconds * 100;) {
    const int64_t due = start + tick * 10000;
    if (const int64_t wait = due - nowUs(); wait > 0)
      std::this_thread::sleep_for(std::chrono::microseconds(wait));
    else
      behind = std::max(behind, -wait);
    const int dueTicks =
        std::clamp(static_cast<int>((nowUs() - start) / 10000) - tick + 1, 1, seconds * 100 - tick);
    std::vector<outbound::PreparedMessage> batch;
    for (int t = 0; t < dueTicks; ++t) {
      for (size_t n = 0; n < numbers.size(); ++n) {
        for (int k = 0; k < rate / 100; ++k) {
          // The number's message, checked and built once by the channel plugin, with this
          // message's recipient and sequence put in: the producer must not be what limits the run.
          const size_t seq = queuedAt.size() + batch.size();
          outbound::PreparedMessage p = templates[n];
          const std::string recipient = "+2547" + std::to_string(10000000 + seq);
          for (auto [from, to] :
               {std::pair{std::string("+254700000000"), recipient},
                std::pair{std::string("\"q0\""), "\"q" + std::to_string(seq) + "\""}}) {
            for (size_t at = p.message.payload.find(from); at != std::string::npos;
                 at = p.message.payload.find(from, at)) {
              p.message.payload.replace(at, from.size(), to);
              at += to.size();
            }
          }
          p.message.recipient = recipient;
          batch.push_back(std::move(p));
        }
      }
    }
    tick += dueTicks;
    const int64_t at = nowUs();
    bench::mustCommit(**db, [&](Poco::Data::Session& s) { queue.storeAll(s, batch, at / 1000); });
    ++transactions;
    for (size_t i = 0; i < batch.size(); ++i) queuedAt.push_back(at);
    dispatcher.wake();
  }
  const int64_t produced = nowUs();
  // Let the dispatcher finish what is queued (at most 30 s more).
  while (graph.acceptedCount() < queuedAt.size() && nowUs() - produced < 30 * 1000000LL) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  const double busy = bench::machineBusyTicks() - busyAtStart;
  const std::map<std::string, double> threadTicks =
      bench::ticksByNameBetween(threadTicksAtStart, bench::threadTicks());
  dispatcher.stop();

  std::map<std::string, std::vector<int64_t>> arrivals;
  std::vector<int64_t> latency;
  std::vector<std::vector<int64_t>> latencyBySecond(
      static_cast<size_t>(seconds));  // by second queued
  size_t refused = 0;
  for (const auto& call : graph.calls()) {
    if (call.wamid.empty()) {
      ++refused;
      continue;
    }
    arrivals[call.phoneNumberId].push_back(call.receivedUs);
    const size_t q = call.body.find("\"q");
    if (q != std::string::npos) {
      const size_t seq = std::stoul(call.body.substr(q + 2));
      if (seq < queuedAt.size()) {
        latency.push_back(call.receivedUs - queuedAt[seq]);
        const auto second = static_cast<size_t>((queuedAt[seq] - start) / 1000000);
        if (second < latencyBySecond.size()) latencyBySecond[second].push_back(latency.back());
      }
    }
  }
  size_t busiest = 0, accepted = 0;
  double slowest = 1e18;
  for (auto& [number, times] : arrivals) {
    std::sort(times.begin(), times.end());
    accepted += times.size();
    size_t most = 0;
    for (size_t i = 0, j = 0; j < times.size(); ++j) {
      while (times[j] - times[i] >= 1000000) ++i;
      most = std::max(most, j - i + 1);
    }
    busiest = std::max(busiest, most);
    // Sustained rate while the producer ran: messages that arrived in the producing window.
    const size_t inWindow = static_cast<size_t>(std::count_if(
        times.begin(), times.end(), [&](int64_t t) { return t >= start && t < produced; }));
    const double perSecond =
        static_cast<double>(inWindow) / (static_cast<double>(produced - start) / 1e6);
    slowest = std::min(slowest, perSecond);
    std::printf("  number %s: %.0f msg/s while producing, %zu in all, busiest second %zu\n",
                number.c_str(), perSecond, times.size(), most);
  }
  std::printf(
      "  queued %zu in %zu transactions, accepted %zu, refused by the fake %zu; producer at most "
      "%.1f ms "
      "behind schedule\n",
      queuedAt.size(), transactions, accepted, refused, static_cast<double>(behind) / 1000.0);
  std::printf(
      "  slowest number %.1f msg/s (goal %d; window guard %lld ms); busiest second of any number "
      "%zu "
      "(limit %d: %s)\n",
      slowest, rate, static_cast<long long>(settings.windowGuardUs / 1000), busiest, rate,
      busiest <= static_cast<size_t>(rate) ? "never over" : "OVER");
  // A send may start only a second after the arrival of the send `rate` places before it is
  // known, and its answer is the proof: each number's every second of sending lasts 1 s plus a
  // call's time (plus however late sends start), whatever Baraza does.
  const double meanCallUs =
      static_cast<double>(metrics.value("baraza_outbound_call_microseconds_total", "")) /
      static_cast<double>(std::max<int64_t>(metrics.value("baraza_outbound_calls_total", ""), 1));
  const double ceiling =
      rate * 1e6 / (1e6 + std::min(meanCallUs, static_cast<double>(settings.windowGuardUs)));
  std::printf(
      "  Graph calls took %.2f ms from start to answer on average: a number never over sends at "
      "most "
      "%.1f msg/s with such answers\n",
      meanCallUs / 1000.0, ceiling);
  // Clock ticks of CPU time as microseconds per message accepted.
  auto usPerMessage = [&](double ticks) {
    return ticks / static_cast<double>(sysconf(_SC_CLK_TCK)) * 1e6 /
           static_cast<double>(std::max<size_t>(accepted, 1));
  };
  std::printf("  machine CPU per message queued and sent: %.0f us (the bare send alone: %.0f us)\n",
              usPerMessage(busy), bare.cpuUsPerSend);
  std::string byThread;
  for (const auto& [name, ticks] : threadTicks) {
    byThread += " " + name + " " + std::to_string(static_cast<int>(usPerMessage(ticks))) + ",";
  }
  if (!byThread.empty()) byThread.pop_back();
  std::printf(
      "  this process's CPU per message by thread (us):%s (outbound_bench: producer and fake)\n",
      byThread.c_str());
  std::printf("  queue -> accepted latency p50 %.1f ms, p99 %.1f ms\n",
              percentile(latency, 0.50) / 1000.0, percentile(latency, 0.99) / 1000.0);
  // A number never sends above its rate, so whatever falls behind stays behind: this shows when.
  std::string bySecond;
  for (const auto& l : latencyBySecond)
    bySecond += " " + std::to_string(static_cast<int>(percentile(l, 0.50) / 1000.0));
  std::printf("  queue -> accepted p50 by second queued (ms):%s\n", bySecond.c_str());
  std::printf(
      "  Baraza / baseline: %.2f (all numbers' sends per second over what the fake takes)\n",
      static_cast<double>(accepted) / (static_cast<double>(produced - start) / 1e6) / capacity);
  return 0;
}
