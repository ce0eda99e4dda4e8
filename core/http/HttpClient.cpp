#include "http/HttpClient.h"

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/String.h>
#include <Poco/URI.h>

#include <memory>

namespace baraza::http {

HttpClient::HttpClient(const config::HttpClientSettings& settings) : settings_(settings) {
  Poco::Net::initializeSSL();
  Poco::Net::Context::Params params;
  // STRICT: the peer must present a certificate that chains to a trusted CA and names the host.
  // (RELAXED would also skip the host-name check for loopback addresses.)
  params.verificationMode = Poco::Net::Context::VERIFY_STRICT;
  params.loadDefaultCAs = settings_.caFile.empty();
  params.caLocation = settings_.caFile;
  params.cipherList = "HIGH:!aNULL:!MD5:!RC4";
  tls_ = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, params);
  tls_->requireMinimumProtocol(Poco::Net::Context::PROTO_TLSV1_2);
  for (const auto& [service, url] : settings_.serviceBaseUrls) {
    try {
      bases_.emplace(service, Poco::URI(url));
    } catch (const Poco::Exception&) {
      bases_.emplace(service, std::nullopt);  // configuration checks them; the requests fail
    }
  }
}

HttpClient::~HttpClient() { Poco::Net::uninitializeSSL(); }

StatusOr<Poco::URI> HttpClient::resolve(const HttpRequest& request) const {
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

StatusOr<std::string> HttpClient::effectiveUrl(const HttpRequest& request) const {
  StatusOr<Poco::URI> uri = resolve(request);
  if (!uri.isOk()) return uri.status();
  return uri->toString();
}

HttpClient::Session HttpClient::connect(const std::string& scheme, const std::string& host, uint16_t port) const {
  Session session;
  if (scheme == "https") {
    session = std::make_unique<Poco::Net::HTTPSClientSession>(host, port, tls_);
  } else {
    session = std::make_unique<Poco::Net::HTTPClientSession>(host, port);
  }
  session->setKeepAlive(true);
  // Reconnect rather than reuse a connection idle this long: servers close idle ones.
  session->setKeepAliveTimeout(Poco::Timespan(4, 0));
  return session;
}

HttpClient::Session HttpClient::take(const std::string& origin, bool& reused) const {
  std::lock_guard lock(poolMutex_);
  auto it = idle_.find(origin);
  if (it == idle_.end() || it->second.empty()) {
    reused = false;
    return nullptr;
  }
  Session session = std::move(it->second.back());
  it->second.pop_back();
  reused = true;
  return session;
}

void HttpClient::giveBack(const std::string& origin, Session session) const {
  std::lock_guard lock(poolMutex_);
  auto& sessions = idle_[origin];
  if (sessions.size() < kMaxIdlePerOrigin) sessions.push_back(std::move(session));
}

StatusOr<HttpResponse> HttpClient::send(const HttpRequest& request) const {
  StatusOr<Poco::URI> resolved = resolve(request);
  if (!resolved.isOk()) return resolved.status();
  const Poco::URI& uri = *resolved;
  const std::string origin = uri.getScheme() + "://" + uri.getAuthority();
  const std::string where = request.method + " " + origin + uri.getPath();
  const int timeoutMs = request.timeoutMs > 0 ? static_cast<int>(request.timeoutMs) : settings_.timeoutMs;
  bool reused = false;
  for (int attempt = 0;; ++attempt) {
    Session session = attempt == 0 ? take(origin, reused) : nullptr;
    if (!session) {
      reused = false;
      session = connect(uri.getScheme(), uri.getHost(), uri.getPort());
    }
    bool responseStarted = false;
    try {
      session->setTimeout(Poco::Timespan(0, settings_.connectTimeoutMs * 1000),
                          Poco::Timespan(0, timeoutMs * 1000), Poco::Timespan(0, timeoutMs * 1000));
      Poco::Net::HTTPRequest req(request.method, uri.getPathAndQuery(), Poco::Net::HTTPMessage::HTTP_1_1);
      for (const auto& [name, value] : request.headers) req.set(name, value);
      if (!request.body.empty() || request.method == "POST" || request.method == "PUT") {
        req.setContentLength64(static_cast<Poco::Int64>(request.body.size()));
      }
      session->sendRequest(req).write(request.body.data(), static_cast<std::streamsize>(request.body.size()));

      Poco::Net::HTTPResponse resp;
      std::istream& in = session->receiveResponse(resp);
      responseStarted = true;
      HttpResponse out;
      out.status = static_cast<int>(resp.getStatus());
      for (const auto& [name, value] : resp) out.headers[Poco::toLower(name)] = value;
      char buffer[16384];
      while (in) {
        in.read(buffer, sizeof buffer);
        out.body.append(buffer, static_cast<size_t>(in.gcount()));
        if (out.body.size() > settings_.maxResponseBytes) {
          return Status(Code::kResourceExhausted, where + ": response larger than " +
                                                      std::to_string(settings_.maxResponseBytes) + " bytes");
        }
      }
      if (resp.getKeepAlive() && in.eof()) giveBack(origin, std::move(session));
      return out;
    } catch (const Poco::TimeoutException& e) {
      return Status(Code::kDeadlineExceeded, where + ": timed out");
    } catch (const Poco::Net::ConnectionRefusedException& e) {
      return unavailable(where + ": connection refused");
    } catch (const Poco::Exception& e) {
      // A kept-alive connection the server closed while it sat idle: try once on a new one.
      if (reused && !responseStarted && attempt == 0) continue;
      return unavailable(where + ": " + e.displayText());
    }
  }
}

}  // namespace baraza::http
