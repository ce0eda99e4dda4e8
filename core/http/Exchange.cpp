#include "http/Exchange.h"

#include <Poco/Exception.h>
#include <Poco/URI.h>
#include <strings.h>

#include <baraza/sdk/Json.hpp>

namespace baraza::http {
namespace {

std::string errorJson(int status, const std::string& message) {
  return "{\"error\":{\"status\":" + std::to_string(status) +
         ",\"message\":" + sdk::json::quote(message) + "}}";
}

}  // namespace

Exchange::Exchange(Request request) : request_(std::move(request)) {
  try {
    Poco::URI uri(request_.target);
    path_ = uri.getPath();
    // Origin form ("/path?query") or absolute form ("http://host/path"): anything else (a bare
    // "path", "*") names no resource here and must not be routed as if it began with '/'.
    if (path_.empty() || path_.front() != '/') throw Poco::SyntaxException("not an absolute path");
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

std::optional<std::string> Exchange::header(std::string_view name) const {
  for (const auto& [key, value] : request_.headers) {
    if (key.size() == name.size() && strncasecmp(key.data(), name.data(), name.size()) == 0)
      return value;
  }
  return std::nullopt;
}

void Exchange::send(int status, std::string_view body, const std::string& contentType) {
  if (sent_.exchange(true, std::memory_order_acq_rel)) return;
  response_.status = status;
  response_.contentType = contentType;
  response_.body.assign(body.data(), body.size());
}

void Exchange::sendError(int status, const std::string& message) {
  sendJson(status, errorJson(status, message));
}

void Exchange::release() {
  if (holds_.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  std::function<void()> done = std::move(onAnswered_);
  if (done) done();
}

/** Keeps the exchange open until answered; a Later dropped unanswered answers 500. */
struct Later::Hold {
  explicit Hold(std::shared_ptr<Exchange> ex) : exchange(std::move(ex)) {}
  ~Hold() {
    if (answered.exchange(true)) return;
    exchange->sendError(500, "handler sent no response");
    exchange->release();
  }
  std::shared_ptr<Exchange> exchange;
  std::atomic<bool> answered{false};
};

void Exchange::onWorker(std::function<void()> job) {
  if (workers_ == nullptr) return job();
  (*workers_)(std::move(job));
}

Later Exchange::later() {
  deferred_ = true;
  holds_.fetch_add(1, std::memory_order_relaxed);
  return Later(std::make_shared<Later::Hold>(shared_from_this()));
}

void Later::send(int status, std::string_view body, const std::string& contentType) {
  if (hold_->answered.exchange(true)) return;
  hold_->exchange->send(status, body, contentType);
  hold_->exchange->release();
}

void Later::sendError(int status, const std::string& message) {
  sendJson(status, errorJson(status, message));
}

void Later::annotate(const std::string& key, const std::string& value) {
  if (!hold_->answered.load()) hold_->exchange->annotate(key, value);
}

}  // namespace baraza::http
