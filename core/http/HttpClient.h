#pragma once

#include <functional>
#include <memory>
#include <string_view>

#include "common/HttpTypes.h"
#include "common/Status.h"
#include "http/HttpSettings.h"

namespace boost::asio {
class io_context;
}

namespace baraza::http {

/**
 * The host's outgoing HTTP(S) client, the one plugins reach through the host API and the
 * dispatcher sends with. Calls are asynchronous (Boost.Beast on an event loop of its own), so a
 * few threads keep thousands of calls in flight: what sending against a provider that answers in
 * 100–300 ms at thousands of messages a second needs. `send(request)` waits for one.
 *
 * TLS verifies the peer and its host name against the system CA store (or
 * http_client.ca_file). Connect and whole-request timeouts and a response size limit come from
 * configuration. A request naming a `service` whose base URL is overridden in configuration goes
 * there instead: its scheme, host and port are replaced and the override's path is put in front
 * of the request's.
 *
 * Connections are kept alive and reused (up to `kMaxIdlePerOrigin` idle ones per origin, each
 * for at most `kMaxIdleSeconds`), so a steady stream of calls to one API costs no handshakes. A
 * reused connection the server has closed meanwhile is replaced, and the request sent again on
 * a fresh one, only when nothing of the response arrived.
 */
class HttpClient {
 public:
  /**
   * Transport failures: UNAVAILABLE (connection, TLS), DEADLINE_EXCEEDED (timeout),
   * RESOURCE_EXHAUSTED (response too large), INVALID_ARGUMENT (bad URL). An HTTP error status is
   * a successful call.
   */
  using Done = std::function<void(StatusOr<HttpResponse>)>;
  /** The request has been written out (again, if it had to be resent on a fresh connection). */
  using Written = std::function<void()>;

  /** Starts the event loop on `threads` threads. */
  explicit HttpClient(const HttpClientSettings& settings, int threads = 1);
  /** Stops the event loop: calls still in flight are abandoned, their `done` never runs. */
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  /**
   * Starts a call; `done` runs exactly once, on a thread of the event loop, and `written` (when
   * given) before it each time the request has been written out. Neither may block.
   */
  void send(HttpRequest request, Done done, Written written = nullptr) const;

  /**
   * Makes a call and waits for it. Not on a thread of the event loop (that would wait for
   * itself): there it fails with FAILED_PRECONDITION.
   */
  StatusOr<HttpResponse> send(const HttpRequest& request) const;

  /** Takes one piece of a downloaded body; a non-OK status stops the download with it. */
  using BodySink = std::function<Status(std::string_view)>;

  /**
   * Makes a call whose successful (2xx) body goes to `body` in pieces as it arrives, on the
   * calling thread, never held whole: media downloads. A body announced or arriving over
   * `maxBodyBytes` fails with RESOURCE_EXHAUSTED, before any of it is read when announced. Any
   * other status is returned with its body (within the response size limit) and `body` is not
   * called. The request timeout bounds each wait for bytes, not the whole download. The call has
   * a connection of its own, closed after it. Not on a thread of the event loop.
   */
  StatusOr<HttpResponse> download(const HttpRequest& request, uint64_t maxBodyBytes,
                                  const BodySink& body) const;

  /** The URL a request will actually go to, after any service override. */
  StatusOr<std::string> effectiveUrl(const HttpRequest& request) const;

  /** The event loop: for timers and work of callers that send from it (the dispatcher). */
  boost::asio::io_context& context() const;

  static constexpr size_t kMaxIdlePerOrigin = 1024;
  static constexpr int kMaxIdleSeconds = 4;  // servers close idle connections; reconnect first

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace baraza::http
