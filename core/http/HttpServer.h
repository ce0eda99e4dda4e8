#pragma once

#include <cstdint>
#include <memory>

#include "http/HttpSettings.h"
#include "http/Router.h"

namespace baraza::http {

/**
 * The host's HTTP/1.1 server. Event loops (http.io_threads, one per core by default) read and
 * write every connection: a kept-alive connection costs a socket and a buffer, not a thread. A
 * request is read whole (header, then a body held to http.max_body_bytes: 413 beyond) before
 * its route's handler runs, on the loop or on a handler thread (Router's Runs). Also: timeouts,
 * keep-alive with a request limit, pipelining, a connection limit, a JSON access-log line per
 * request (logger "baraza.access"; the query string is left out because it can carry tokens),
 * and a graceful stop. Handlers never let an exception escape: an HttpError becomes its status,
 * anything else a 500.
 */
class HttpServer {
 public:
  HttpServer(const HttpServerSettings& settings, Router router);
  ~HttpServer();

  /** Binds and starts serving. Throws std::runtime_error when the address cannot be bound. */
  void start();
  /** The bound port (useful when configured as 0). */
  uint16_t port() const;
  /**
   * Stops accepting; requests in flight finish (up to drainSeconds of the settings, then their
   * connections are closed); idle keep-alive connections are closed at once. Returns when every
   * handler has returned and every answer was written or dropped. Not from a handler.
   */
  void stop();
  /** Requests being served right now (read, not yet answered). */
  int inFlight() const;

  class State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace baraza::http
