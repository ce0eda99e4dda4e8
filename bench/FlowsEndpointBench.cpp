// flows_endpoint: the WhatsApp Flows data endpoint under load. Every request is unique and
// carries a fresh AES key wrapped with RSA-OAEP, so the server must do one RSA-2048 private
// operation per request (nothing can be cached). Requests are `ping`s, signed with the app
// secret, on keep-alive connections from this machine; they are built before the clock starts.
// Baseline (same run): `openssl speed -multi <cores> rsa2048` private operations per second, the
// most any endpoint could answer. Prints req/s, p50/p99 and the ratio.
//   BARAZA_BENCH_SECONDS (default 5), BARAZA_BENCH_CONNECTIONS (default 8).
#include <Poco/File.h>
#include <Poco/Logger.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Pipe.h>
#include <Poco/PipeStream.h>
#include <Poco/Process.h>
#include <Poco/StreamCopier.h>
#include <Poco/TemporaryFile.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <limits>
#include <sstream>
#include <thread>

#include "LoadDriver.h"
#include "app/FlowRoutes.h"
#include "crypto/Crypto.h"
#include "flows/FlowEndpoint.h"
#include "http/HttpServer.h"
#include "store/Migrations.h"
#include "store/testing/MariaDbServer.h"
#include "tenants/TenantManager.h"

using namespace baraza;

namespace {

const std::string kSecret = "bench-app-secret";

int envOr(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v ? std::atoi(v) : fallback;
}

/** RSA-2048 private operations per second on every core, by `openssl speed`. */
double opensslRsaSignsPerSecond(unsigned cores) {
  Poco::Pipe out;
  Poco::ProcessHandle handle = Poco::Process::launch(
      "openssl", {"speed", "-multi", std::to_string(cores), "-seconds", "3", "rsa2048"}, nullptr,
      &out, &out);
  Poco::PipeInputStream in(out);
  std::string text;
  Poco::StreamCopier::copyToString(in, text);
  handle.wait();
  // "rsa 2048 bits 0.000346s 0.000010s   2890.2 100523.9": sign/s is the third number.
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("rsa 2048 bits", 0) != 0) continue;
    std::istringstream fields(line.substr(13));
    std::string signTime, verifyTime;
    double signs = 0;
    fields >> signTime >> verifyTime >> signs;
    return signs;
  }
  std::fprintf(stderr, "cannot read openssl speed's answer:\n%s\n", text.c_str());
  return 0;
}

struct Prepared {
  std::string body, signature;
};

}  // namespace

int main() {
  Poco::Logger::root().setLevel("warning");
  const int seconds = envOr("BARAZA_BENCH_SECONDS", 5);
  const int connections = envOr("BARAZA_BENCH_CONNECTIONS", 8);
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());

  const double baseline = opensslRsaSignsPerSecond(cores);

  // A tenant with a Flows key, on SQLite.
  Poco::TemporaryFile dir;
  dir.createDirectories();
  Poco::File(dir.path() + "/tenants.d").createDirectories();
  auto key = crypto::RsaPrivateKey::generate(2048);
  std::ofstream(dir.path() + "/flows.pem") << key->privatePem();
  std::ofstream(dir.path() + "/tenants.d/shop.properties")
      << "whatsapp.phone_number_ids = 100000000000001\nwhatsapp.app_secret = " << kSecret
      << "\nwhatsapp.verify_token = v\nflows.private_key_files = " << dir.path() << "/flows.pem\n";
  auto db = store::Database::open(store::testing::freshSqliteUrl(), "");
  if (!db.isOk() || !store::migrate(**db).isOk()) return 1;
  plugins::PluginRegistry registry = plugins::PluginRegistry::scan(BARAZA_PLUGINS_DIR);
  tenants::TenantManager tenants(dir.path() + "/tenants.d", registry, tenants::SharedServices{});
  tenants.start();
  flows::FlowEndpoint endpoint(tenants, *db);
  http::Router router;
  app::addFlowRoutes(router, endpoint);
  http::HttpServerSettings settings;
  settings.port = 0;
  settings.threads = std::max(16, connections);
  http::HttpServer server(settings, std::move(router));
  server.start();

  // Requests, each with its own AES key and IV, built before the clock starts.
  const size_t perConnection =
      static_cast<size_t>(std::max(200, static_cast<int>(baseline) * seconds * 2 / connections));
  std::vector<std::vector<Prepared>> requests(connections);
  for (auto& list : requests) {
    for (size_t i = 0; i < perConnection; ++i) {
      uint8_t material[32];
      crypto::randomBytes(material, sizeof material);
      const std::string aesKey(reinterpret_cast<char*>(material), 16),
          iv(reinterpret_cast<char*>(material) + 16, 16);
      const std::string sealed =
          *crypto::aesGcmEncrypt(aesKey, iv, "", R"({"version":"3.0","action":"ping"})");
      Prepared p;
      p.body = R"({"encrypted_flow_data":")" + crypto::base64Encode(sealed) +
               R"(","encrypted_aes_key":")" +
               crypto::base64Encode(*key->encryptOaepSha256(aesKey)) + R"(","initial_vector":")" +
               crypto::base64Encode(iv) + "\"}";
      p.signature = "sha256=" + crypto::toHex(crypto::hmacSha256(kSecret, p.body));
      list.push_back(std::move(p));
    }
  }

  const bench::LoadResult r =
      bench::drive(server.port(), connections, seconds, [&](int c, int64_t seq) {
        const auto& list = requests[static_cast<size_t>(c)];
        if (static_cast<size_t>(seq) >= list.size()) return bench::LoadRequest{};  // ran out: stop
        const Prepared& p = list[static_cast<size_t>(seq)];
        return bench::LoadRequest{"/flows/shop", p.body, {{"X-Hub-Signature-256", p.signature}}};
      });
  server.stop();

  const double rps = r.rps, p50 = r.p50, p99 = r.p99;
  std::printf(
      "flows_endpoint: %d keep-alive connections, %d s, unique RSA-wrapped requests (ping)\n",
      connections, seconds);
  std::printf("  baseline: openssl speed -multi %u rsa2048: %.0f private ops/s\n", cores, baseline);
  std::printf("  baraza:   %.0f req/s, p50 %.2f ms, p99 %.2f ms, errors %zu\n", rps, p50, p99,
              r.errors);
  std::printf("  ratio %.2f (goal >= 0.80), p99 %s 20 ms\n", baseline > 0 ? rps / baseline : 0.0,
              p99 < 20 ? "<" : ">=");
  std::string threads;
  for (const auto& [thread, percent] : r.threadPercent) {
    if (percent >= 1)
      threads += " " + thread + " " + std::to_string(static_cast<int>(percent + 0.5));
  }
  std::printf("  threads, %% of one core:%s\n", threads.c_str());
  return 0;
}
