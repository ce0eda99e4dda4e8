// libFuzzer target for what the server reads from a connection: the request head and body under
// the server's limits (http/Wire), the Request made of them, the Exchange's reading of the target
// (path and query) and the routing. Input: the bytes a client sends, as one request.
#include <cstdint>
#include <map>
#include <string>

#include "FuzzSupport.h"
#include "WireFeed.h"
#include "http/Exchange.h"
#include "http/Router.h"

namespace {

constexpr size_t kMaxBody = 64 * 1024;

const baraza::http::Router& router() {
  static const baraza::http::Router r = [] {
    baraza::http::Router routes;
    for (const char* pattern : {"/healthz", "/readyz", "/metrics", "/webhooks/whatsapp",
                                "/webhooks/whatsapp/{app}", "/flows/{tenant}"}) {
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
  if (!baraza::fuzz::readWhole(parser, data, size, kMaxBody, false)) return 0;
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
    if (e.status() != 400)
      baraza::fuzz::finding("a malformed target answered " + std::to_string(e.status()));
  }
  return 0;
}
