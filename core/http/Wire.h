// What the server and the client make of the bytes a peer sends. Boost.Beast parses them under
// the limits set here, and the parsed message becomes the host's own Request or HttpResponse
// here: one place, shared by HttpServer, HttpClient and the http_request / http_response fuzz
// targets, so what is fuzzed is what serves.
#pragma once

#include <boost/beast/http.hpp>
#include <cstddef>
#include <cstdint>
#include <string>

#include "common/HttpTypes.h"
#include "http/Exchange.h"

namespace baraza::http::wire {

namespace bhttp = boost::beast::http;

using RequestParser = bhttp::request_parser<bhttp::string_body>;
using ResponseParser = bhttp::response_parser<bhttp::string_body>;

/** A request head larger than this is refused with 431. */
constexpr uint32_t kMaxRequestHeaderBytes = 32 * 1024;
/** A response head larger than this fails the call. */
constexpr uint32_t kMaxResponseHeaderBytes = 64 * 1024;

/** Sets the head and body limits on a parser about to read a request. */
void limit(RequestParser& parser, size_t maxBodyBytes);
/** Sets the head and body limits on a parser about to read a response. */
void limit(ResponseParser& parser, size_t maxBodyBytes);

/**
 * Whether the head just read announces a body over `maxBodyBytes`. Checked once the head is in,
 * before any of the body is read: Beast 1.74 does not hold a body announced by Content-Length to
 * body_limit (boostorg/beast#2087); a chunked body is held to it while it is read.
 */
template <class Parser>
bool announcesTooMuch(const Parser& parser, size_t maxBodyBytes) {
  const auto length = parser.content_length();
  return length && *length > maxBodyBytes;
}

/** The request as routes see it: method, target, headers in order, and the body when `withBody`. */
Request toRequest(bhttp::request<bhttp::string_body>& message, bool withBody, std::string remote);

/** The response as the host API gives it: status, headers by lower-case name, body. */
HttpResponse toResponse(bhttp::response<bhttp::string_body>&& message);

}  // namespace baraza::http::wire
