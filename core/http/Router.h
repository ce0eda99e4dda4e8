#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "http/Exchange.h"

namespace baraza::http {

using Handler = std::function<void(Exchange&)>;

/** Where a route's handler runs. */
enum class Runs {
  /** A handler thread (http.threads of them): it may block on the store, a plugin, a peer. */
  kOnWorker,
  /**
   * The connection's event loop, with no hand-over: it must not block. It answers at once, or
   * takes Exchange::later() and answers when its work is done (a group commit, say).
   */
  kOnLoop,
};

/**
 * Method + path pattern -> handler. Patterns are literal segments and `{name}` segments
 * (`/flows/{tenant}`), matched whole; the first matching route wins.
 */
class Router {
 public:
  void add(const std::string& method, const std::string& pattern, Handler handler,
           Runs runs = Runs::kOnWorker);

  struct Match {
    const Handler* handler = nullptr;  // null: no route
    Runs runs = Runs::kOnWorker;
    bool pathKnown = false;  // the path matched some route with another method (405)
    std::string allowed;     // "GET, POST" for the Allow header
  };
  /** Fills `params` with the `{name}` segments of the matching route. */
  Match match(const std::string& method, const std::string& path,
              std::map<std::string, std::string>& params) const;

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;
    Handler handler;
    Runs runs;
  };
  std::vector<Route> routes_;
};

}  // namespace baraza::http
