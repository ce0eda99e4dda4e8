// libFuzzer target for what the HTTP client reads from a server (Graph, OpenAI, KRA, or whatever
// answers instead): the response under the client's limits (http/Wire) and the HttpResponse made
// of it, which plugins receive. Input: the bytes a server sends, as one response.
#include "FuzzSupport.h"
#include "http/Wire.h"

#include <boost/asio/buffer.hpp>

#include <cctype>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace baraza::http;
  constexpr size_t kMaxBody = 64 * 1024;
  wire::ResponseParser parser;
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
    if (ec) return 0;  // the call fails
    if (parser.is_header_done() && !headChecked) {
      headChecked = true;
      parser.eager(true);
      if (wire::announcesTooMuch(parser, kMaxBody)) return 0;  // the call fails, unread
    }
    if (n == 0) break;
    used += n;
  }
  if (!parser.is_done()) {
    if (!parser.got_some()) return 0;  // nothing arrived: the connection failed
    parser.put_eof(ec);  // the server closed the connection: a body up to the close is whole
    if (ec || !parser.is_done()) return 0;
  }
  const baraza::HttpResponse response = wire::toResponse(parser.release());
  if (response.body.size() > kMaxBody) baraza::fuzz::finding("a body over the limit was read whole");
  if (response.status < 0 || response.status > 999) baraza::fuzz::finding("status " + std::to_string(response.status));
  for (const auto& [name, value] : response.headers) {
    for (const char c : name) {
      if (std::isupper(static_cast<unsigned char>(c))) baraza::fuzz::finding("header name not lower-case: " + name);
    }
  }
  return 0;
}
