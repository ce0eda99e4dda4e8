#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace baraza::http {

/** Thrown by handlers to answer with a status and a JSON error message. */
class HttpError : public std::runtime_error {
 public:
  HttpError(int status, const std::string& message)
      : std::runtime_error(message), status_(status) {}
  int status() const { return status_; }

 private:
  int status_;
};

using Fields = std::vector<std::pair<std::string, std::string>>;

/** A request as the server read it: the whole body is in, already held to the body limit. */
struct Request {
  std::string method;
  std::string target;  // path and query string, as sent
  Fields headers;
  std::string body;
  std::string remote;  // the peer's address, without the port
};

/** A response as a handler left it; the server adds Date, Server, Content-Length, Connection. */
struct Response {
  int status = 0;
  std::string contentType;
  std::string body;
  Fields headers;
};

class Later;

/**
 * One request and its response, as a handler sees it. A handler answers with send() before it
 * returns, or takes later() and answers from wherever the work finishes.
 */
class Exchange : public std::enable_shared_from_this<Exchange> {
 public:
  /** Throws HttpError(400) when the target is not a valid URI. */
  explicit Exchange(Request request);

  const std::string& method() const { return request_.method; }
  /** The path without the query string, percent-decoded. */
  const std::string& path() const { return path_; }
  /** A `{name}` segment of the route pattern. */
  std::string param(const std::string& name) const;
  /** A query parameter, or "" when absent. */
  std::string query(const std::string& name) const;
  bool hasQuery(const std::string& name) const { return query_.count(name) > 0; }
  /** A request header (the name in any case), or nullopt when absent. */
  std::optional<std::string> header(std::string_view name) const;
  /** The client's address (without the port). */
  const std::string& remote() const { return request_.remote; }
  /** The whole body; the server refused it with 413 before the handler ran if it was too large. */
  const std::string& body() const { return request_.body; }

  /** Answers. Only the first answer counts; later ones are ignored. */
  void send(int status, std::string_view body, const std::string& contentType);
  void sendJson(int status, std::string_view json) { send(status, json, "application/json"); }
  /** {"error": {"status": N, "message": "..."}} */
  void sendError(int status, const std::string& message);
  /** Adds a response header (e.g. Allow); before the answer. */
  void setHeader(std::string name, std::string value) {
    response_.headers.emplace_back(std::move(name), std::move(value));
  }
  bool sent() const { return sent_.load(std::memory_order_acquire); }

  /**
   * Lets the handler return without answering: the answer is whatever is sent through the
   * returned Later, from any thread. The handler may still read the request; it answers and
   * annotates only through the Later from then on. If every copy of the Later is dropped
   * unanswered, the client gets a 500.
   */
  Later later();

  /**
   * Runs `job` on a handler thread. For a handler on the loop whose remaining work may block:
   * take later() first, move it into the job, and answer from there. If the job throws, it is
   * logged, and the Later it held answers 500.
   */
  void onWorker(std::function<void()> job);

  /** Adds a field to this request's access-log line (e.g. the tenant). Never a secret. */
  void annotate(const std::string& key, const std::string& value) { logFields_[key] = value; }

  int status() const { return response_.status; }
  size_t bytesIn() const { return request_.body.size(); }
  size_t bytesOut() const { return response_.body.size(); }
  const std::map<std::string, std::string>& logFields() const { return logFields_; }
  std::map<std::string, std::string>& params() { return params_; }

  // For the server.
  /** Called once, on whichever thread answers last of: the handler returning, every Later. */
  void onAnswered(std::function<void()> done) { onAnswered_ = std::move(done); }
  /** The handler returned (answered or not). */
  void handlerReturned() { release(); }
  /** Where onWorker() sends jobs (it runs them at once when unset). */
  void setWorkers(const std::function<void(std::function<void()>)>* workers) { workers_ = workers; }
  bool deferred() const { return deferred_; }
  Response& response() { return response_; }

 private:
  friend class Later;
  void release();

  Request request_;
  std::string path_;
  std::map<std::string, std::string> query_;
  std::map<std::string, std::string> params_;
  std::map<std::string, std::string> logFields_;
  Response response_;
  std::atomic<bool> sent_{false};
  std::atomic<int> holds_{1};  // the handler, and each Later not yet answered
  bool deferred_ = false;
  std::function<void()> onAnswered_;
  const std::function<void(std::function<void()>)>* workers_ = nullptr;
};

/** The answer to an exchange whose handler returned without one (Exchange::later). Copyable. */
class Later {
 public:
  void send(int status, std::string_view body, const std::string& contentType);
  void sendJson(int status, std::string_view json) { send(status, json, "application/json"); }
  void sendError(int status, const std::string& message);
  /** As Exchange::annotate; before the answer. */
  void annotate(const std::string& key, const std::string& value);

 private:
  friend class Exchange;
  struct Hold;
  explicit Later(std::shared_ptr<Hold> hold) : hold_(std::move(hold)) {}
  std::shared_ptr<Hold> hold_;
};

}  // namespace baraza::http
