// What the host's HTTP server and client are configured with (host file: http.*, http_client.*).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

namespace baraza::http {

struct HttpServerSettings {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;
  int ioThreads = 0;  // event loops that read and write every connection; 0: one per core
  int threads = 16;   // handler threads, for routes that may block (Router's Runs::kOnWorker)
  int queue = 128;    // the listen backlog: connections the kernel completed, not yet accepted
  int maxConnections = 10000;             // open at once; beyond, new ones wait in the backlog
  size_t maxBodyBytes = 3 * 1024 * 1024;  // Meta's webhook maximum
  int timeoutSeconds = 15;                // socket receive/send: bounds slow headers and bodies
  int keepAliveSeconds = 15;
  int maxKeepAliveRequests = 1000;
  int drainSeconds = 25;  // graceful stop: how long in-flight requests may take
};

struct HttpClientSettings {
  int connectTimeoutMs = 5000;
  int timeoutMs = 30000;
  size_t maxResponseBytes = 16 * 1024 * 1024;
  std::string caFile;  // empty: the system store
  /** service name ("graph", "openai", "kra") -> base URL that replaces the plugin's. */
  std::map<std::string, std::string> serviceBaseUrls;
};

}  // namespace baraza::http
