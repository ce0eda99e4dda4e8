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
}

HttpClient::~HttpClient() { Poco::Net::uninitializeSSL(); }

StatusOr<std::string> HttpClient::effectiveUrl(const HttpRequest& request) const {
  try {
    Poco::URI target(request.url);
    if (target.getScheme() != "http" && target.getScheme() != "https") {
      return invalidArgument("not an http(s) URL: " + request.url);
    }
    auto override = settings_.serviceBaseUrls.find(request.service);
    if (request.service.empty() || override == settings_.serviceBaseUrls.end()) {
      return target.toString();
    }
    Poco::URI base(override->second);
    std::string prefix = base.getPath();
    while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
    base.setPath(prefix + target.getPath());
    base.setRawQuery(target.getRawQuery());
    return base.toString();
  } catch (const Poco::Exception& e) {
    return invalidArgument("bad URL " + request.url + ": " + e.message());
  }
}

StatusOr<HttpResponse> HttpClient::send(const HttpRequest& request) const {
  StatusOr<std::string> url = effectiveUrl(request);
  if (!url.isOk()) return url.status();
  const Poco::URI uri(*url);
  const std::string where = request.method + " " + uri.getScheme() + "://" + uri.getAuthority() +
                            uri.getPath();
  try {
    std::unique_ptr<Poco::Net::HTTPClientSession> session;
    if (uri.getScheme() == "https") {
      session = std::make_unique<Poco::Net::HTTPSClientSession>(uri.getHost(), uri.getPort(), tls_);
    } else {
      session = std::make_unique<Poco::Net::HTTPClientSession>(uri.getHost(), uri.getPort());
    }
    const int timeoutMs = request.timeoutMs > 0 ? static_cast<int>(request.timeoutMs) : settings_.timeoutMs;
    session->setTimeout(Poco::Timespan(0, settings_.connectTimeoutMs * 1000),
                        Poco::Timespan(0, timeoutMs * 1000), Poco::Timespan(0, timeoutMs * 1000));

    Poco::Net::HTTPRequest req(request.method, uri.getPathAndQuery(), Poco::Net::HTTPMessage::HTTP_1_1);
    for (const auto& [name, value] : request.headers) req.set(name, value);
    if (!request.body.empty() || request.method == "POST" || request.method == "PUT") {
      req.setContentLength64(static_cast<Poco::Int64>(request.body.size()));
    }
    session->sendRequest(req).write(request.body.data(),
                                    static_cast<std::streamsize>(request.body.size()));

    Poco::Net::HTTPResponse resp;
    std::istream& in = session->receiveResponse(resp);
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
    return out;
  } catch (const Poco::TimeoutException& e) {
    return Status(Code::kDeadlineExceeded, where + ": timed out");
  } catch (const Poco::Net::ConnectionRefusedException& e) {
    return unavailable(where + ": connection refused");
  } catch (const Poco::Exception& e) {
    return unavailable(where + ": " + e.displayText());
  }
}

}  // namespace baraza::http
