// Shared by the http_request and http_response targets: bytes fed to a Beast parser the way the
// server and the client read a connection.
#pragma once

#include <boost/asio/buffer.hpp>
#include <cstddef>
#include <cstdint>

#include "http/Wire.h"

namespace baraza::fuzz {

/**
 * Feeds `data` to `parser` (limits already set) as HttpServer and HttpClient read: the head alone
 * first, its announced length checked before the body is touched, then the rest. When the bytes
 * end before the message does, `closeEndsBody` treats that as the peer closing (a response whose
 * body runs to the close). True when a whole message was read within the limits.
 */
template <class Parser>
bool readWhole(Parser& parser, const uint8_t* data, size_t size, size_t maxBodyBytes,
               bool closeEndsBody) {
  boost::system::error_code ec;
  parser.eager(false);
  size_t used = 0;
  bool headChecked = false;
  while (used < size && !parser.is_done()) {
    const size_t n = parser.put(boost::asio::buffer(data + used, size - used), ec);
    if (ec == boost::beast::http::error::need_more) break;
    if (ec) return false;  // refused: 400/413/431 by the server, a failed call for the client
    if (parser.is_header_done() && !headChecked) {
      headChecked = true;
      if (http::wire::announcesTooMuch(parser, maxBodyBytes)) return false;  // refused unread
      parser.eager(true);
    }
    if (n == 0) break;
    used += n;
  }
  if (parser.is_done()) return true;
  if (!closeEndsBody || !parser.got_some()) return false;  // still waiting, or nothing arrived
  parser.put_eof(ec);
  return !ec && parser.is_done();
}

}  // namespace baraza::fuzz
