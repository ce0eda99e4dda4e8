// Test helper: one HTTP request to a server on 127.0.0.1, on a fresh connection.
#pragma once

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace baraza::testing {

struct HttpCall {
  std::string method = "GET";
  std::string path = "/";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  bool chunked = false;
};

struct HttpReply {
  int status = 0;
  std::string body;
  std::string contentType;
};

inline HttpReply httpCall(uint16_t port, const HttpCall& call) {
  Poco::Net::HTTPClientSession session("127.0.0.1", port);
  session.setTimeout(Poco::Timespan(30, 0));
  Poco::Net::HTTPRequest request(call.method, call.path, Poco::Net::HTTPMessage::HTTP_1_1);
  for (const auto& [name, value] : call.headers) request.set(name, value);
  if (call.chunked) {
    request.setChunkedTransferEncoding(true);
  } else if (!call.body.empty() || call.method == "POST") {
    request.setContentLength64(static_cast<Poco::Int64>(call.body.size()));
  }
  session.sendRequest(request) << call.body;
  Poco::Net::HTTPResponse response;
  HttpReply reply;
  Poco::StreamCopier::copyToString(session.receiveResponse(response), reply.body);
  reply.status = response.getStatus();
  reply.contentType = response.getContentType();
  return reply;
}

}  // namespace baraza::testing
