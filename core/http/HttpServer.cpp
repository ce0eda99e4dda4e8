#include "http/HttpServer.h"

#include "http/PollingHttpServer.h"

#include <baraza/sdk/Json.hpp>

#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/Logger.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/ThreadPool.h>
#include <Poco/Timestamp.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace baraza::http {
namespace {

/** The most of a refused request body read and dropped before closing its connection. */
constexpr size_t kDiscardCap = 32 * 1024 * 1024;

std::string accessLine(const Exchange& ex, const Poco::Net::HTTPServerRequest& request,
                       double millis) {
  std::string line = "{\"ts\":" + sdk::json::quote(Poco::DateTimeFormatter::format(
                                      Poco::Timestamp(), Poco::DateTimeFormat::ISO8601_FRAC_FORMAT));
  line += ",\"remote\":" + sdk::json::quote(request.clientAddress().toString());
  line += ",\"method\":" + sdk::json::quote(request.getMethod());
  line += ",\"path\":" + sdk::json::quote(ex.path());
  line += ",\"status\":" + std::to_string(ex.status());
  line += ",\"bytes_in\":" + std::to_string(ex.bytesIn());
  line += ",\"bytes_out\":" + std::to_string(ex.bytesOut());
  char ms[32];
  std::snprintf(ms, sizeof ms, "%.3f", millis);
  line += ",\"ms\":";
  line += ms;
  for (const auto& [key, value] : ex.logFields()) {
    line += "," + sdk::json::quote(key) + ":" + sdk::json::quote(value);
  }
  return line + "}";
}

class DispatchHandler : public Poco::Net::HTTPRequestHandler {
 public:
  DispatchHandler(std::shared_ptr<Router> router, size_t maxBodyBytes,
                  std::shared_ptr<std::atomic<int>> inFlight)
      : router_(std::move(router)), maxBodyBytes_(maxBodyBytes), inFlight_(std::move(inFlight)) {}

  void handleRequest(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response) override {
    const auto started = std::chrono::steady_clock::now();
    ++*inFlight_;
    struct Done {
      std::atomic<int>& n;
      ~Done() { --n; }
    } done{*inFlight_};

    std::unique_ptr<Exchange> ex;
    try {
      ex = std::make_unique<Exchange>(request, response, maxBodyBytes_);
      dispatch(*ex);
    } catch (const HttpError& e) {
      if (ex == nullptr) {
        response.setStatusAndReason(Poco::Net::HTTPResponse::HTTP_BAD_REQUEST);
        response.setKeepAlive(false);
        response.send();
        return;
      }
      // The body may be unread: the connection cannot be reused safely.
      if (e.status() == 413) response.setKeepAlive(false);
      ex->sendError(e.status(), e.what());
      // Let the client finish sending (bounded), so it reads the 413 instead of a reset.
      if (e.status() == 413) ex->discardBody(kDiscardCap);
    } catch (const std::exception& e) {
      Poco::Logger::get("baraza.http").error(std::string("unhandled error in ") +
                                             request.getMethod() + " " + ex->path() + ": " + e.what());
      ex->sendError(500, "internal error");
    } catch (...) {
      Poco::Logger::get("baraza.http").error("unknown exception in " + ex->path());
      ex->sendError(500, "internal error");
    }
    if (!ex->sent()) ex->sendError(500, "handler sent no response");
    const double millis =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
    // Looked up once: Logger::get takes a process-wide lock, on every request of every connection.
    static Poco::Logger& access = Poco::Logger::get("baraza.access");
    if (access.information()) access.information(accessLine(*ex, request, millis));
  }

 private:
  void dispatch(Exchange& ex) {
    Router::Match match = router_->match(ex.method(), ex.path(), ex.params());
    if (match.handler != nullptr) {
      (*match.handler)(ex);
      return;
    }
    if (match.pathKnown) {
      ex.response().set("Allow", match.allowed);
      throw HttpError(405, ex.method() + " is not allowed on " + ex.path());
    }
    throw HttpError(404, "no route for " + ex.path());
  }

  std::shared_ptr<Router> router_;
  size_t maxBodyBytes_;
  std::shared_ptr<std::atomic<int>> inFlight_;
};

}  // namespace

class HttpServer::Factory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  Factory(std::shared_ptr<Router> router, size_t maxBodyBytes,
          std::shared_ptr<std::atomic<int>> inFlight)
      : router_(std::move(router)), maxBodyBytes_(maxBodyBytes), inFlight_(std::move(inFlight)) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
    return new DispatchHandler(router_, maxBodyBytes_, inFlight_);
  }

 private:
  std::shared_ptr<Router> router_;
  size_t maxBodyBytes_;
  std::shared_ptr<std::atomic<int>> inFlight_;
};

HttpServer::HttpServer(const config::HttpServerSettings& settings, Router router)
    : settings_(settings),
      router_(std::make_shared<Router>(std::move(router))),
      inFlight_(std::make_shared<std::atomic<int>>(0)) {}

HttpServer::~HttpServer() { stop(); }

void HttpServer::start() {
  Poco::Net::SocketAddress address(settings_.host, settings_.port);
  // SO_REUSEADDR (restart while old connections linger in TIME_WAIT) but not SO_REUSEPORT, which
  // Poco's convenience constructor also sets: a second host on the same port must fail loudly.
  socket_ = Poco::Net::ServerSocket();
  socket_.bind(address, true, false);
  socket_.listen(settings_.queue);
  Poco::AutoPtr<Poco::Net::HTTPServerParams> params = new Poco::Net::HTTPServerParams;
  params->setMaxThreads(settings_.threads);
  params->setMaxQueued(settings_.queue);
  params->setTimeout(Poco::Timespan(settings_.timeoutSeconds, 0));
  params->setKeepAlive(settings_.keepAliveSeconds > 0);
  params->setKeepAliveTimeout(Poco::Timespan(settings_.keepAliveSeconds, 0));
  params->setMaxKeepAliveRequests(settings_.maxKeepAliveRequests);
  params->setServerName("baraza");
  pool_ = std::make_unique<Poco::ThreadPool>("http", std::min(2, settings_.threads), settings_.threads);
  server_ = std::make_unique<PollingHttpServer>(
      new Factory(router_, settings_.maxBodyBytes, inFlight_), *pool_, socket_, params);
  server_->start();
}

uint16_t HttpServer::port() const { return server_ ? server_->port() : 0; }

int HttpServer::inFlight() const { return inFlight_->load(); }

void HttpServer::stop() {
  if (!server_) return;
  // Poco's TCPServer::stop() only stops the acceptor thread; the listening socket would keep
  // completing handshakes into its backlog. Close it so clients and load balancers are refused
  // at once and go elsewhere.
  server_->stop();
  socket_.close();
  // Connections close after the request they are serving; stopAll(false) waits for each busy one,
  // so it runs beside the drain deadline.
  std::thread closer([this] { server_->stopAll(false); });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(settings_.drainSeconds);
  while (server_->currentConnections() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (server_->currentConnections() > 0) {
    Poco::Logger::get("baraza.http").warning(
        "drain timeout: aborting " + std::to_string(server_->currentConnections()) + " connection(s)");
    server_->stopAll(true);
  }
  closer.join();
  pool_->joinAll();
  server_.reset();
  pool_.reset();
}

}  // namespace baraza::http
