#include <Poco/Event.h>
#include <Poco/Logger.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketStream.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/StreamCopier.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>
#include <tuple>

#include "common/testing/HttpCall.h"
#include "common/testing/LogCapture.h"
#include "http/HttpClient.h"
#include "http/HttpServer.h"

namespace baraza::http {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

using Reply = testing::HttpReply;

Reply request(uint16_t port, const std::string& method, const std::string& path,
              const std::string& body = "", bool chunked = false) {
  return testing::httpCall(port, {method, path, body, {}, chunked});
}

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    settings_.port = 0;
    settings_.threads = 4;
    settings_.maxBodyBytes = 1024;
    settings_.drainSeconds = 10;
    router_.add("POST", "/echo", [](Exchange& ex) { ex.send(200, ex.body(), "text/plain"); });
    router_.add("GET", "/tenants/{tenant}/hello", [](Exchange& ex) {
      ex.annotate("tenant", ex.param("tenant"));
      ex.sendJson(200,
                  "{\"tenant\":\"" + ex.param("tenant") + "\",\"q\":\"" + ex.query("q") + "\"}");
    });
    router_.add("GET", "/slow", [this](Exchange& ex) {
      started_.set();
      release_.wait();
      ex.send(200, "finished", "text/plain");
    });
    router_.add("GET", "/throws", [](Exchange&) { throw std::runtime_error("boom"); });
    // On the loop, answered later by the test (answerParked).
    router_.add(
        "GET", "/later",
        [this](Exchange& ex) {
          std::lock_guard lock(parkedMutex_);
          parked_.push_back(ex.later());
          parkedChanged_.notify_all();
        },
        Runs::kOnLoop);
    router_.add(
        "GET", "/dropped", [](Exchange& ex) { ex.later(); }, Runs::kOnLoop);
    // The loop hands the rest to a handler thread, which answers (or throws).
    router_.add(
        "GET", "/handed-on",
        [](Exchange& ex) {
          const bool fail = ex.hasQuery("fail");
          ex.onWorker([answer = ex.later(), fail, loop = std::this_thread::get_id()]() mutable {
            if (fail) throw std::runtime_error("the job failed");
            answer.send(200, std::this_thread::get_id() == loop ? "loop" : "worker", "text/plain");
          });
        },
        Runs::kOnLoop);
  }

  /** Waits until a /later request is parked, then answers it from this thread. */
  void answerParked(const std::string& body) {
    std::unique_lock lock(parkedMutex_);
    ASSERT_TRUE(parkedChanged_.wait_for(lock, std::chrono::seconds(10),
                                        [this] { return !parked_.empty(); }));
    Later later = parked_.front();
    parked_.erase(parked_.begin());
    lock.unlock();
    later.send(200, body, "text/plain");
  }

  /** Waits until a /later request is parked. */
  void waitForParked() {
    std::unique_lock lock(parkedMutex_);
    ASSERT_TRUE(parkedChanged_.wait_for(lock, std::chrono::seconds(10),
                                        [this] { return !parked_.empty(); }));
  }

  void start() {
    server_ = std::make_unique<HttpServer>(settings_, router_);
    server_->start();
  }

  http::HttpServerSettings settings_;
  Router router_;
  Poco::Event started_;
  Poco::Event release_;
  std::mutex parkedMutex_;
  std::condition_variable parkedChanged_;
  std::vector<Later> parked_;
  // Last, so it is destroyed (stopped, its handlers returned) before what the handlers use.
  std::unique_ptr<HttpServer> server_;
};

TEST_F(HttpServerTest, RoutesWithPathParametersAndQuery) {
  start();
  Reply r = request(server_->port(), "GET", "/tenants/acme/hello?q=x");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"tenant":"acme","q":"x"})");
}

TEST_F(HttpServerTest, UnknownPathIs404AndWrongMethodIs405) {
  start();
  EXPECT_EQ(request(server_->port(), "GET", "/nope").status, 404);
  Reply r = request(server_->port(), "GET", "/echo");
  EXPECT_EQ(r.status, 405);
  EXPECT_THAT(r.body, HasSubstr("GET is not allowed on /echo"));
}

TEST_F(HttpServerTest, BodyWithinTheLimitIsRead) {
  start();
  Reply r = request(server_->port(), "POST", "/echo", std::string(1024, 'a'));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body.size(), 1024u);
}

TEST_F(HttpServerTest, OversizeBodyIs413) {
  start();
  Reply r = request(server_->port(), "POST", "/echo", std::string(1025, 'a'));
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(r.body, R"({"error":{"status":413,"message":"request body exceeds 1024 bytes"}})");
}

TEST_F(HttpServerTest, OversizeChunkedBodyIs413) {
  start();
  Reply r = request(server_->port(), "POST", "/echo", std::string(5000, 'a'), true);
  EXPECT_EQ(r.status, 413);
}

TEST_F(HttpServerTest, HandlerExceptionIs500AndTheServerKeepsServing) {
  start();
  EXPECT_EQ(request(server_->port(), "GET", "/throws").status, 500);
  EXPECT_EQ(request(server_->port(), "GET", "/tenants/a/hello").status, 200);
}

TEST_F(HttpServerTest, AccessLogIsJsonWithoutTheQueryString) {
  auto capture = testing::LogCapture::attach("baraza.access");
  start();
  request(server_->port(), "GET", "/tenants/acme/hello?hub.verify_token=SECRET");
  server_->stop();
  auto lines = capture->lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_THAT(lines[0], HasSubstr(R"(baraza.access: {"ts":)"));
  EXPECT_THAT(lines[0], HasSubstr(R"("method":"GET","path":"/tenants/acme/hello","status":200)"));
  EXPECT_THAT(lines[0], HasSubstr(R"("tenant":"acme")"));
  EXPECT_THAT(lines[0], Not(HasSubstr("SECRET")));
  Poco::Logger::get("baraza.access").setLevel(Poco::Message::PRIO_FATAL);
}

TEST_F(HttpServerTest, GracefulStopFinishesTheRequestInFlightAndRefusesNewOnes) {
  start();
  const uint16_t port = server_->port();
  auto inFlight = std::async(std::launch::async, [&] { return request(port, "GET", "/slow"); });
  ASSERT_TRUE(started_.tryWait(5000));
  auto stopping = std::async(std::launch::async, [&] { server_->stop(); });
  // The listening socket closes promptly; the slow request is still being served.
  bool refused = false;
  for (int i = 0; i < 200 && !refused; ++i) {
    try {
      Poco::Net::StreamSocket probe;
      probe.connect(Poco::Net::SocketAddress("127.0.0.1", port), Poco::Timespan(0, 200000));
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    } catch (const Poco::Exception&) {
      refused = true;
    }
  }
  EXPECT_TRUE(refused);
  EXPECT_EQ(stopping.wait_for(std::chrono::milliseconds(100)), std::future_status::timeout);
  release_.set();
  Reply r = inFlight.get();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "finished");
  stopping.get();
}

// One kept-alive connection, written and read by hand so that a reconnect cannot hide a close.
class RawConnection {
 public:
  explicit RawConnection(uint16_t port) {
    socket_.connect(Poco::Net::SocketAddress("127.0.0.1", port));
    socket_.setReceiveTimeout(Poco::Timespan(10, 0));
  }

  void send(const std::string& text) {
    socket_.sendBytes(text.data(), static_cast<int>(text.size()));
  }

  /** The next response: status, whether it keeps the connection, and its body. */
  std::tuple<int, bool, std::string> response() {
    Poco::Net::HTTPResponse response;
    response.read(stream_);
    std::string body(static_cast<size_t>(std::max<Poco::Int64>(0, response.getContentLength64())),
                     '\0');
    stream_.read(body.data(), static_cast<std::streamsize>(body.size()));
    return {response.getStatus(), response.getKeepAlive(), body};
  }

  /** True when something arrives within `ms` milliseconds (an answer, or the server closing). */
  bool answersWithin(int ms) {
    return stream_.rdbuf()->in_avail() > 0 ||
           socket_.poll(Poco::Timespan(0, ms * 1000), Poco::Net::Socket::SELECT_READ);
  }

  std::istream& stream() { return stream_; }

  /** True when the server has closed the connection (nothing more to read). */
  bool closedByServer() {
    char c;
    return !stream_.get(c);
  }

 private:
  Poco::Net::StreamSocket socket_;
  Poco::Net::SocketInputStream stream_{socket_};
};

const std::string kHello = "GET /tenants/a/hello HTTP/1.1\r\nHost: test\r\n\r\n";

TEST_F(HttpServerTest, AKeptAliveConnectionServesRequestAfterRequestUpToTheLimit) {
  settings_.maxKeepAliveRequests = 3;
  start();
  RawConnection connection(server_->port());
  for (int i = 1; i <= 3; ++i) {
    connection.send(kHello);
    auto [status, keepAlive, body] = connection.response();
    EXPECT_EQ(status, 200) << "request " << i;
    EXPECT_EQ(body, R"({"tenant":"a","q":""})");
    EXPECT_EQ(keepAlive, i < 3) << "request " << i << " of at most 3 on one connection";
  }
  EXPECT_TRUE(connection.closedByServer());
}

TEST_F(HttpServerTest, PipelinedRequestsAreAnsweredInOrder) {
  start();
  RawConnection connection(server_->port());
  connection.send(kHello + "POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 5\r\n\r\nhello" +
                  kHello);
  EXPECT_EQ(std::get<2>(connection.response()), R"({"tenant":"a","q":""})");
  EXPECT_EQ(std::get<2>(connection.response()), "hello");
  EXPECT_EQ(std::get<2>(connection.response()), R"({"tenant":"a","q":""})");
}

TEST_F(HttpServerTest, AMalformedRequestIs400AndClosesTheConnection) {
  start();
  RawConnection connection(server_->port());
  connection.send("NOT-HTTP\r\n\r\n");
  auto [status, keepAlive, body] = connection.response();
  EXPECT_EQ(status, 400);
  EXPECT_FALSE(keepAlive);
  EXPECT_TRUE(connection.closedByServer());
}

TEST_F(HttpServerTest, ATargetThatIsNotAnAbsolutePathIs400AndReachesNoRoute) {
  // Found by the http_request fuzzer: "tenants/a/hello" was routed as "/tenants/a/hello".
  start();
  for (const char* target : {"tenants/a/hello", "tenants/a/hello?q=1", "*"}) {
    RawConnection connection(server_->port());
    connection.send("GET " + std::string(target) + " HTTP/1.1\r\nHost: test\r\n\r\n");
    auto [status, keepAlive, body] = connection.response();
    EXPECT_EQ(status, 400) << target;
    EXPECT_THAT(body, HasSubstr("malformed request URI")) << target;
  }
}

TEST_F(HttpServerTest, StopClosesIdleKeptAliveConnectionsWithoutWaitingForTheDrain) {
  auto capture = testing::LogCapture::attach("baraza.http");
  settings_.drainSeconds = 2;
  settings_.keepAliveSeconds = 60;
  start();
  RawConnection connection(server_->port());
  connection.send(kHello);
  EXPECT_EQ(std::get<0>(connection.response()), 200);
  server_->stop();  // the connection is idle, waiting for its next request
  EXPECT_TRUE(connection.closedByServer());
  for (const auto& line : capture->lines()) EXPECT_THAT(line, Not(HasSubstr("drain timeout")));
}

TEST_F(HttpServerTest, ManyKeptAliveConnectionsNeedNoThreadEach) {
  settings_.threads = 1;
  start();
  std::vector<std::unique_ptr<RawConnection>> connections;
  for (int i = 0; i < 100; ++i)
    connections.push_back(std::make_unique<RawConnection>(server_->port()));
  for (int round = 0; round < 2; ++round) {
    for (auto& connection : connections) connection->send(kHello);
    for (auto& connection : connections) {
      auto [status, keepAlive, body] = connection->response();
      EXPECT_EQ(status, 200);
      EXPECT_TRUE(keepAlive);
    }
  }
}

TEST_F(HttpServerTest, AnAnswerCanComeLaterFromAnotherThreadWhileTheLoopServesOthers) {
  settings_.ioThreads = 1;
  start();
  const uint16_t port = server_->port();
  auto waiting = std::async(std::launch::async, [&] { return request(port, "GET", "/later"); });
  waitForParked();
  // The loop that took /later is free: another request on it is answered meanwhile.
  EXPECT_EQ(request(port, "GET", "/tenants/a/hello").status, 200);
  // That one stops counting once its write completes, which may come just after the client read it.
  for (int i = 0; i < 500 && server_->inFlight() != 1; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(server_->inFlight(), 1) << "the request waiting for its answer is in flight";
  answerParked("late");
  Reply r = waiting.get();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "late");
}

TEST_F(HttpServerTest, ALaterDroppedUnansweredIs500) {
  start();
  Reply r = request(server_->port(), "GET", "/dropped");
  EXPECT_EQ(r.status, 500);
  EXPECT_THAT(r.body, HasSubstr("handler sent no response"));
}

TEST_F(HttpServerTest, ALoopHandlerHandsTheRestToAHandlerThread) {
  start();
  Reply r = request(server_->port(), "GET", "/handed-on");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "worker");
  EXPECT_EQ(request(server_->port(), "GET", "/handed-on?fail=1").status, 500)
      << "the Later the job held answers";
}

TEST_F(HttpServerTest, StopWaitsForAnAnswerStillToCome) {
  start();
  const uint16_t port = server_->port();
  auto waiting = std::async(std::launch::async, [&] { return request(port, "GET", "/later"); });
  waitForParked();
  auto stopping = std::async(std::launch::async, [&] { server_->stop(); });
  EXPECT_EQ(stopping.wait_for(std::chrono::milliseconds(200)), std::future_status::timeout);
  answerParked("just in time");
  EXPECT_EQ(waiting.get().body, "just in time");
  stopping.get();
}

TEST_F(HttpServerTest, StopClosesAConnectionStuckInItsBodyOnceTheDrainEnds) {
  settings_.drainSeconds = 1;
  start();
  RawConnection connection(server_->port());
  connection.send("POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 100\r\n\r\nonly part");
  for (int i = 0; i < 500 && server_->inFlight() == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_EQ(server_->inFlight(), 1);
  auto stopping = std::async(std::launch::async, [&] { server_->stop(); });
  ASSERT_EQ(stopping.wait_for(std::chrono::seconds(20)), std::future_status::ready)
      << "stop() waited for a body that never came";
  EXPECT_TRUE(connection.closedByServer());
}

TEST_F(HttpServerTest, AHeadRequestGetsTheLengthWithoutTheBody) {
  start();
  RawConnection connection(server_->port());
  connection.send("HEAD /tenants/a/hello HTTP/1.1\r\nHost: test\r\n\r\n" + kHello);
  Poco::Net::HTTPResponse head;
  head.read(connection.stream());
  EXPECT_EQ(head.getStatus(), 405);  // no HEAD route: the answer says so, without its body
  EXPECT_GT(head.getContentLength64(), 0);
  // The next answer on the connection starts right after the head.
  EXPECT_EQ(std::get<2>(connection.response()), R"({"tenant":"a","q":""})");
}

TEST_F(HttpServerTest, HeaderFieldsOverTheLimitAre431) {
  start();
  RawConnection connection(server_->port());
  connection.send("GET /tenants/a/hello HTTP/1.1\r\nHost: test\r\nX-Big: " +
                  std::string(40000, 'x') + "\r\n\r\n");
  auto [status, keepAlive, body] = connection.response();
  EXPECT_EQ(status, 431);
  EXPECT_FALSE(keepAlive);
  EXPECT_THAT(body, HasSubstr("request header exceeds"));
}

TEST_F(HttpServerTest, ExpectContinueGets100BeforeTheBodyIsSent) {
  start();
  RawConnection connection(server_->port());
  connection.send(
      "POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
  EXPECT_EQ(std::get<0>(connection.response()), 100);
  connection.send("hello");
  auto [status, keepAlive, body] = connection.response();
  EXPECT_EQ(status, 200);
  EXPECT_EQ(body, "hello");
}

TEST_F(HttpServerTest, AtMaxConnectionsANewOneWaitsUntilAnotherCloses) {
  settings_.maxConnections = 2;
  start();
  auto first = std::make_unique<RawConnection>(server_->port());
  RawConnection second(server_->port());
  for (RawConnection* c : {first.get(), &second}) {
    c->send(kHello);
    EXPECT_EQ(std::get<0>(c->response()), 200);
  }
  RawConnection third(server_->port());  // completed by the kernel, not accepted yet
  third.send(kHello);
  EXPECT_FALSE(third.answersWithin(300));
  first.reset();
  ASSERT_TRUE(third.answersWithin(10000));
  EXPECT_EQ(std::get<0>(third.response()), 200);
}

class HttpClientTest : public HttpServerTest {
 protected:
  /** POST /echo with `body` to the test server (started). */
  HttpRequest echo(const std::string& body) const {
    HttpRequest req;
    req.method = "POST";
    req.url = "http://127.0.0.1:" + std::to_string(server_->port()) + "/echo";
    req.body = body;
    return req;
  }
};

TEST_F(HttpClientTest, SendsAndReceives) {
  start();
  HttpClient client({});
  auto resp = client.send(echo("ping"));
  ASSERT_TRUE(resp.isOk()) << resp.status().toString();
  EXPECT_EQ(resp->status, 200);
  EXPECT_EQ(resp->body, "ping");
  EXPECT_EQ(resp->headers.at("content-type"), "text/plain");
}

TEST_F(HttpClientTest, WrittenIsToldOnceTheRequestIsOutBeforeTheAnswer) {
  start();
  HttpClient client({});
  std::atomic<int> written{0};
  std::promise<int> writtenWhenDone;
  client.send(
      echo("ping"),
      [&](StatusOr<HttpResponse> r) { writtenWhenDone.set_value(r.isOk() ? written.load() : -1); },
      [&] { ++written; });
  EXPECT_EQ(writtenWhenDone.get_future().get(), 1);
}

TEST_F(HttpClientTest, ServiceOverrideRedirectsToTheConfiguredBaseUrl) {
  start();
  http::HttpClientSettings settings;
  settings.serviceBaseUrls["graph"] =
      "http://127.0.0.1:" + std::to_string(server_->port()) + "/tenants/";
  HttpClient client(settings);
  HttpRequest req;
  req.url = "https://graph.facebook.com/fake/hello?q=v";
  req.service = "graph";
  EXPECT_EQ(client.effectiveUrl(req).value(),
            "http://127.0.0.1:" + std::to_string(server_->port()) + "/tenants/fake/hello?q=v");
  auto resp = client.send(req);
  ASSERT_TRUE(resp.isOk()) << resp.status().toString();
  EXPECT_EQ(resp->body, R"({"tenant":"fake","q":"v"})");
  req.service = "openai";  // not overridden: the URL stays as it is
  EXPECT_EQ(client.effectiveUrl(req).value(), "https://graph.facebook.com/fake/hello?q=v");
}

TEST_F(HttpClientTest, TimeoutIsDeadlineExceeded) {
  start();
  http::HttpClientSettings settings;
  settings.timeoutMs = 200;
  HttpClient client(settings);
  HttpRequest req;
  req.url = "http://127.0.0.1:" + std::to_string(server_->port()) + "/slow";
  auto resp = client.send(req);
  release_.set();
  EXPECT_EQ(resp.status().code(), Code::kDeadlineExceeded) << resp.status().toString();
}

TEST_F(HttpClientTest, ConnectionRefusedIsUnavailable) {
  start();
  const uint16_t port = server_->port();
  server_->stop();
  HttpClient client({});
  HttpRequest req;
  req.url = "http://127.0.0.1:" + std::to_string(port) + "/echo";
  EXPECT_EQ(client.send(req).status().code(), Code::kUnavailable);
}

TEST_F(HttpClientTest, ResponseOverTheLimitIsRefused) {
  settings_.maxBodyBytes = 1 << 20;
  start();
  http::HttpClientSettings settings;
  settings.maxResponseBytes = 1024;
  HttpClient client(settings);
  EXPECT_EQ(client.send(echo(std::string(4096, 'x'))).status().code(), Code::kResourceExhausted);
}

/** Answers each of `connections` connections with a chunked response of 64 chunks of 1 KiB. */
class ChunkedServer {
 public:
  explicit ChunkedServer(int connections)
      : socket_(Poco::Net::SocketAddress("127.0.0.1", 0)), thread_([this, connections] {
          for (int i = 0; i < connections; ++i) {
            Poco::Net::StreamSocket client = socket_.acceptConnection();
            std::string head;
            char c;
            while (head.find("\r\n\r\n") == std::string::npos && client.receiveBytes(&c, 1) == 1)
              head += c;
            std::string answer =
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
            for (int chunk = 0; chunk < 64; ++chunk)
              answer += "400\r\n" + std::string(1024, 'x') + "\r\n";
            answer += "0\r\n\r\n";
            try {
              client.sendBytes(answer.data(), static_cast<int>(answer.size()));
              client.shutdownSend();
            } catch (const Poco::Exception&) {
              // The client stopped reading at its limit and closed.
            }
          }
        }) {}
  ~ChunkedServer() { thread_.join(); }
  uint16_t port() const { return socket_.address().port(); }

 private:
  Poco::Net::ServerSocket socket_;
  std::thread thread_;
};

TEST_F(HttpClientTest, AChunkedResponseOverTheLimitIsRefused) {
  // No Content-Length to check up front: the limit must hold while the chunks are read.
  ChunkedServer server(2);
  http::HttpClientSettings settings;
  settings.maxResponseBytes = 4096;
  HttpClient client(settings);
  HttpRequest req;
  req.url = "http://127.0.0.1:" + std::to_string(server.port()) + "/chunked";
  EXPECT_EQ(client.send(req).status().code(), Code::kResourceExhausted);
  settings.maxResponseBytes = 1 << 20;
  auto whole = HttpClient(settings).send(req);
  ASSERT_TRUE(whole.isOk()) << whole.status().toString();
  EXPECT_EQ(whole->body.size(), 64u * 1024);
}

TEST_F(HttpClientTest, OneThreadKeepsManyCallsInFlight) {
  // Each request is answered only once all of them are at the server at the same time: a client
  // that made one call after another would never see "together".
  constexpr int kCalls = 12;
  std::mutex mutex;
  std::condition_variable arrived;
  int present = 0;
  router_.add("GET", "/together", [&](Exchange& ex) {
    std::unique_lock lock(mutex);
    ++present;
    arrived.notify_all();
    const bool all =
        arrived.wait_for(lock, std::chrono::seconds(10), [&] { return present >= kCalls; });
    ex.send(200, all ? "together" : "alone", "text/plain");
  });
  settings_.threads = kCalls;
  start();
  HttpClient client({}, 1);
  std::vector<std::promise<StatusOr<HttpResponse>>> answers(kCalls);
  for (auto& answer : answers) {
    HttpRequest req;
    req.url = "http://127.0.0.1:" + std::to_string(server_->port()) + "/together";
    client.send(req, [&answer](StatusOr<HttpResponse> r) { answer.set_value(std::move(r)); });
  }
  for (auto& answer : answers) {
    StatusOr<HttpResponse> r = answer.get_future().get();
    ASSERT_TRUE(r.isOk()) << r.status().toString();
    EXPECT_EQ(r->body, "together");
  }
}

TEST_F(HttpClientTest, AKeptAliveConnectionTheServerClosedIsReplacedAndTheRequestSentAgain) {
  settings_.keepAliveSeconds = 1;  // the server closes idle connections after a second
  start();
  HttpClient client({});
  ASSERT_TRUE(client.send(echo("first")).isOk());
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // within the client's idle limit
  auto resp = client.send(echo("second"));
  ASSERT_TRUE(resp.isOk()) << resp.status().toString();
  EXPECT_EQ(resp->body, "second");
}

TEST_F(HttpClientTest, AWaitingCallFromTheEventLoopFailsInsteadOfWaitingForItself) {
  start();
  HttpClient client({});
  HttpRequest req;
  req.url = "http://127.0.0.1:" + std::to_string(server_->port()) + "/tenants/t/hello";
  std::promise<Status> inner;
  client.send(req, [&](StatusOr<HttpResponse>) { inner.set_value(client.send(req).status()); });
  const Status status = inner.get_future().get();
  EXPECT_EQ(status.code(), Code::kFailedPrecondition) << status.toString();
}

TEST_F(HttpClientTest, NonHttpUrlIsInvalid) {
  HttpClient client({});
  HttpRequest req;
  req.url = "ftp://example.com/x";
  EXPECT_EQ(client.send(req).status().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace baraza::http
