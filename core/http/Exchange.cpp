#include "http/Exchange.h"

#include <baraza/sdk/Json.hpp>

#include <Poco/URI.h>

namespace baraza::http {

Exchange::Exchange(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response,
                   size_t maxBodyBytes)
    : request_(request), response_(response), maxBodyBytes_(maxBodyBytes) {
  try {
    Poco::URI uri(request.getURI());
    path_ = uri.getPath();
    for (const auto& [name, value] : uri.getQueryParameters()) query_.emplace(name, value);
  } catch (const Poco::Exception&) {
    throw HttpError(400, "malformed request URI");
  }
}

std::string Exchange::param(const std::string& name) const {
  auto it = params_.find(name);
  return it == params_.end() ? std::string() : it->second;
}

std::string Exchange::query(const std::string& name) const {
  auto it = query_.find(name);
  return it == query_.end() ? std::string() : it->second;
}

const std::string& Exchange::body() {
  if (bodyRead_) return body_;
  const std::string limit = std::to_string(maxBodyBytes_);
  if (request_.hasContentLength() &&
      request_.getContentLength64() > static_cast<Poco::Int64>(maxBodyBytes_)) {
    throw HttpError(413, "request body exceeds " + limit + " bytes");
  }
  std::istream& in = request_.stream();
  if (request_.hasContentLength()) body_.reserve(static_cast<size_t>(request_.getContentLength64()));
  char buffer[16384];
  while (in) {
    in.read(buffer, sizeof buffer);
    body_.append(buffer, static_cast<size_t>(in.gcount()));
    if (body_.size() > maxBodyBytes_) throw HttpError(413, "request body exceeds " + limit + " bytes");
  }
  bodyRead_ = true;
  return body_;
}

void Exchange::discardBody(size_t cap) {
  std::istream& in = request_.stream();
  char buffer[16384];
  size_t dropped = 0;
  try {
    while (in && dropped < cap) {
      in.read(buffer, sizeof buffer);
      dropped += static_cast<size_t>(in.gcount());
    }
  } catch (const Poco::Exception&) {
    // The client gave up or timed out: nothing more to do.
  }
}

void Exchange::send(int status, std::string_view body, const std::string& contentType) {
  if (sent_) return;
  sent_ = true;
  status_ = status;
  bytesOut_ = body.size();
  response_.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
  response_.setContentType(contentType);
  response_.setContentLength64(static_cast<Poco::Int64>(body.size()));
  response_.send().write(body.data(), static_cast<std::streamsize>(body.size()));
}

void Exchange::sendError(int status, const std::string& message) {
  sendJson(status, "{\"error\":{\"status\":" + std::to_string(status) +
                       ",\"message\":" + sdk::json::quote(message) + "}}");
}

}  // namespace baraza::http
