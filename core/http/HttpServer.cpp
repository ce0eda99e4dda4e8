#include "http/HttpServer.h"

#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/Logger.h>
#include <Poco/Timestamp.h>

#include <array>
#include <atomic>
#include <baraza/sdk/Json.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <ctime>
#include <future>
#include <optional>
#include <stdexcept>
#include <thread>
#include <unordered_set>
#include <vector>

#include "common/ThreadName.h"
#include "http/Wire.h"

namespace baraza::http {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;
using ErrorCode = boost::system::error_code;

namespace {

/** The most of a refused request read and dropped before closing its connection. */
constexpr size_t kDiscardCap = 32 * 1024 * 1024;
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

/** The Date header for now, formatted once a second per thread. */
const std::string& httpDate() {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  thread_local time_t shown = -1;
  thread_local std::string text;
  const time_t now = std::time(nullptr);
  if (now != shown) {
    std::tm t{};
    gmtime_r(&now, &t);
    char buffer[40];
    const int n = std::snprintf(buffer, sizeof buffer, "%s, %02d %s %04d %02d:%02d:%02d GMT",
                                kDays[t.tm_wday], t.tm_mday, kMonths[t.tm_mon], t.tm_year + 1900,
                                t.tm_hour, t.tm_min, t.tm_sec);
    text.assign(buffer, static_cast<size_t>(n));
    shown = now;
  }
  return text;
}

std::string accessLine(const Exchange& ex, const std::string& remote, double millis) {
  std::string line =
      "{\"ts\":" + sdk::json::quote(Poco::DateTimeFormatter::format(
                       Poco::Timestamp(), Poco::DateTimeFormat::ISO8601_FRAC_FORMAT));
  line += ",\"remote\":" + sdk::json::quote(remote);
  line += ",\"method\":" + sdk::json::quote(ex.method());
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

/** Runs a route's handler; whatever it throws or forgets becomes the answer. */
void runHandler(Exchange& ex, const Handler& handler) {
  try {
    handler(ex);
  } catch (const HttpError& e) {
    ex.sendError(e.status(), e.what());
  } catch (const std::exception& e) {
    Poco::Logger::get("baraza.http")
        .error("unhandled error in " + ex.method() + " " + ex.path() + ": " + e.what());
    ex.sendError(500, "internal error");
  } catch (...) {
    Poco::Logger::get("baraza.http").error("unknown exception in " + ex.method() + " " + ex.path());
    ex.sendError(500, "internal error");
  }
  if (!ex.sent() && !ex.deferred()) ex.sendError(500, "handler sent no response");
  ex.handlerReturned();
}

bool isParseError(const ErrorCode& ec) {
  static const auto& category = bhttp::make_error_code(bhttp::error::bad_method).category();
  return ec.category() == category && ec != bhttp::error::end_of_stream &&
         ec != bhttp::error::partial_message && ec != bhttp::error::short_read;
}

class Connection;

/** An event loop and the connections it serves; `connections` is touched only on its thread. */
struct Loop {
  net::io_context context{1};
  net::executor_work_guard<net::io_context::executor_type> work = net::make_work_guard(context);
  std::unordered_set<std::shared_ptr<Connection>> connections;
  std::thread thread;
};

}  // namespace

class HttpServer::State {
 public:
  State(const HttpServerSettings& s, Router r) : settings(s), router(std::move(r)) {}

  void start();
  void stop();
  /** Accepts the next connection (on the first loop). */
  void accept();
  /** A connection closed (on its loop). */
  void closed();

  const HttpServerSettings settings;
  const Router router;
  std::vector<std::unique_ptr<Loop>> loops;  // the first one also accepts
  net::io_context workers;                   // handler threads: routes that run on a worker
  std::function<void(std::function<void()>)> toWorkers;  // Exchange::onWorker
  std::optional<net::executor_work_guard<net::io_context::executor_type>> workersWork;
  std::vector<std::thread> workerThreads;
  std::optional<tcp::acceptor> acceptor;
  std::optional<net::steady_timer> acceptRetry;
  size_t nextLoop = 0;         // first loop only
  bool acceptPaused = false;   // at max_connections (first loop only)
  bool acceptFailing = false;  // since the last accept that worked (first loop only)
  uint16_t port = 0;
  bool started = false;
  std::atomic<bool> stopping{false};
  std::atomic<int> inFlight{0};
  std::atomic<int> open{0};
  Poco::Logger& log = Poco::Logger::get("baraza.http");
  // Looked up once: Logger::get takes a process-wide lock.
  Poco::Logger& access = Poco::Logger::get("baraza.access");
};

namespace {

/**
 * One client connection, served on one loop: read a request (header, then body), run its
 * handler, write the answer, and again while keep-alive lasts. Requests on one connection are
 * answered one at a time, in order, so pipelining needs nothing more.
 */
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(HttpServer::State& server, Loop& loop, tcp::socket socket)
      : server_(server), loop_(loop), stream_(std::move(socket)) {}

  void start() {
    ErrorCode ec;
    const tcp::endpoint peer = stream_.socket().remote_endpoint(ec);
    if (ec || server_.stopping) return close();
    remote_ = peer.address().to_string();
    remoteWithPort_ = (peer.address().is_v6() ? "[" + remote_ + "]" : remote_) + ":" +
                      std::to_string(peer.port());
    stream_.socket().set_option(tcp::no_delay(true), ec);
    readHeader();
  }

  /** Closes the connection unless a request is being served (it then closes after answering). */
  void closeIfIdle() {
    if (!busy_) close();
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    // A request being read or refused stops counting now; one with its handler counts until the
    // answer comes back (answer()), so stop() still waits for it.
    if (!exchange_) finishCount();
    auto self = shared_from_this();  // the set may hold the last reference
    ErrorCode ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
    loop_.connections.erase(self);
    server_.closed();
  }

 private:
  void readHeader() {
    busy_ = false;
    parser_.emplace();
    wire::limit(*parser_, server_.settings.maxBodyBytes);
    const int wait =
        served_ == 0 ? server_.settings.timeoutSeconds : server_.settings.keepAliveSeconds;
    stream_.expires_after(std::chrono::seconds(wait));
    bhttp::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](ErrorCode ec, size_t) { self->onHeader(ec); });
  }

  void onHeader(ErrorCode ec) {
    if (closed_) return;
    if (ec) return failedRead(ec);
    busy_ = true;
    counted_ = true;
    ++server_.inFlight;
    started_ = Clock::now();
    const auto& request = parser_->get();
    version_ = request.version();
    headOnly_ = request.method() == bhttp::verb::head;
    if (wire::announcesTooMuch(*parser_, server_.settings.maxBodyBytes)) return refuseBody();
    if (beast::iequals(request[bhttp::field::expect], "100-continue")) {
      stream_.expires_after(std::chrono::seconds(server_.settings.timeoutSeconds));
      net::async_write(stream_, net::buffer(kContinue.data(), kContinue.size()),
                       [self = shared_from_this()](ErrorCode ec, size_t) {
                         if (ec) return self->close();
                         self->readBody();
                       });
      return;
    }
    readBody();
  }

  void readBody() {
    if (parser_->is_done()) return serve();
    stream_.expires_after(std::chrono::seconds(server_.settings.timeoutSeconds));
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = shared_from_this()](ErrorCode ec, size_t) {
                        if (self->closed_) return;
                        if (ec) return self->failedRead(ec);
                        self->serve();
                      });
  }

  /** A read ended in an error: a precise refusal for what the client got wrong, else closed. */
  void failedRead(const ErrorCode& ec) {
    if (ec == bhttp::error::body_limit) return refuseBody();
    if (ec == bhttp::error::header_limit) {
      return refuse(
          431, "request header exceeds " + std::to_string(wire::kMaxRequestHeaderBytes) + " bytes");
    }
    if (isParseError(ec)) return refuse(400, "malformed request: " + ec.message());
    close();  // the client left, went quiet too long, or the server is stopping
  }

  /** 413 for a body over the limit, logged like any request; the rest is read and dropped. */
  void refuseBody() {
    std::shared_ptr<Exchange> ex;
    try {
      ex = exchange(false);
    } catch (const HttpError& e) {
      return refuse(e.status(), e.what());
    }
    keepAlive_ = false;
    drainAfter_ = true;
    ex->sendError(
        413, "request body exceeds " + std::to_string(server_.settings.maxBodyBytes) + " bytes");
    exchange_ = ex;
    answer();
  }

  /** Answers without a request to log (it could not be read), then closes. */
  void refuse(int status, const std::string& message) {
    Exchange error(Request{"", "/", {}, {}, remote_});
    error.sendError(status, message);
    keepAlive_ = false;
    drainAfter_ = true;
    write(error.response());
  }

  /** The request is in: its exchange goes to its route's handler. */
  void serve() {
    stream_.expires_never();
    std::shared_ptr<Exchange> ex;
    try {
      ex = exchange(true);
    } catch (const HttpError& e) {
      return refuse(e.status(), e.what());
    }
    ++served_;
    const int most = server_.settings.maxKeepAliveRequests;
    keepAlive_ = parser_->get().keep_alive() && server_.settings.keepAliveSeconds > 0 &&
                 (most <= 0 || served_ < most) && !server_.stopping;
    exchange_ = ex;
    ex->setWorkers(&server_.toWorkers);
    ex->onAnswered([self = shared_from_this()] {
      if (self->loop_.context.get_executor().running_in_this_thread()) return self->answer();
      net::post(self->loop_.context, [self] { self->answer(); });
    });
    const Router::Match match = server_.router.match(ex->method(), ex->path(), ex->params());
    if (match.handler == nullptr) {
      if (match.pathKnown) {
        ex->setHeader("Allow", match.allowed);
        ex->sendError(405, ex->method() + " is not allowed on " + ex->path());
      } else {
        ex->sendError(404, "no route for " + ex->path());
      }
      ex->handlerReturned();
      return;
    }
    if (match.runs == Runs::kOnLoop) return runHandler(*ex, *match.handler);
    net::post(server_.workers, [ex, handler = match.handler] { runHandler(*ex, *handler); });
  }

  /** The exchange for the request read so far (its body too when `withBody`). */
  std::shared_ptr<Exchange> exchange(bool withBody) {
    return std::make_shared<Exchange>(wire::toRequest(parser_->get(), withBody, remote_));
  }

  /** On the loop, once the exchange is answered: log it and write the answer. */
  void answer() {
    std::shared_ptr<Exchange> ex = std::move(exchange_);
    if (server_.access.information()) {
      const double millis =
          std::chrono::duration<double, std::milli>(Clock::now() - started_).count();
      server_.access.information(accessLine(*ex, remoteWithPort_, millis));
    }
    if (closed_) return finishCount();  // aborted by stop(): the answer has nowhere to go
    write(ex->response());
  }

  /**
   * Writes the answer: a head formatted here (Beast's serializer cost a tenth of the loop's time
   * for these small answers) and the body, in one gather write.
   */
  void write(Response& answer) {
    head_.assign(version_ == 10 ? "HTTP/1.0 " : "HTTP/1.1 ");
    head_ += std::to_string(answer.status);
    head_ += ' ';
    const auto reason =
        bhttp::obsolete_reason(bhttp::int_to_status(static_cast<unsigned>(answer.status)));
    head_.append(reason.data(), reason.size());
    head_ += "\r\nServer: baraza\r\nDate: ";
    head_ += httpDate();
    if (!answer.contentType.empty()) addField("Content-Type", answer.contentType);
    for (const auto& [name, value] : answer.headers) addField(name, value);
    head_ += "\r\nContent-Length: ";
    head_ += std::to_string(answer.body.size());
    if (!keepAlive_ && version_ >= 11) head_ += "\r\nConnection: close";
    if (keepAlive_ && version_ < 11) head_ += "\r\nConnection: keep-alive";
    head_ += "\r\n\r\n";
    body_ = std::move(answer.body);
    if (headOnly_) body_.clear();  // HEAD: the length of the answer, not the answer
    const std::array<net::const_buffer, 2> buffers{net::buffer(head_), net::buffer(body_)};
    stream_.expires_after(std::chrono::seconds(server_.settings.timeoutSeconds));
    net::async_write(stream_, buffers,
                     [self = shared_from_this()](ErrorCode ec, size_t) { self->written(ec); });
  }

  /** A header line of the head; a line break in a value (a plugin's, say) cannot start another. */
  void addField(const std::string& name, const std::string& value) {
    head_ += "\r\n";
    head_ += name;
    head_ += ": ";
    for (char c : value) head_ += c == '\r' || c == '\n' ? ' ' : c;
  }

  void written(ErrorCode ec) {
    body_.clear();
    finishCount();
    if (ec || closed_) return close();
    if (drainAfter_) return drain();
    if (!keepAlive_ || server_.stopping) return close();
    readHeader();
  }

  /** This request no longer counts as in flight. */
  void finishCount() {
    if (counted_) --server_.inFlight;
    counted_ = false;
  }

  /**
   * After a refusal: stop sending, then read and drop what the client still sends (bounded), so
   * it reads the refusal instead of the reset a close with unread data would give.
   */
  void drain() {
    busy_ = false;
    ErrorCode ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    scratch_.resize(16384);
    dropSome();
  }

  void dropSome() {
    stream_.expires_after(std::chrono::seconds(server_.settings.timeoutSeconds));
    stream_.async_read_some(net::buffer(scratch_),
                            [self = shared_from_this()](ErrorCode ec, size_t n) {
                              self->dropped_ += n;
                              if (ec || self->closed_ || self->dropped_ >= kDiscardCap)
                                return self->close();
                              self->dropSome();
                            });
  }

  HttpServer::State& server_;
  Loop& loop_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<wire::RequestParser> parser_;
  std::string head_;  // the answer being written
  std::string body_;
  std::shared_ptr<Exchange> exchange_;
  std::string remote_;
  std::string remoteWithPort_;
  Clock::time_point started_;
  std::vector<char> scratch_;
  size_t dropped_ = 0;
  int served_ = 0;
  unsigned version_ = 11;
  bool busy_ = false;     // a request is being read, served or answered
  bool counted_ = false;  // ... and counts in inFlight
  bool keepAlive_ = true;
  bool headOnly_ = false;  // a HEAD request: its answer has no body
  bool drainAfter_ = false;
  bool closed_ = false;
};

}  // namespace

void HttpServer::State::start() {
  const size_t loopCount = settings.ioThreads > 0
                               ? static_cast<size_t>(settings.ioThreads)
                               : std::max(1U, std::thread::hardware_concurrency());
  for (size_t i = 0; i < loopCount; ++i) loops.push_back(std::make_unique<Loop>());
  Loop& first = *loops.front();
  try {
    tcp::resolver resolver(first.context);
    const auto found = resolver.resolve(settings.host, std::to_string(settings.port),
                                        tcp::resolver::passive | tcp::resolver::numeric_service);
    const tcp::endpoint endpoint = found.begin()->endpoint();
    acceptor.emplace(first.context);
    acceptor->open(endpoint.protocol());
    // SO_REUSEADDR (restart while old connections linger in TIME_WAIT) but not SO_REUSEPORT: a
    // second host on the same port must fail loudly.
    acceptor->set_option(tcp::acceptor::reuse_address(true));
    acceptor->bind(endpoint);
    acceptor->listen(settings.queue);
    port = acceptor->local_endpoint().port();
  } catch (const boost::system::system_error& e) {
    acceptor.reset();  // before the loop whose io_context it belongs to
    loops.clear();
    throw std::runtime_error(e.code().message());
  }
  acceptRetry.emplace(first.context);
  started = true;
  accept();
  for (auto& loop : loops) {
    loop->thread = std::thread([&context = loop->context, this] {
      nameThisThread("baraza-http-io");
      for (;;) {
        try {
          context.run();
          return;
        } catch (const std::exception& e) {
          log.error(std::string("HTTP event loop: ") + e.what());
        }
      }
    });
  }
  toWorkers = [this](std::function<void()> job) {
    net::post(workers, [this, job = std::move(job)] {
      try {
        job();
      } catch (const std::exception& e) {
        log.error(std::string("unhandled error in a handler's job: ") + e.what());
      }
    });
  };
  workersWork.emplace(net::make_work_guard(workers));
  for (int i = 0; i < std::max(1, settings.threads); ++i) {
    workerThreads.emplace_back([this] {
      nameThisThread("baraza-http");
      workers.run();
    });
  }
}

void HttpServer::State::accept() {
  if (stopping || !acceptor->is_open()) return;
  if (open >= settings.maxConnections) {
    acceptPaused = true;  // closed() resumes
    return;
  }
  Loop& target = *loops[nextLoop++ % loops.size()];
  acceptor->async_accept(target.context, [this, &target](ErrorCode ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || stopping) return;
    if (ec) {
      // Out of file descriptors, say: try again shortly rather than spin, and say so once.
      if (!acceptFailing)
        log.warning("accepting connections fails, retrying every 100 ms: " + ec.message());
      acceptFailing = true;
      acceptRetry->expires_after(std::chrono::milliseconds(100));
      acceptRetry->async_wait([this](ErrorCode waited) {
        if (!waited) accept();
      });
      return;
    }
    if (acceptFailing) log.information("accepting connections again");
    acceptFailing = false;
    ++open;
    net::post(target.context, [this, &target, socket = std::move(socket)]() mutable {
      auto connection = std::make_shared<Connection>(*this, target, std::move(socket));
      target.connections.insert(connection);
      connection->start();
    });
    accept();
  });
}

void HttpServer::State::closed() {
  if (--open >= settings.maxConnections) return;
  net::post(loops.front()->context, [this] {
    if (!acceptPaused) return;
    acceptPaused = false;
    accept();
  });
}

void HttpServer::State::stop() {
  if (!started) return;
  started = false;
  stopping = true;
  // Close the listening socket at once, so clients and load balancers are refused and go elsewhere.
  std::promise<void> refusing;
  net::post(loops.front()->context, [this, &refusing] {
    ErrorCode ignored;
    acceptor->close(ignored);
    acceptRetry->cancel();
    refusing.set_value();
  });
  refusing.get_future().wait();
  auto each = [this](void (Connection::*what)()) {
    for (auto& loop : loops) {
      net::post(loop->context, [&loop = *loop, what] {
        const std::vector<std::shared_ptr<Connection>> all(loop.connections.begin(),
                                                           loop.connections.end());
        for (const auto& connection : all) ((*connection).*what)();
      });
    }
  };
  each(&Connection::closeIfIdle);  // busy ones close once they have answered
  const auto deadline = Clock::now() + std::chrono::seconds(settings.drainSeconds);
  while (open > 0 && Clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  if (open > 0) {
    log.warning("drain timeout: aborting " + std::to_string(open.load()) + " connection(s)");
    each(&Connection::close);
  }
  // Handlers still running finish, and their answers are dropped on the loop.
  while (open > 0 || inFlight > 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  workersWork.reset();
  for (auto& t : workerThreads) t.join();
  workerThreads.clear();
  for (auto& loop : loops) {
    loop->work.reset();
    loop->context.stop();
    loop->thread.join();
  }
}

HttpServer::HttpServer(const HttpServerSettings& settings, Router router)
    : state_(std::make_shared<State>(settings, std::move(router))) {}

HttpServer::~HttpServer() { stop(); }

void HttpServer::start() { state_->start(); }

uint16_t HttpServer::port() const { return state_->port; }

int HttpServer::inFlight() const { return state_->inFlight.load(); }

void HttpServer::stop() { state_->stop(); }

}  // namespace baraza::http
