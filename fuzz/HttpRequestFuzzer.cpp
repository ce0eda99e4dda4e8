// libFuzzer target for what the server reads from a connection: the request head and body under
// the server's limits (http/Wire), the Request made of them, the Exchange's reading of the target
// (path and query) and the routing. Input: the bytes a client sends, as one request.
#include "FuzzSupport.h"
#include "http/Exchange.h"
#include "http/Router.h"
#include "http/Wire.h"

#include <boost/asio/buffer.hpp>

#include <cstdint>
#include <map>
#include <string>

namespace {

constexpr size_t kMaxBody = 64 * 1024;

const baraza::http::Router& router() {
  static const baraza::http::Router r = [] {
    baraza::http::Router routes;
    for (const char* pattern : {"/healthz", "/readyz", "/metrics", "/webhooks/whatsapp", "/webhooks/whatsapp/{app}", "/flows/{tenant}"}) {
      routes.add("GET", pattern, [](baraza::http::Exchange&) {});
    }
    routes.add("POST", "/webhooks/whatsapp", [](baraza::http::Exchange&) {});
    routes.add("POST", "/webhooks/whatsapp/{app}", [](baraza::http::Exchange&) {});
    routes.add("POST", "/flows/{tenant}", [](baraza::http::Exchange&) {});
    return routes;
  }();
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace baraza::http;
  wire::RequestParser parser;
  wire::limit(parser, kMaxBody);
  // As the server and client read: the head alone first (its announced length is checked before
  // the body is touched), then the rest.
  parser.eager(false);
  boost::system::error_code ec;
  size_t used = 0;
  bool headChecked = false;
  while (used < size && !parser.is_done()) {
    const size_t n = parser.put(boost::asio::buffer(data + used, size - used), ec);
    if (ec == boost::beast::http::error::need_more) break;
    if (ec) return 0;  // answered 400, 413 or 431: nothing reaches a route
    if (parser.is_header_done() && !headChecked) {
      headChecked = true;
      parser.eager(true);
      if (wire::announcesTooMuch(parser, kMaxBody)) return 0;  // answered 413
    }
    if (n == 0) break;
    used += n;
  }
  if (!parser.is_done()) return 0;  // the server would wait for more
  Request request = wire::toRequest(parser.get(), true, "127.0.0.1");
  if (request.body.size() > kMaxBody) baraza::fuzz::finding("a body over the limit was read whole");
  try {
    Exchange exchange(std::move(request));
    std::map<std::string, std::string> params;
    const Router::Match match = router().match(exchange.method(), exchange.path(), params);
    if (match.handler != nullptr && (exchange.path().empty() || exchange.path()[0] != '/')) {
      baraza::fuzz::finding("routed a path that does not start with '/': " + exchange.path());
    }
  } catch (const HttpError& e) {
    if (e.status() != 400) baraza::fuzz::finding("a malformed target answered " + std::to_string(e.status()));
  }
  return 0;
}
