#include "http/PollingHttpServer.h"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerResponseImpl.h>
#include <Poco/Net/HTTPServerSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/TCPServerConnection.h>
#include <Poco/Net/TCPServerConnectionFactory.h>
#include <Poco/ThreadPool.h>
#include <Poco/Timestamp.h>

#include <poll.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <memory>
#include <mutex>
#include <unordered_set>
#include <vector>

namespace baraza::http {
namespace {

using Poco::Net::HTTPResponse;

/** Waits until the socket has something to read (or is closed), at most `timeout`. */
bool readable(const Poco::Net::StreamSocket& socket, const Poco::Timespan& timeout) {
  pollfd p{};
  p.fd = socket.impl()->sockfd();
  p.events = POLLIN;
  Poco::Timestamp start;
  for (;;) {
    const Poco::Timespan left = timeout - Poco::Timespan(start.elapsed());
    const int ms = left.totalMicroseconds() <= 0 ? 0 : static_cast<int>((left.totalMicroseconds() + 999) / 1000);
    const int n = ::poll(&p, 1, ms);
    if (n >= 0) return n > 0;  // readable, or hung up / failed: the next read says which
    if (errno != EINTR) throw Poco::Net::NetException("poll", std::strerror(errno), errno);
  }
}

/** Poco's server session with the wait between requests done by readable(). */
class Session : public Poco::Net::HTTPServerSession {
 public:
  Session(const Poco::Net::StreamSocket& socket, const Poco::Net::HTTPServerParams::Ptr& params)
      : HTTPServerSession(socket, params),
        keepAliveTimeout_(params->getKeepAliveTimeout()),
        requestsLeft_(params->getMaxKeepAliveRequests()) {}

  /** hasMoreRequests(), as Poco decides it: the first request, then while keep-alive lasts. */
  bool nextRequest() {
    if (!socket().impl()->initialized()) return false;
    if (first_) {
      first_ = false;
      --requestsLeft_;
      return readable(socket(), getTimeout());
    }
    if (requestsLeft_ == 0 || !getKeepAlive()) return false;
    if (requestsLeft_ > 0) --requestsLeft_;
    return buffered() > 0 || readable(socket(), keepAliveTimeout_);
  }

  /** Whether another request may follow on this connection (Poco's canKeepAlive() counts only
   *  what hasMoreRequests() saw, so it cannot be used here). */
  bool mayKeepAlive() const { return requestsLeft_ != 0; }

 private:
  Poco::Timespan keepAliveTimeout_;
  int requestsLeft_;  // negative or zero at the start: unlimited
  bool first_ = true;
};

}  // namespace

/** The open connections, so that stopAll() can close them. */
class PollingHttpServer::Connections {
 public:
  struct Live {
    Poco::Net::StreamSocket socket;
    std::mutex serving;  // held while a request is being answered
    std::atomic<bool> stopped{false};
  };

  std::shared_ptr<Live> open(const Poco::Net::StreamSocket& socket) {
    auto live = std::make_shared<Live>();
    live->socket = socket;
    std::lock_guard lock(mutex_);
    live->stopped = stopped_;
    live_.insert(live);
    return live;
  }

  void close(const std::shared_ptr<Live>& live) {
    std::lock_guard lock(mutex_);
    live_.erase(live);
  }

  void stopAll(bool abortCurrent) {
    std::vector<std::shared_ptr<Live>> all;
    {
      std::lock_guard lock(mutex_);
      stopped_ = true;
      all.assign(live_.begin(), live_.end());
    }
    for (const auto& live : all) {
      std::unique_lock serving(live->serving, std::defer_lock);
      if (!abortCurrent) serving.lock();  // let the request being answered finish
      live->stopped = true;
      try {
        live->socket.shutdown();
      } catch (const Poco::Exception&) {
        // Already closed by the client or by the connection itself.
      }
    }
  }

 private:
  std::mutex mutex_;
  bool stopped_ = false;
  std::unordered_set<std::shared_ptr<Live>> live_;
};

namespace {

class Connection : public Poco::Net::TCPServerConnection {
 public:
  Connection(const Poco::Net::StreamSocket& socket, Poco::Net::HTTPServerParams::Ptr params,
             Poco::Net::HTTPRequestHandlerFactory::Ptr factory,
             std::shared_ptr<PollingHttpServer::Connections> connections)
      : TCPServerConnection(socket),
        params_(std::move(params)),
        factory_(std::move(factory)),
        connections_(std::move(connections)) {}

  void run() override {
    auto live = connections_->open(socket());
    try {
      serve(*live);
    } catch (...) {
      connections_->close(live);
      throw;  // TCPServerConnection::start() reports it to Poco's ErrorHandler, as HTTPServer's do
    }
    connections_->close(live);
  }

 private:
  void serve(PollingHttpServer::Connections::Live& live) {
    const std::string server = params_->getSoftwareVersion();
    Session session(socket(), params_);
    while (!live.stopped && session.nextRequest()) {
      try {
        std::lock_guard serving(live.serving);
        if (live.stopped) break;
        answer(session, server);
      } catch (const Poco::Net::NoMessageException&) {
        break;  // the client closed the connection
      } catch (const Poco::Net::MessageException&) {
        sendError(session, HTTPResponse::HTTP_BAD_REQUEST);
      } catch (const Poco::Exception&) {
        if (session.networkException()) session.networkException()->rethrow();
        throw;
      }
    }
  }

  void answer(Session& session, const std::string& server) {
    Poco::Net::HTTPServerResponseImpl response(session);
    Poco::Net::HTTPServerRequestImpl request(response, session, params_);
    response.setDate(Poco::Timestamp());
    response.setVersion(request.getVersion());
    response.setKeepAlive(params_->getKeepAlive() && request.getKeepAlive() && session.mayKeepAlive());
    if (!server.empty()) response.set("Server", server);
    try {
      std::unique_ptr<Poco::Net::HTTPRequestHandler> handler(factory_->createRequestHandler(request));
      if (!handler) {
        sendError(session, HTTPResponse::HTTP_NOT_IMPLEMENTED);
        return;
      }
      if (request.getExpectContinue() && response.getStatus() == HTTPResponse::HTTP_OK) response.sendContinue();
      handler->handleRequest(request, response);
      session.setKeepAlive(params_->getKeepAlive() && response.getKeepAlive() && session.mayKeepAlive());
    } catch (const Poco::Exception&) {
      if (!response.sent()) {
        try {
          sendError(session, HTTPResponse::HTTP_INTERNAL_SERVER_ERROR);
        } catch (...) {
          // The connection is going anyway.
        }
      }
      throw;
    }
  }

  static void sendError(Poco::Net::HTTPServerSession& session, HTTPResponse::HTTPStatus status) {
    Poco::Net::HTTPServerResponseImpl response(session);
    response.setVersion(Poco::Net::HTTPMessage::HTTP_1_1);
    response.setStatusAndReason(status);
    response.setKeepAlive(false);
    response.send();
    session.setKeepAlive(false);
  }

  Poco::Net::HTTPServerParams::Ptr params_;
  Poco::Net::HTTPRequestHandlerFactory::Ptr factory_;
  std::shared_ptr<PollingHttpServer::Connections> connections_;
};

class ConnectionFactory : public Poco::Net::TCPServerConnectionFactory {
 public:
  ConnectionFactory(Poco::Net::HTTPRequestHandlerFactory::Ptr factory, Poco::Net::HTTPServerParams::Ptr params,
                    std::shared_ptr<PollingHttpServer::Connections> connections)
      : factory_(std::move(factory)), params_(std::move(params)), connections_(std::move(connections)) {}

  Poco::Net::TCPServerConnection* createConnection(const Poco::Net::StreamSocket& socket) override {
    return new Connection(socket, params_, factory_, connections_);
  }

 private:
  Poco::Net::HTTPRequestHandlerFactory::Ptr factory_;
  Poco::Net::HTTPServerParams::Ptr params_;
  std::shared_ptr<PollingHttpServer::Connections> connections_;
};

}  // namespace

PollingHttpServer::PollingHttpServer(Poco::Net::HTTPRequestHandlerFactory::Ptr factory, Poco::ThreadPool& pool,
                                     const Poco::Net::ServerSocket& socket, Poco::Net::HTTPServerParams::Ptr params)
    : PollingHttpServer(std::move(factory), pool, socket, std::move(params), std::make_shared<Connections>()) {}

PollingHttpServer::PollingHttpServer(Poco::Net::HTTPRequestHandlerFactory::Ptr factory, Poco::ThreadPool& pool,
                                     const Poco::Net::ServerSocket& socket, Poco::Net::HTTPServerParams::Ptr params,
                                     std::shared_ptr<Connections> connections)
    : TCPServer(new ConnectionFactory(std::move(factory), params, connections), pool, socket, params),
      connections_(std::move(connections)) {}

// Like Poco's HTTPServer: destroying it stops accepting (TCPServer's destructor); connections that
// are open finish on their own, holding what they use. Call stopAll() to close them.
PollingHttpServer::~PollingHttpServer() = default;

void PollingHttpServer::stopAll(bool abortCurrent) {
  stop();
  connections_->stopAll(abortCurrent);
}

}  // namespace baraza::http
