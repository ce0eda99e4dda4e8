// libFuzzer target for what the HTTP client reads from a server (Graph, OpenAI, KRA, or whatever
// answers instead): the response under the client's limits (http/Wire) and the HttpResponse made
// of it, which plugins receive. Input: the bytes a server sends, as one response.
#include <cctype>
#include <cstdint>

#include "FuzzSupport.h"
#include "WireFeed.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace baraza::http;
  constexpr size_t kMaxBody = 64 * 1024;
  wire::ResponseParser parser;
  wire::limit(parser, kMaxBody);
  if (!baraza::fuzz::readWhole(parser, data, size, kMaxBody, true)) return 0;
  const baraza::HttpResponse response = wire::toResponse(parser.release());
  if (response.body.size() > kMaxBody)
    baraza::fuzz::finding("a body over the limit was read whole");
  if (response.status < 0 || response.status > 999)
    baraza::fuzz::finding("status " + std::to_string(response.status));
  for (const auto& [name, value] : response.headers) {
    for (const char c : name) {
      if (std::isupper(static_cast<unsigned char>(c)))
        baraza::fuzz::finding("header name not lower-case: " + name);
    }
  }
  return 0;
}
