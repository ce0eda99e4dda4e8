#pragma once

#include "common/HttpTypes.h"
#include "common/Status.h"
#include "config/HostConfig.h"

#include <Poco/AutoPtr.h>
#include <Poco/URI.h>

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

namespace Poco::Net {
class Context;
class HTTPClientSession;
}

namespace baraza::http {

/**
 * The host's outgoing HTTP(S) client, the one plugins reach through the host API. TLS verifies
 * the peer and its host name against the system CA store (or http_client.ca_file); connect and
 * whole-request timeouts and a response size limit come from configuration. A request naming a
 * `service` whose base URL is overridden in configuration goes there instead: its scheme, host
 * and port are replaced and the override's path is put in front of the request's.
 *
 * Connections are kept alive and reused (up to `kMaxIdlePerOrigin` idle ones per origin), so a
 * steady stream of calls to one API costs no handshakes. A reused connection the server has
 * closed meanwhile is replaced, and the request sent again on a fresh one, only when nothing of
 * the response arrived.
 */
class HttpClient {
 public:
  explicit HttpClient(const config::HttpClientSettings& settings);
  ~HttpClient();

  /**
   * Transport failures: UNAVAILABLE (connection), DEADLINE_EXCEEDED (timeout),
   * RESOURCE_EXHAUSTED (response too large), INVALID_ARGUMENT (bad URL). An HTTP error status is
   * a successful call.
   */
  StatusOr<HttpResponse> send(const HttpRequest& request) const;

  /** The URL a request will actually go to, after any service override. */
  StatusOr<std::string> effectiveUrl(const HttpRequest& request) const;

 private:
  using Session = std::unique_ptr<Poco::Net::HTTPClientSession>;
  static constexpr size_t kMaxIdlePerOrigin = 64;
  Session take(const std::string& origin, bool& reused) const;
  void giveBack(const std::string& origin, Session session) const;
  Session connect(const std::string& scheme, const std::string& host, uint16_t port) const;
  /** The URL a request goes to, parsed (effectiveUrl without printing it). */
  StatusOr<Poco::URI> resolve(const HttpRequest& request) const;

  config::HttpClientSettings settings_;
  Poco::AutoPtr<Poco::Net::Context> tls_;
  std::map<std::string, std::optional<Poco::URI>> bases_;  // service -> base URL override, parsed once
  mutable std::mutex poolMutex_;
  mutable std::map<std::string, std::vector<Session>> idle_;
};

}  // namespace baraza::http
