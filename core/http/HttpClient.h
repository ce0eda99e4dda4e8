#pragma once

#include "common/HttpTypes.h"
#include "common/Status.h"
#include "config/HostConfig.h"

#include <Poco/AutoPtr.h>

namespace Poco::Net {
class Context;
}

namespace baraza::http {

/**
 * The host's outgoing HTTP(S) client, the one plugins reach through the host API. TLS verifies
 * the peer and its host name against the system CA store (or http_client.ca_file); connect and
 * whole-request timeouts and a response size limit come from configuration. A request naming a
 * `service` whose base URL is overridden in configuration goes there instead: its scheme, host
 * and port are replaced and the override's path is put in front of the request's.
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
  config::HttpClientSettings settings_;
  Poco::AutoPtr<Poco::Net::Context> tls_;
};

}  // namespace baraza::http
