#pragma once

#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/TCPServer.h>

#include <memory>

namespace Poco {
class ThreadPool;
}

namespace baraza::http {

/**
 * Poco's HTTPServer, except for how a kept-alive connection waits for its next request: with one
 * poll(2). Poco 1.11's Socket::poll creates, arms and closes an epoll instance on every call, and
 * its HTTP server calls it before every request: three system calls and a file descriptor per
 * request, ~5% of the machine's CPU under load (bench/webhook_ingest, bench/outbound_bench).
 *
 * Everything else is Poco's: HTTPServerParams (timeouts, keep-alive, maximum requests per
 * connection, thread limits), request handler factories, request and response objects, the
 * answers to malformed requests (400) and handler exceptions (500).
 */
class PollingHttpServer : public Poco::Net::TCPServer {
 public:
  /**
   * Serves on `pool`, which must allow as many threads as connections may be open at once: each
   * open connection holds one (Poco's default pool has 16, shared with the whole process).
   */
  PollingHttpServer(Poco::Net::HTTPRequestHandlerFactory::Ptr factory, Poco::ThreadPool& pool,
                    const Poco::Net::ServerSocket& socket, Poco::Net::HTTPServerParams::Ptr params);
  ~PollingHttpServer() override;

  /**
   * Stops accepting and closes every connection: idle ones at once, busy ones once their current
   * request is answered — or at once when abortCurrent. May be called again, from another thread,
   * with abortCurrent while an earlier call waits for busy connections.
   */
  void stopAll(bool abortCurrent = false);

  class Connections;

 private:
  PollingHttpServer(Poco::Net::HTTPRequestHandlerFactory::Ptr factory, Poco::ThreadPool& pool,
                    const Poco::Net::ServerSocket& socket, Poco::Net::HTTPServerParams::Ptr params,
                    std::shared_ptr<Connections> connections);
  std::shared_ptr<Connections> connections_;
};

}  // namespace baraza::http
