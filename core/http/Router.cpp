#include "http/Router.h"

#include <Poco/StringTokenizer.h>

namespace baraza::http {
namespace {

std::vector<std::string> split(const std::string& path) {
  Poco::StringTokenizer tokens(path, "/", Poco::StringTokenizer::TOK_IGNORE_EMPTY);
  return {tokens.begin(), tokens.end()};
}

bool isParam(const std::string& segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

}  // namespace

void Router::add(const std::string& method, const std::string& pattern, Handler handler,
                 Runs runs) {
  routes_.push_back({method, split(pattern), std::move(handler), runs});
}

Router::Match Router::match(const std::string& method, const std::string& path,
                            std::map<std::string, std::string>& params) const {
  Match result;
  const std::vector<std::string> segments = split(path);
  for (const auto& route : routes_) {
    if (route.segments.size() != segments.size()) continue;
    std::map<std::string, std::string> found;
    bool ok = true;
    for (size_t i = 0; ok && i < segments.size(); ++i) {
      if (isParam(route.segments[i])) {
        found[route.segments[i].substr(1, route.segments[i].size() - 2)] = segments[i];
      } else {
        ok = route.segments[i] == segments[i];
      }
    }
    if (!ok) continue;
    if (route.method == method) {
      params = std::move(found);
      result.handler = &route.handler;
      result.runs = route.runs;
      return result;
    }
    result.pathKnown = true;
    result.allowed += (result.allowed.empty() ? "" : ", ") + route.method;
  }
  return result;
}

}  // namespace baraza::http
