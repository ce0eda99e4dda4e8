// How the outbox keeps a message's provider request, so that dispatch reads it without parsing
// the request body: a one-line JSON header, a newline, then the body exactly as it will be sent.
#pragma once

#include <string>

namespace baraza::outbound {

/** A channel plugin's built request (its build_send output), as dispatch needs it. */
struct StoredRequest {
  std::string recipient;  // "+<country><number>", or "" for calls without one
  bool pairRate = true;   // counts toward the recipient's pair rate
  std::string method, url;
  std::string
      service;       // the upstream whose base URL the operator may override (HttpRequest::service)
  std::string type;  // the body's "type" (or "status" for mark-as-read), for the messages table
  std::string body;  // JSON text, or "" for a request without a body

  /**
   * From build_send output: {"recipient", "pair_rate", "request": {"method", "url", "service",
   * "body"}}. Throws Poco::Exception when it is not JSON or has no method or url.
   */
  static StoredRequest fromChannelOutput(const std::string& built);
  /** The outbox payload. */
  std::string encode() const;
  /**
   * From an outbox payload: this layout, or build_send output stored verbatim (what earlier
   * versions queued). Throws Poco::Exception when it is neither.
   */
  static StoredRequest decode(const std::string& payload);
};

}  // namespace baraza::outbound
