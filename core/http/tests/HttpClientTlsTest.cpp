// The host HTTP client verifies TLS peers: chain against the trusted CAs, and the host name.
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/SecureServerSocket.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "http/HttpClient.h"

namespace baraza::http {
namespace {

using ::testing::HasSubstr;

class Hello : public Poco::Net::HTTPRequestHandler {
 public:
  void handleRequest(Poco::Net::HTTPServerRequest&,
                     Poco::Net::HTTPServerResponse& response) override {
    response.setContentLength(5);
    response.send() << "hello";
  }
};

class HelloFactory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  Poco::Net::HTTPRequestHandler* createRequestHandler(
      const Poco::Net::HTTPServerRequest&) override {
    return new Hello;
  }
};

/** An HTTPS server with the self-signed localhost/127.0.0.1 test certificate. */
class TlsServer {
 public:
  explicit TlsServer(const std::string& host) {
    Poco::Net::Context::Ptr context =
        new Poco::Net::Context(Poco::Net::Context::TLS_SERVER_USE, TLS_DIR "/localhost.key",
                               TLS_DIR "/localhost.crt", "", Poco::Net::Context::VERIFY_NONE);
    Poco::Net::SecureServerSocket socket(Poco::Net::SocketAddress(host, 0), 16, context);
    server_ = std::make_unique<Poco::Net::HTTPServer>(new HelloFactory, socket,
                                                      new Poco::Net::HTTPServerParams);
    server_->start();
  }
  ~TlsServer() { server_->stopAll(true); }
  std::string url(const std::string& host) const {
    return "https://" + host + ":" + std::to_string(server_->port()) + "/";
  }

 private:
  std::unique_ptr<Poco::Net::HTTPServer> server_;
};

HttpRequest get(const std::string& url) {
  HttpRequest request;
  request.url = url;
  return request;
}

TEST(HttpClientTls, RefusesAPeerNoTrustedCaVouchesFor) {
  TlsServer server("127.0.0.1");
  HttpClient client({});  // the system CA store only
  auto reply = client.send(get(server.url("localhost")));
  ASSERT_FALSE(reply.isOk());
  EXPECT_EQ(reply.status().code(), Code::kUnavailable);
}

TEST(HttpClientTls, AcceptsAPeerSignedByTheConfiguredCa) {
  TlsServer server("127.0.0.1");
  http::HttpClientSettings settings;
  settings.caFile = TLS_DIR "/localhost.crt";
  HttpClient client(settings);
  auto reply = client.send(get(server.url("localhost")));
  ASSERT_TRUE(reply.isOk()) << reply.status().toString();
  EXPECT_EQ(reply->status, 200);
  EXPECT_EQ(reply->body, "hello");
}

TEST(HttpClientTls, RefusesACertificateForAnotherHostName) {
  TlsServer server("127.0.0.2");  // the certificate names localhost and 127.0.0.1 only
  http::HttpClientSettings settings;
  settings.caFile = TLS_DIR "/localhost.crt";
  HttpClient client(settings);
  auto reply = client.send(get(server.url("127.0.0.2")));
  ASSERT_FALSE(reply.isOk());
  EXPECT_EQ(reply.status().code(), Code::kUnavailable);
}

}  // namespace
}  // namespace baraza::http
