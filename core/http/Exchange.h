#pragma once

#include "common/Status.h"

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

#include <chrono>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>

namespace baraza::http {

/** Thrown by handlers (or body()) to answer with a status and a JSON error message. */
class HttpError : public std::runtime_error {
 public:
  HttpError(int status, const std::string& message) : std::runtime_error(message), status_(status) {}
  int status() const { return status_; }

 private:
  int status_;
};

/**
 * One request and its response, as a handler sees it. Poco's types stay reachable for what the
 * helpers do not cover; the helpers keep the access log and the body limit right.
 */
class Exchange {
 public:
  Exchange(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response,
           size_t maxBodyBytes);

  Poco::Net::HTTPServerRequest& request() { return request_; }
  Poco::Net::HTTPServerResponse& response() { return response_; }
  const std::string& method() const { return request_.getMethod(); }
  /** The path without the query string, percent-decoded. */
  const std::string& path() const { return path_; }
  /** A `{name}` segment of the route pattern. */
  std::string param(const std::string& name) const;
  /** A query parameter, or "" when absent. */
  std::string query(const std::string& name) const;
  bool hasQuery(const std::string& name) const { return query_.count(name) > 0; }

  /**
   * The whole body, at most maxBodyBytes. Throws HttpError(413) when it is larger, whether
   * announced by Content-Length or found while reading a chunked body.
   */
  const std::string& body();

  /**
   * Reads and drops what is left of the request body, up to `cap` bytes. Done before closing a
   * connection on a refused body: closing with unread data makes the kernel reset the
   * connection, and the client may never read the refusal.
   */
  void discardBody(size_t cap);

  void send(int status, std::string_view body, const std::string& contentType);
  void sendJson(int status, std::string_view json) { send(status, json, "application/json"); }
  /** {"error": {"status": N, "message": "..."}} */
  void sendError(int status, const std::string& message);
  bool sent() const { return sent_; }

  /** Adds a field to this request's access-log line (e.g. the tenant). Never a secret. */
  void annotate(const std::string& key, const std::string& value) { logFields_[key] = value; }

  int status() const { return status_; }
  size_t bytesIn() const { return bodyRead_ ? body_.size() : 0; }
  size_t bytesOut() const { return bytesOut_; }
  const std::map<std::string, std::string>& logFields() const { return logFields_; }
  std::map<std::string, std::string>& params() { return params_; }

 private:
  Poco::Net::HTTPServerRequest& request_;
  Poco::Net::HTTPServerResponse& response_;
  size_t maxBodyBytes_;
  std::string path_;
  std::map<std::string, std::string> query_;
  std::map<std::string, std::string> params_;
  std::map<std::string, std::string> logFields_;
  std::string body_;
  bool bodyRead_ = false;
  bool sent_ = false;
  int status_ = 0;
  size_t bytesOut_ = 0;
};

}  // namespace baraza::http
