// media: 200 inbound image messages of 1 MB each, downloaded by a real `baraza serve` from the fake
// Graph API on loopback into the fsmedia plugin (SQLite store).
//   Baseline (same run): curl downloading the same 200 files to disk, two at a time, with the
//   same bearer token; the fake serves both.
//   Prints MB/s stored (first webhook posted to last item stored: lookup, download, hash check,
//   fsync, rename, folder fsync, recording), the host's peak RSS growth over the run (VmHWM minus
//   VmRSS before the first webhook) and its CPU time per MB, beside curl's MB/s.
//   BARAZA_BENCH_FILES (default 200), BARAZA_BENCH_FILE_KB (1024), BARAZA_BENCH_WORKERS
//   (media.workers, default as the host's: 4).
#include <Poco/Data/Session.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include "common/testing/HttpCall.h"
#include "crypto/Crypto.h"
#include "fakes/FakeGraph.h"
#include "store/Database.h"
#include "support/BarazaProcess.h"
#include "support/TempConfig.h"

using namespace baraza;

namespace {

int envOr(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v ? std::atoi(v) : fallback;
}

double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

/** A field of /proc/<pid>/status in kB ("VmRSS", "VmHWM"). */
long statusKb(int pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::atol(line.c_str() + field.size() + 1);
  }
  return -1;
}

/** User + system CPU seconds of process `pid`. */
double cpuSeconds(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::istringstream fields(text.substr(text.rfind(')') + 2));
  std::string skip;
  for (int i = 0; i < 11; ++i) fields >> skip;  // state .. cmajflt
  double utime = 0, stime = 0;
  fields >> utime >> stime;
  return (utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

std::string imageBytes(size_t size, int n) {
  std::string out(size, '\0');
  for (size_t i = 0; i < size; ++i) out[i] = static_cast<char>(i * 13 + n * 7 + (i >> 9));
  return out;
}

int post(int port, int n, const std::string& sha) {
  const std::string id = "bench-" + std::to_string(n);
  const std::string body =
      R"({"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":)"
      R"({"messaging_product":"whatsapp","metadata":{"display_phone_number":"1","phone_number_id":"100000000000001"},)"
      R"("contacts":[{"profile":{"name":"B"},"wa_id":"254700000001"}],"messages":[{"from":"254700000001","id":"wamid.)" +
      id + R"(","timestamp":"1767225600","type":"image","image":{"id":")" + id +
      R"(","mime_type":"image/jpeg","sha256":")" + sha + R"("}}]}}]}]})";
  testing::HttpCall call{
      "POST", "/webhooks/whatsapp", body, {{"Content-Type", "application/json"}}};
  call.headers.emplace_back("X-Hub-Signature-256",
                            "sha256=" + crypto::toHex(crypto::hmacSha256("s", body)));
  return testing::httpCall(port, call).status;
}

int storedCount(const std::string& url) {
  auto db = store::Database::open(url, "");
  if (!db.isOk()) return 0;
  int n = 0;
  Status read = (*db)->transaction([&](Poco::Data::Session& s) {
    s << "SELECT COUNT(*) FROM media WHERE state IN ('stored', 'failed')",
        Poco::Data::Keywords::into(n), Poco::Data::Keywords::now;
  });
  return read.isOk() ? n : 0;
}

}  // namespace

int main() {
  const int files = envOr("BARAZA_BENCH_FILES", 200);
  const size_t size = static_cast<size_t>(envOr("BARAZA_BENCH_FILE_KB", 1024)) * 1024;
  const double megabytes = static_cast<double>(files) * static_cast<double>(size) / 1e6;
  fakes::FakeGraph graph(2);
  std::vector<std::string> hashes;
  for (int n = 0; n < files; ++n) {
    const std::string bytes = imageBytes(size, n);
    hashes.push_back(crypto::toHex(crypto::sha256(bytes)));
    graph.addMedia("bench-" + std::to_string(n), {bytes, "image/jpeg"});
  }
  testing::TempConfig config;

  // Baseline: curl, two transfers at a time, the same files from the same fake, to disk.
  {
    std::ofstream list(config.path() + "/curl.txt");
    for (int n = 0; n < files; ++n) {
      list << "url = \"" << graph.baseUrl() << "/media-download/bench-" << n << "\"\n"
           << "output = \"" << config.path() << "/curl-" << n << ".jpg\"\n";
    }
  }
  const auto curlStart = std::chrono::steady_clock::now();
  const std::string curl =
      "curl -sS --no-progress-meter --fail --parallel --parallel-max 2 -H 'Authorization: Bearer "
      "test-token' -K " +
      config.path() + "/curl.txt";
  if (std::system(curl.c_str()) != 0) {
    std::fprintf(stderr, "curl failed\n");
    return 1;
  }
  const double curlSeconds = secondsSince(curlStart);

  const std::string root = config.path() + "/media";
  config.writeHost("media.workers = " + std::to_string(envOr("BARAZA_BENCH_WORKERS", 4)) +
                   "\nhttp_client.service.graph.base_url = " + graph.baseUrl() + "\n");
  config.writeTenant("acme",
                     "whatsapp.phone_number_ids = 100000000000001\nwhatsapp.app_secret = s\n"
                     "whatsapp.verify_token = t\nwhatsapp.access_token = test-token\n"
                     "plugins.whatsapp.plugin = ke.baraza.channel.whatsapp\n"
                     "plugins.media.plugin = ke.baraza.media.fs\n"
                     "plugins.media.config.root = " +
                         root + "\n");
  testing::ServeProcess serve({"serve", "--config", config.hostFile()});
  const int port = serve.port();
  if (port <= 0) {
    std::fprintf(stderr, "baraza serve did not start:\n%s\n", serve.log().c_str());
    return 1;
  }
  const std::string url = "sqlite://" + config.path() + "/lib/baraza.db";
  const long rssBefore = statusKb(serve.pid(), "VmRSS");
  const double cpuBefore = cpuSeconds(serve.pid());
  const auto start = std::chrono::steady_clock::now();
  for (int n = 0; n < files; ++n) {
    if (post(port, n, hashes[n]) != 200) {
      std::fprintf(stderr, "webhook %d refused\n", n);
      return 1;
    }
  }
  while (storedCount(url) < files) {
    if (secondsSince(start) > 600) {
      std::fprintf(stderr, "not all media settled in 600 s\n");
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const double seconds = secondsSince(start);
  const double cpu = cpuSeconds(serve.pid()) - cpuBefore;
  const long peak = statusKb(serve.pid(), "VmHWM");
  serve.signal(SIGTERM);
  serve.wait();

  const double curlRate = megabytes / curlSeconds;
  const double rate = megabytes / seconds;
  std::printf("media: %d files of %zu KiB (%.1f MB) from the fake Graph API on loopback\n", files,
              size / 1024, megabytes);
  std::printf("  curl, 2 at a time, to disk:        %8.1f MB/s (%.2f s)\n", curlRate, curlSeconds);
  std::printf(
      "  baraza, webhook to stored:         %8.1f MB/s (%.2f s)  ratio %.2f (goal >= 0.80)\n", rate,
      seconds, rate / curlRate);
  std::printf(
      "  baraza peak RSS growth:            %8.1f MB (VmRSS %ld kB before, VmHWM %ld kB; "
      "goal < 32 MB)\n",
      static_cast<double>(peak - rssBefore) / 1024.0, rssBefore, peak);
  std::printf("  baraza CPU:                        %8.2f ms per MB\n", cpu * 1000.0 / megabytes);
  return 0;
}
