#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "store/Database.h"
#include "store/Events.h"
#include "store/FlowSessions.h"
#include "tenants/TenantManager.h"

namespace baraza::flows {

/** The HTTP answer to one Flows data request. */
struct FlowReply {
  int status = 200;
  std::string body;  // base64 ciphertext, or empty
  std::string contentType = "text/plain";
};

/**
 * A new flow token (128 random bits, URL-safe) and its session, not yet stored: for callers that
 * store it in their own transaction (the outbox does, beside the Flow message carrying it).
 */
StatusOr<store::FlowSession> newFlowSession(const std::string& tenant, const std::string& contact,
                                            const std::string& flow,
                                            const std::string& conversation, int64_t ttlMs);

/**
 * Mints flow tokens: 128 random bits, URL-safe, bound to tenant, contact, flow (the tenant's
 * flow plugin instance) and conversation, valid for `ttlMs`.
 */
StatusOr<std::string> mintFlowToken(store::Database& db, const std::string& tenant,
                                    const std::string& contact, const std::string& flow,
                                    const std::string& conversation, int64_t ttlMs);

/**
 * The WhatsApp Flows data endpoint of every tenant (`POST /flows/{tenant}`), per reference §1:
 *   unknown tenant -> 404; bad or missing X-Hub-Signature-256 -> 432 (empty);
 *   undecryptable with every configured key -> 421 (empty; the client re-fetches the key);
 *   ping -> {"data":{"status":"active"}}; error notification -> kept as an event, answered
 *   {"data":{"acknowledged":true}}; INIT/BACK/data_exchange with an unknown, expired or closed
 *   flow token -> 427 with an encrypted {"error_msg"}; otherwise the flow plugin bound to the
 *   token answers: next screen, an error for the current screen, or completion (the host adds
 *   extension_message_response.params.flow_token and closes the token).
 * Every 200 and 427 body is encrypted under the request's key with the flipped IV.
 */
class FlowEndpoint {
 public:
  FlowEndpoint(const tenants::TenantManager& tenants, store::DatabasePtr db);

  /**
   * What a data request's media entries (PhotoPicker, DocumentPicker: objects with "cdn_url" and
   * "encryption_metadata") become before the flow plugin sees them: `data` (JSON) in, the data to
   * pass on out. The application sets it (media::FlowMediaStore: decrypted and stored); unset, or
   * a request without such entries, passes data on as sent. A failure answers 500.
   */
  using MediaResolver =
      std::function<StatusOr<std::string>(const std::string& tenant, const std::string& dataJson)>;
  void resolveMediaWith(MediaResolver resolver) { resolveMedia_ = std::move(resolver); }

  FlowReply handle(const std::string& tenant, const std::optional<std::string>& signature,
                   const std::string& body);

  /** A request opened by open(), for respond(). */
  struct Opened;
  /** open()'s result: the reply, or the opened request that respond() must finish. */
  struct Opening {
    std::optional<FlowReply> reply;
    std::shared_ptr<const Opened> opened;
  };
  /**
   * handle() in two steps. open() is CPU only (signature, RSA, AES, JSON) and answers what needs
   * nothing else: refusals and pings. respond() finishes the rest, which reads and writes the
   * store and calls the tenant's flow plugin, and so may block.
   */
  Opening open(const std::string& tenant, const std::optional<std::string>& signature,
               const std::string& body);
  FlowReply respond(const Opened& opened);

 private:
  const tenants::TenantManager& tenants_;
  store::DatabasePtr db_;
  MediaResolver resolveMedia_;
};

}  // namespace baraza::flows
