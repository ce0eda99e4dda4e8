#pragma once

#include <Poco/JSON/Object.h>

#include <optional>
#include <string>

#include "media/MediaUpload.h"
#include "store/Database.h"
#include "store/FlowSessions.h"
#include "store/Outbox.h"
#include "tenants/TenantManager.h"

namespace baraza::outbound {

/** A message checked and built by the tenant's channel plugin, ready to store. */
struct PreparedMessage {
  store::OutboundMessage message;  // payload: the channel's request, encoded by StoredRequest
  std::optional<store::FlowSession> flowSession;  // a token minted for a Flow message
};

/**
 * Queueing outbound messages, for every caller (plugins through the host API, conversation
 * replies, `baraza send`, the admin API): the tenant's channel plugin validates the message and
 * builds the provider request; only then is it stored in the outbox, so an invalid message is
 * refused with the reason and nothing is queued.
 *
 * Message JSON is the Graph message object (reference §3: "to", "type", the type's object,
 * "context") plus host fields: "phone_number_id" (the sending number; default the tenant's
 * first), and for Flow messages without a flow_token, "flow_plugin" (the tenant's plugin
 * instance that will answer the Flow's data requests; default its first flow plugin) and
 * "conversation" (kept with the token). The host mints the flow token. A media object may name
 * a stored media item of the tenant by "stored_media_id" instead of "id" or "link".
 */
class OutboundQueue {
 public:
  OutboundQueue(store::DatabasePtr db, const tenants::TenantManager& tenants,
                int64_t flowTokenTtlMs);

  /** Checks and builds; nothing is stored. INVALID_ARGUMENT names what is wrong. */
  StatusOr<PreparedMessage> prepare(const tenants::Tenant& tenant, const std::string& messageJson,
                                    const std::string& idempotencyKey) const;
  /** Stores a prepared message (and its flow token) in the caller's transaction; its id. */
  int64_t store(Poco::Data::Session& s, const PreparedMessage& prepared, int64_t now) const;
  /** store() for many (bulk sends): the messages' outbox rows in few statements; ids in order. */
  std::vector<int64_t> storeAll(Poco::Data::Session& s,
                                const std::vector<PreparedMessage>& prepared, int64_t now) const;
  /** prepare + store in one transaction. NOT_FOUND for an unknown tenant. */
  StatusOr<int64_t> submit(const std::string& tenant, const std::string& messageJson,
                           const std::string& idempotencyKey) const;

  /**
   * Where the token for uploads comes from (media::fileToken until set): `baraza serve` sets the
   * dispatcher's, so an exchanged token is used. Set before the queue is used.
   */
  void useAccessToken(media::AccessToken token) { accessToken_ = std::move(token); }

 private:
  /**
   * A media message naming a stored item of the tenant ("image": {"stored_media_id": N}) is sent
   * by the provider id of its upload from `from` (media::uploadStoredForSending): the upload
   * happens here, once per number and bytes while the id lives.
   */
  Status sendStoredMediaById(const tenants::Tenant& tenant, const std::string& from,
                             const Poco::JSON::Object::Ptr& message) const;

  store::DatabasePtr db_;
  const tenants::TenantManager& tenants_;
  int64_t flowTokenTtlMs_;
  media::AccessToken accessToken_ = media::fileToken;
  store::Outbox outbox_;
  store::FlowSessions flowSessions_;
};

}  // namespace baraza::outbound
