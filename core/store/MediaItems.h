// The media table: one row per inbound media item (image, audio, video, document, sticker),
// downloaded into the tenant's media plugin after the message naming it is stored.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "store/Claims.h"
#include "store/Database.h"

namespace baraza::store {

/** One media item and where its download stands. */
struct MediaItem {
  int64_t id = 0;
  std::string tenant;
  int64_t messageId = 0;
  std::string providerMediaId;  // the provider's id, valid there for a limited time (7 days)
  std::string phoneNumberId;    // the number that received it
  std::string kind;             // the message type: image, audio, video, document, sticker
  std::string mimeType;         // as the webhook gave it
  std::string sha256;      // the content hash: as the webhook gave it, lower-case hex once stored
  int64_t size = -1;       // bytes, once stored
  std::string storageKey;  // the media plugin's key, once stored
  std::string state;       // pending, downloading, stored, failed
  int attempts = 0;
  std::string error;
  int64_t createdAt = 0, updatedAt = 0;
};

class MediaItems {
 public:
  explicit MediaItems(const Dialect& dialect) : dialect_(dialect) {}

  /**
   * Once per (tenant, provider media id), however often the message is delivered. True when the
   * item is this message's; false when another message named the same media first.
   */
  bool enqueue(Poco::Data::Session& s, const MediaItem& item, int64_t now) const;
  /**
   * An item stored by other means than a download (a Flow's media, decrypted by the host), once
   * per (tenant, provider media id); returns its id, the earlier item's when there is one.
   */
  int64_t insertStored(Poco::Data::Session& s, const MediaItem& item, int64_t now) const;
  std::vector<MediaItem> claim(Poco::Data::Session& s, const std::string& owner, int64_t now,
                               int64_t leaseMs, size_t limit) const;
  /** As Inbox::claimAbandoned: the oldest abandoned item, alone. */
  TakenOver<MediaItem> claimAbandoned(Poco::Data::Session& s, const std::string& owner, int64_t now,
                                      int64_t leaseMs, int maxAttempts) const;
  bool anyAbandoned(Poco::Data::Session& s, int64_t now) const;
  /** Stored under `key`, its bytes' SHA-256 `sha256`; false when `owner` no longer holds it. */
  bool markStored(Poco::Data::Session& s, int64_t id, const std::string& owner,
                  const std::string& key, int64_t size, const std::string& sha256,
                  int64_t now) const;
  /** Pending again at retryAt, or failed for good when retryAt is 0. */
  bool markFailed(Poco::Data::Session& s, int64_t id, const std::string& owner,
                  const std::string& error, int64_t retryAt, int64_t now) const;
  /** A failed item pending again, from its first attempt; false when it is not failed. */
  bool retry(Poco::Data::Session& s, int64_t id, int64_t now) const;

  std::optional<MediaItem> get(Poco::Data::Session& s, int64_t id) const;
  /** Item `id` when it is `tenant`'s: another tenant's is answered exactly like a missing one. */
  std::optional<MediaItem> ofTenant(Poco::Data::Session& s, const std::string& tenant,
                                    int64_t id) const;
  /** Newest first; empty tenant or state: any. */
  std::vector<MediaItem> list(Poco::Data::Session& s, const std::string& tenant,
                              const std::string& state, size_t limit) const;
  /** Up to `limit` stored or failed items last changed before `before`, of ids above `afterId`,
   * in id order. */
  std::vector<MediaItem> settledBefore(Poco::Data::Session& s, int64_t before, int64_t afterId,
                                       size_t limit) const;
  /**
   * Whether an item of `tenant` other than `id` has, or is being downloaded for, the bytes
   * hashing to `sha256`: the file they share must stay.
   */
  bool bytesInUse(Poco::Data::Session& s, const std::string& tenant, const std::string& sha256,
                  int64_t id) const;
  void remove(Poco::Data::Session& s, int64_t id) const;

  /** The items of the messages `messageIds`, in id order. */
  std::vector<MediaItem> ofMessages(Poco::Data::Session& s,
                                    const std::vector<int64_t>& messageIds) const;

 private:
  const Dialect& dialect_;
};

}  // namespace baraza::store
