// Plain HTTP values shared by the host's HTTP client and the plugin host API (no Poco types).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace baraza {

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::string service;  // optional upstream name whose base URL config may override
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  uint32_t timeoutMs = 0;  // 0: the client's default
};

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-case
  std::string body;
};

}  // namespace baraza
