// libFuzzer target for URI routing (core/http/Router): the request line's method and path are
// outside input. Input: method, a NUL, the path. A match must be a route that exists with its
// parameters taken from the path; no match never names a handler.
#include <cstdint>
#include <map>
#include <string>

#include "FuzzSupport.h"
#include "http/Router.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const baraza::http::Router router = [] {
    baraza::http::Router r;
    for (const char* pattern : {"/healthz", "/readyz", "/metrics", "/webhooks/whatsapp",
                                "/webhooks/whatsapp/{app}", "/flows/{tenant}"}) {
      r.add("GET", pattern, [](baraza::http::Exchange&) {});
    }
    r.add("POST", "/webhooks/whatsapp", [](baraza::http::Exchange&) {});
    r.add("POST", "/webhooks/whatsapp/{app}", [](baraza::http::Exchange&) {});
    r.add("POST", "/flows/{tenant}", [](baraza::http::Exchange&) {});
    return r;
  }();
  const std::string input(reinterpret_cast<const char*>(data), size);
  const size_t nul = input.find('\0');
  if (nul == std::string::npos) return 0;
  const std::string method = input.substr(0, nul), path = input.substr(nul + 1);
  std::map<std::string, std::string> params;
  const auto match = router.match(method, path, params);
  if (!match.handler) return 0;
  if (method != "GET" && method != "POST")
    baraza::fuzz::finding("method " + method + " matched a route");
  for (const auto& [name, value] : params) {
    if (value.empty() || value.find('/') != std::string::npos)
      baraza::fuzz::finding(name + "=" + value + " from " + path);
    if (path.find(value) == std::string::npos)
      baraza::fuzz::finding(name + " is not in the path " + path);
  }
  return 0;
}
