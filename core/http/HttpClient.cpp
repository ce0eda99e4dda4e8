#include "http/HttpClient.h"

#include <Poco/Exception.h>
#include <Poco/URI.h>
#include <openssl/ssl.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <future>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <vector>

#include "common/Await.h"
#include "common/EventLoopMark.h"
#include "common/ThreadName.h"
#include "http/Wire.h"

namespace baraza::http {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;
using ErrorCode = boost::system::error_code;

namespace {

/** One connection to an origin, plain or TLS, with what was read past the last response. */
class Connection {
 public:
  /** `executor`: a strand when the loop has several threads (one connection's handlers never run
   *  concurrently), the loop's own with one (no strand to pay for on every operation). */
  Connection(const net::any_io_executor& executor, ssl::context* tls) {
    if (tls)
      tls_.emplace(executor, *tls);
    else
      plain_.emplace(executor);
  }
  beast::tcp_stream& tcp() { return tls_ ? beast::get_lowest_layer(*tls_) : *plain_; }
  beast::ssl_stream<beast::tcp_stream>* tls() { return tls_ ? &*tls_ : nullptr; }
  /** Calls f with the stream requests are written to and responses read from. */
  template <class F>
  void with(F&& f) {
    if (tls_)
      f(*tls_);
    else
      f(*plain_);
  }

  beast::flat_buffer buffer;
  Clock::time_point idleSince;

 private:
  std::optional<beast::tcp_stream> plain_;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls_;
};

using ConnectionPtr = std::shared_ptr<Connection>;

bool isAddress(const std::string& host) {
  ErrorCode ec;
  net::ip::make_address(host, ec);
  return !ec;
}

/** "host" or "host:port" (the port when it is not the scheme's), IPv6 addresses bracketed. */
std::string authorityOf(const Poco::URI& uri) {
  const bool defaultPort = uri.getPort() == (uri.getScheme() == "https" ? 443 : 80);
  const std::string host =
      uri.getHost().find(':') != std::string::npos ? "[" + uri.getHost() + "]" : uri.getHost();
  return defaultPort ? host : host + ":" + std::to_string(uri.getPort());
}

/** The request as it goes on the wire to `uri`. */
bhttp::request<bhttp::string_body> toMessage(const Poco::URI& uri, const HttpRequest& request) {
  bhttp::request<bhttp::string_body> message;
  const bhttp::verb verb = bhttp::string_to_verb(request.method);
  message.version(11);
  if (verb == bhttp::verb::unknown)
    message.method_string(request.method);
  else
    message.method(verb);
  message.target(uri.getPathAndQuery());
  message.set(bhttp::field::host, authorityOf(uri));
  for (const auto& [name, value] : request.headers) message.set(name, value);
  message.body() = request.body;
  message.keep_alive(true);
  message.prepare_payload();
  return message;
}

/**
 * Sets up a TLS stream to verify `host`: SNI names hosts, never addresses (RFC 6066); the
 * certificate must name either.
 */
bool expectPeer(beast::ssl_stream<beast::tcp_stream>& stream, const std::string& host) {
  if (!isAddress(host) && SSL_set_tlsext_host_name(stream.native_handle(), host.c_str()) != 1) {
    return false;
  }
  stream.set_verify_mode(ssl::verify_peer);
  stream.set_verify_callback(ssl::host_name_verification(host));
  return true;
}

}  // namespace

class HttpClient::Impl {
 public:
  Impl(const HttpClientSettings& settings, int threads);
  ~Impl();

  void send(HttpRequest request, Done done, Written written);
  StatusOr<Poco::URI> resolve(const HttpRequest& request) const;
  ConnectionPtr take(const std::string& origin, bool& reused);
  /** A new connection's executor. */
  net::any_io_executor executor() {
    if (threads_.size() > 1) return net::make_strand(io_);
    return io_.get_executor();
  }
  void giveBack(const std::string& origin, ConnectionPtr connection);

  const HttpClientSettings settings_;
  ssl::context tls_{ssl::context::tls_client};  // before io_: streams the loop still holds use it
  net::io_context io_;

 private:
  std::map<std::string, std::optional<Poco::URI>>
      bases_;  // service -> base URL override, parsed once
  std::mutex poolMutex_;
  std::map<std::string, std::vector<ConnectionPtr>> idle_;  // by origin, most recently used last
  net::executor_work_guard<net::io_context::executor_type> work_{io_.get_executor()};
  std::vector<std::thread> threads_;
};

namespace {

/**
 * One call: connect (or take a kept-alive connection), write the request, read the response,
 * hand the connection back. Owned by the handlers of its pending operation.
 */
class Call : public std::enable_shared_from_this<Call> {
 public:
  Call(HttpClient::Impl& client, Poco::URI uri, const HttpRequest& request, HttpClient::Done done,
       HttpClient::Written written)
      : client_(client),
        uri_(std::move(uri)),
        done_(std::move(done)),
        written_(std::move(written)) {
    secure_ = uri_.getScheme() == "https";
    origin_ = uri_.getScheme() + "://" + authorityOf(uri_);
    method_ = request.method;
    timeout_ =
        std::chrono::milliseconds(request.timeoutMs > 0 ? static_cast<int64_t>(request.timeoutMs)
                                                        : client_.settings_.timeoutMs);
    request_ = toMessage(uri_, request);
  }

  /** What failed, for error messages: "POST https://host/path". */
  std::string where() const { return method_ + " " + origin_ + uri_.getPath(); }

  void start() {
    connection_ = client_.take(origin_, reused_);
    if (connection_)
      exchange();
    else
      connect();
  }

 private:
  void connect() {
    connection_ =
        std::make_shared<Connection>(client_.executor(), secure_ ? &client_.tls_ : nullptr);
    resolver_.emplace(connection_->tcp().get_executor());
    resolver_->async_resolve(
        uri_.getHost(), std::to_string(uri_.getPort()),
        [self = shared_from_this()](const ErrorCode& ec, tcp::resolver::results_type found) {
          if (ec)
            return self->fail(
                unavailable(self->where() + ": cannot resolve the host: " + ec.message()));
          self->connectTo(found);
        });
  }

  void connectTo(const tcp::resolver::results_type& found) {
    connection_->tcp().expires_after(std::chrono::milliseconds(client_.settings_.connectTimeoutMs));
    connection_->tcp().async_connect(found, [self = shared_from_this()](const ErrorCode& ec,
                                                                        const tcp::endpoint&) {
      if (ec == beast::error::timeout)
        return self->fail(Status(Code::kDeadlineExceeded, self->where() + ": connect timed out"));
      if (ec == net::error::connection_refused)
        return self->fail(unavailable(self->where() + ": connection refused"));
      if (ec) return self->fail(unavailable(self->where() + ": " + ec.message()));
      self->connection_->tcp().socket().set_option(tcp::no_delay(true));
      if (!self->secure_) return self->exchange();
      self->handshake();
    });
  }

  void handshake() {
    beast::ssl_stream<beast::tcp_stream>& stream = *connection_->tls();
    if (!expectPeer(stream, uri_.getHost())) {
      return fail(unavailable(where() + ": cannot set the TLS server name"));
    }
    connection_->tcp().expires_after(timeout_);
    stream.async_handshake(
        ssl::stream_base::client, [self = shared_from_this()](const ErrorCode& ec) {
          if (ec == beast::error::timeout)
            return self->fail(Status(Code::kDeadlineExceeded, self->where() + ": timed out"));
          if (ec)
            return self->fail(unavailable(self->where() + ": TLS handshake: " + ec.message()));
          self->exchange();
        });
  }

  /** Writes the request and reads the response, on the connection's executor. */
  void exchange() {
    net::dispatch(connection_->tcp().get_executor(), [self = shared_from_this()] {
      Connection& c = *self->connection_;
      c.tcp().expires_after(self->timeout_);
      self->parser_.emplace();
      wire::limit(*self->parser_, self->client_.settings_.maxResponseBytes);
      c.with([&](auto& stream) {
        bhttp::async_write(stream, self->request_, [self, &stream](const ErrorCode& ec, size_t) {
          if (ec) return self->failed(ec);
          if (self->written_) self->written_();
          // The head first, so that an announced length over the limit is refused unread.
          bhttp::async_read_header(
              stream, self->connection_->buffer, *self->parser_,
              [self, &stream](const ErrorCode& ec, size_t) {
                if (ec) return self->read(ec);
                if (wire::announcesTooMuch(*self->parser_,
                                           self->client_.settings_.maxResponseBytes)) {
                  return self->read(bhttp::error::body_limit);
                }
                bhttp::async_read(stream, self->connection_->buffer, *self->parser_,
                                  [self](const ErrorCode& ec, size_t) { self->read(ec); });
              });
        });
      });
    });
  }

  void read(const ErrorCode& ec) {
    if (ec == bhttp::error::body_limit ||
        (!ec && parser_->get().body().size() > client_.settings_.maxResponseBytes)) {
      return fail(Status(Code::kResourceExhausted,
                         where() + ": response larger than " +
                             std::to_string(client_.settings_.maxResponseBytes) + " bytes"));
    }
    if (ec) return failed(ec);
    bhttp::response<bhttp::string_body> response = parser_->release();
    const bool keepAlive = response.keep_alive();
    HttpResponse out = wire::toResponse(std::move(response));
    connection_->tcp().expires_never();
    if (keepAlive) client_.giveBack(origin_, std::move(connection_));
    connection_.reset();
    finish(std::move(out));
  }

  /** A transport error after connecting: a stale kept-alive connection gets one more try. */
  void failed(const ErrorCode& ec) {
    if (ec == beast::error::timeout)
      return fail(Status(Code::kDeadlineExceeded, where() + ": timed out"));
    const bool nothingArrived = !parser_ || !parser_->got_some();
    if (reused_ && nothingArrived && !retried_) {
      retried_ = true;
      reused_ = false;
      connect();
      return;
    }
    fail(unavailable(where() + ": " + ec.message()));
  }

  void fail(Status status) {
    connection_.reset();
    finish(std::move(status));
  }

  void finish(StatusOr<HttpResponse> result) {
    HttpClient::Done done = std::move(done_);
    if (done) done(std::move(result));
  }

  HttpClient::Impl& client_;
  Poco::URI uri_;
  HttpClient::Done done_;
  HttpClient::Written written_;
  bool secure_ = false;
  std::string origin_, method_;
  std::chrono::milliseconds timeout_{0};
  bhttp::request<bhttp::string_body> request_;
  std::optional<wire::ResponseParser> parser_;
  std::optional<tcp::resolver> resolver_;
  ConnectionPtr connection_;
  bool reused_ = false, retried_ = false;
};

}  // namespace

HttpClient::Impl::Impl(const HttpClientSettings& settings, int threads) : settings_(settings) {
  SSL_CTX* ctx = tls_.native_handle();
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_cipher_list(ctx, "HIGH:!aNULL:!MD5:!RC4");
  // The peer must present a certificate that chains to a trusted CA and names the host (each
  // connection checks the name).
  tls_.set_verify_mode(ssl::verify_peer);
  try {
    if (settings_.caFile.empty())
      tls_.set_default_verify_paths();
    else
      tls_.load_verify_file(settings_.caFile);
  } catch (const boost::system::system_error& e) {
    throw std::runtime_error("http_client.ca_file " + settings_.caFile + ": " + e.what());
  }
  for (const auto& [service, url] : settings_.serviceBaseUrls) {
    try {
      bases_.emplace(service, Poco::URI(url));
    } catch (const Poco::Exception&) {
      bases_.emplace(service, std::nullopt);  // configuration checks them; the requests fail
    }
  }
  for (int i = 0; i < std::max(threads, 1); ++i) {
    threads_.emplace_back([this] {
      nameThisThread("baraza-http");
      currentEventLoop() = this;
      io_.run();
    });
  }
}

HttpClient::Impl::~Impl() {
  work_.reset();
  io_.stop();
  for (auto& t : threads_) t.join();
  std::lock_guard lock(poolMutex_);
  idle_.clear();  // while the loop they belong to still exists
}

StatusOr<Poco::URI> HttpClient::Impl::resolve(const HttpRequest& request) const {
  try {
    Poco::URI target(request.url);
    if (target.getScheme() != "http" && target.getScheme() != "https") {
      return invalidArgument("not an http(s) URL: " + request.url);
    }
    auto override = request.service.empty() ? bases_.end() : bases_.find(request.service);
    if (override == bases_.end()) return target;
    if (!override->second) {
      return invalidArgument("bad base URL for service " + request.service + ": " +
                             settings_.serviceBaseUrls.at(request.service));
    }
    Poco::URI base = *override->second;
    std::string prefix = base.getPath();
    while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
    base.setPath(prefix + target.getPath());
    base.setRawQuery(target.getRawQuery());
    return base;
  } catch (const Poco::Exception& e) {
    return invalidArgument("bad URL " + request.url + ": " + e.message());
  }
}

ConnectionPtr HttpClient::Impl::take(const std::string& origin, bool& reused) {
  const Clock::time_point freshSince = Clock::now() - std::chrono::seconds(kMaxIdleSeconds);
  std::lock_guard lock(poolMutex_);
  auto it = idle_.find(origin);
  while (it != idle_.end() && !it->second.empty()) {
    ConnectionPtr connection = std::move(it->second.back());
    it->second.pop_back();
    if (connection->idleSince >= freshSince) {
      reused = true;
      return connection;
    }
  }
  reused = false;
  return nullptr;
}

void HttpClient::Impl::giveBack(const std::string& origin, ConnectionPtr connection) {
  connection->idleSince = Clock::now();
  std::lock_guard lock(poolMutex_);
  auto& connections = idle_[origin];
  if (connections.size() < kMaxIdlePerOrigin) connections.push_back(std::move(connection));
}

void HttpClient::Impl::send(HttpRequest request, Done done, Written written) {
  StatusOr<Poco::URI> uri = resolve(request);
  if (!uri.isOk()) {
    net::post(io_, [done = std::move(done), status = uri.status()] { done(status); });
    return;
  }
  std::make_shared<Call>(*this, std::move(*uri), request, std::move(done), std::move(written))
      ->start();
}

HttpClient::HttpClient(const HttpClientSettings& settings, int threads)
    : impl_(std::make_unique<Impl>(settings, threads)) {}

HttpClient::~HttpClient() = default;

void HttpClient::send(HttpRequest request, Done done, Written written) const {
  impl_->send(std::move(request), std::move(done), std::move(written));
}

StatusOr<HttpResponse> HttpClient::send(const HttpRequest& request) const {
  if (currentEventLoop() == impl_.get() || impl_->io_.get_executor().running_in_this_thread()) {
    return failedPrecondition("a blocking HTTP call on the HTTP client's own event loop (" +
                              request.url + ")");
  }
  return awaitCallback<StatusOr<HttpResponse>>(
      [&](auto done) { impl_->send(request, std::move(done), nullptr); });
}

StatusOr<std::string> HttpClient::effectiveUrl(const HttpRequest& request) const {
  StatusOr<Poco::URI> uri = impl_->resolve(request);
  if (!uri.isOk()) return uri.status();
  return uri->toString();
}

boost::asio::io_context& HttpClient::context() const { return impl_->io_; }

namespace {

/**
 * One streamed download, driven by the calling thread on an event loop of its own: each step is
 * an asynchronous operation (so the stream's timer bounds it) run to completion before the next.
 * Its connection is its own, never pooled: a download of many megabytes does not hold one of the
 * connections sending reuses, and is never queued behind them.
 */
class Download {
 public:
  Download(HttpClient::Impl& client, const Poco::URI& uri, const HttpRequest& request)
      : client_(client), uri_(uri), request_(request) {
    idleTimeout_ =
        std::chrono::milliseconds(request.timeoutMs > 0 ? static_cast<int64_t>(request.timeoutMs)
                                                        : client.settings_.timeoutMs);
    where_ = request.method + " " + uri.getScheme() + "://" + authorityOf(uri) + uri.getPath();
  }

  StatusOr<HttpResponse> run(uint64_t maxBodyBytes, const HttpClient::BodySink& sink) {
    const bool secure = uri_.getScheme() == "https";
    Connection connection(io_.get_executor(), secure ? &client_.tls_ : nullptr);
    tcp::resolver resolver(io_);
    tcp::resolver::results_type found;
    ErrorCode ec = step([&](auto done) {
      resolver.async_resolve(uri_.getHost(), std::to_string(uri_.getPort()),
                             [&, done](const ErrorCode& e, tcp::resolver::results_type r) {
                               found = std::move(r);
                               done(e);
                             });
    });
    if (ec) return unavailable(where_ + ": cannot resolve the host: " + ec.message());
    connection.tcp().expires_after(std::chrono::milliseconds(client_.settings_.connectTimeoutMs));
    ec = step([&](auto done) {
      connection.tcp().async_connect(found,
                                     [done](const ErrorCode& e, const tcp::endpoint&) { done(e); });
    });
    if (ec) return transport("connect", ec);
    connection.tcp().socket().set_option(tcp::no_delay(true));
    if (secure) {
      if (!expectPeer(*connection.tls(), uri_.getHost()))
        return unavailable(where_ + ": cannot set the TLS server name");
      connection.tcp().expires_after(idleTimeout_);
      ec = step(
          [&](auto done) { connection.tls()->async_handshake(ssl::stream_base::client, done); });
      if (ec) return transport("TLS handshake", ec);
    }
    StatusOr<HttpResponse> result = unavailable(where_);
    connection.with(
        [&](auto& stream) { result = exchange(stream, connection, maxBodyBytes, sink); });
    return result;
  }

 private:
  /** Runs one asynchronous operation, which calls `done(ec)` when it completes. */
  template <class Start>
  ErrorCode step(Start&& start) {
    ErrorCode result = net::error::would_block;
    start([&result](const ErrorCode& ec, auto&&...) { result = ec; });
    io_.restart();
    io_.run();
    return result;
  }

  Status transport(const char* what, const ErrorCode& ec) const {
    if (ec == beast::error::timeout)
      return Status(Code::kDeadlineExceeded, where_ + ": " + what + " timed out");
    return unavailable(where_ + ": " + what + ": " + ec.message());
  }

  template <class Stream>
  StatusOr<HttpResponse> exchange(Stream& stream, Connection& connection, uint64_t maxBodyBytes,
                                  const HttpClient::BodySink& sink) {
    bhttp::request<bhttp::string_body> message = toMessage(uri_, request_);
    message.keep_alive(false);
    connection.tcp().expires_after(idleTimeout_);
    ErrorCode ec = step([&](auto done) { bhttp::async_write(stream, message, done); });
    if (ec) return transport("write", ec);
    bhttp::response_parser<bhttp::buffer_body> parser;
    parser.header_limit(wire::kMaxResponseHeaderBytes);
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());  // held to the limit below
    ec =
        step([&](auto done) { bhttp::async_read_header(stream, connection.buffer, parser, done); });
    if (ec) return transport("read", ec);

    HttpResponse response;
    response.status = static_cast<int>(parser.get().result_int());
    for (const auto& field : parser.get()) {
      std::string name(field.name_string());
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      response.headers[name] = std::string(field.value());
    }
    // Only a success's body is the download; any other is an answer to read, within the limit
    // every response is held to.
    const bool streamed = response.status >= 200 && response.status < 300;
    const uint64_t limit = streamed ? maxBodyBytes : client_.settings_.maxResponseBytes;
    if (const auto length = parser.content_length(); length && *length > limit) {
      return Status(Code::kResourceExhausted, where_ + ": the body announces " +
                                                  std::to_string(*length) + " bytes, over the " +
                                                  std::to_string(limit) + " allowed");
    }
    std::vector<char> piece(kPieceBytes);
    // Beast reads into whatever room the buffer has, 512 bytes at least: the room the head left
    // made a read (and a timer reset) of every few hundred bytes. With room for a piece, reads
    // are of 64 KiB: the host's CPU per MB stored fell from 17 ms to 5 (docs/performance.md,
    // media).
    connection.buffer.reserve(kPieceBytes);
    uint64_t total = 0;
    while (!parser.is_done()) {
      parser.get().body().data = piece.data();
      parser.get().body().size = piece.size();
      connection.tcp().expires_after(idleTimeout_);
      ec = step([&](auto done) { bhttp::async_read(stream, connection.buffer, parser, done); });
      if (ec == bhttp::error::need_buffer) ec = {};
      if (ec) return transport("read", ec);
      const size_t n = piece.size() - parser.get().body().size;
      total += n;
      if (total > limit) {
        return Status(Code::kResourceExhausted, where_ + ": the body is over the " +
                                                    std::to_string(limit) + " bytes allowed");
      }
      if (n == 0) continue;
      if (!streamed) {
        response.body.append(piece.data(), n);
        continue;
      }
      if (Status taken = sink(std::string_view(piece.data(), n)); !taken.isOk()) return taken;
    }
    return response;
  }

  static constexpr size_t kPieceBytes = 256 * 1024;

  HttpClient::Impl& client_;
  const Poco::URI& uri_;
  const HttpRequest& request_;
  net::io_context io_{1};
  std::chrono::milliseconds idleTimeout_{0};
  std::string where_;
};

}  // namespace

StatusOr<HttpResponse> HttpClient::download(const HttpRequest& request, uint64_t maxBodyBytes,
                                            const BodySink& body) const {
  if (currentEventLoop() == impl_.get() || impl_->io_.get_executor().running_in_this_thread()) {
    return failedPrecondition("a blocking HTTP call on the HTTP client's own event loop (" +
                              request.url + ")");
  }
  StatusOr<Poco::URI> uri = impl_->resolve(request);
  if (!uri.isOk()) return uri.status();
  return Download(*impl_, *uri, request).run(maxBodyBytes, body);
}

}  // namespace baraza::http
