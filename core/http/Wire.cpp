#include "http/Wire.h"

#include <Poco/String.h>

namespace baraza::http::wire {
namespace {

std::string text(boost::beast::string_view view) { return std::string(view.data(), view.size()); }

}  // namespace

void limit(RequestParser& parser, size_t maxBodyBytes) {
  parser.header_limit(kMaxRequestHeaderBytes);
  parser.body_limit(maxBodyBytes);
}

void limit(ResponseParser& parser, size_t maxBodyBytes) {
  parser.header_limit(kMaxResponseHeaderBytes);
  parser.body_limit(maxBodyBytes);
}

Request toRequest(bhttp::request<bhttp::string_body>& message, bool withBody, std::string remote) {
  Request request;
  request.method = text(message.method_string());
  request.target = text(message.target());
  for (const auto& field : message)
    request.headers.emplace_back(text(field.name_string()), text(field.value()));
  if (withBody) request.body = std::move(message.body());
  request.remote = std::move(remote);
  return request;
}

HttpResponse toResponse(bhttp::response<bhttp::string_body>&& message) {
  HttpResponse out;
  out.status = static_cast<int>(message.result_int());
  for (const auto& field : message)
    out.headers[Poco::toLower(text(field.name_string()))] = text(field.value());
  out.body = std::move(message.body());
  return out;
}

}  // namespace baraza::http::wire
