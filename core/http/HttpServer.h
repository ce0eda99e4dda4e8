#pragma once

#include "config/HostConfig.h"
#include "http/Router.h"

#include <Poco/Net/ServerSocket.h>

#include <atomic>
#include <memory>

namespace Poco {
class ThreadPool;
}

namespace baraza::http {

class PollingHttpServer;

/**
 * The host's HTTP server: Poco's HTTP server (as PollingHttpServer) with the listen address,
 * thread pool, timeouts and body limit from configuration, a JSON access-log line per request
 * (logger "baraza.access"; the query string is left out because it can carry tokens), and a
 * graceful stop.
 * Handlers never let an exception escape: an HttpError becomes its status, anything else a 500.
 */
class HttpServer {
 public:
  HttpServer(const config::HttpServerSettings& settings, Router router);
  ~HttpServer();

  /** Binds and starts accepting. Throws Poco::Exception when the address cannot be bound. */
  void start();
  /** The bound port (useful when configured as 0). */
  uint16_t port() const;
  /**
   * Stops accepting; requests in flight finish (up to drainSeconds of the settings, then their
   * connections are aborted); idle keep-alive connections are closed. Returns when done.
   */
  void stop();
  /** Requests being served right now. */
  int inFlight() const;

 private:
  class Factory;
  config::HttpServerSettings settings_;
  std::shared_ptr<Router> router_;
  Poco::Net::ServerSocket socket_;
  std::unique_ptr<Poco::ThreadPool> pool_;
  std::unique_ptr<PollingHttpServer> server_;
  std::shared_ptr<std::atomic<int>> inFlight_;
};

}  // namespace baraza::http
