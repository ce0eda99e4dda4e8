#pragma once

#include "http/Exchange.h"

#include <functional>
#include <string>
#include <vector>

namespace baraza::http {

using Handler = std::function<void(Exchange&)>;

/**
 * Method + path pattern -> handler. Patterns are literal segments and `{name}` segments
 * (`/flows/{tenant}`), matched whole; the first matching route wins.
 */
class Router {
 public:
  void add(const std::string& method, const std::string& pattern, Handler handler);

  struct Match {
    const Handler* handler = nullptr;  // null: no route
    bool pathKnown = false;            // the path matched some route with another method (405)
    std::string allowed;               // "GET, POST" for the Allow header
  };
  /** Fills `params` with the `{name}` segments of the matching route. */
  Match match(const std::string& method, const std::string& path,
              std::map<std::string, std::string>& params) const;

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;
    Handler handler;
  };
  std::vector<Route> routes_;
};

}  // namespace baraza::http
