#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "http/HttpClient.h"
#include "media/MediaSettings.h"
#include "media/MediaUpload.h"
#include "store/Database.h"
#include "store/MediaItems.h"
#include "tenants/TenantManager.h"

namespace baraza::media {

/**
 * Downloads inbound media into each tenant's media plugin, after the messages naming it are
 * stored: never on the acknowledgement path, on threads of its own.
 *
 * An item is claimed under a lease (store::MediaItems). Its tenant's channel plugin says where
 * the bytes are (channel.media_source: a short-lived URL, the MIME type, the SHA-256 and the
 * size); an item of a type or size WhatsApp does not allow for its kind (MediaKinds.h) is failed
 * with the reason, nothing downloaded. The bytes stream from the URL (with the tenant's access
 * token) into a writer of the tenant's media plugin piece by piece, hashed on the way; a URL that
 * no longer answers (404, 403, 410) is asked for again once; bytes that do not hash to the
 * expected SHA-256 are dropped and the download tried again, then failed, never stored as good.
 * Failures the provider or the network may get over are retried with backoff up to
 * media.max_attempts; a process that dies mid-download leaves nothing visible (the plugin commits
 * only whole objects) and the item is downloaded again from the start.
 *
 * Retention (media::purgeMedia) removes old items and the files no other item needs.
 *
 * The conversation job of a message with media waits until its media is stored or failed, so the
 * conversation plugin sees the outcome (store::ConversationJobs::release).
 */
class MediaFetcher {
 public:
  MediaFetcher(store::DatabasePtr db, const tenants::TenantManager& tenants,
               const http::HttpClient& client, MediaSettings settings, std::string owner);
  ~MediaFetcher();

  void start();
  /** Lets downloads in progress finish, then stops the workers. */
  void stop();
  /** New items were stored: download them now rather than at the next poll. */
  void wake();
  /** Claims one due item and downloads it (also used by tests); how many (0 or 1). */
  size_t runOnce();
  /**
   * Where the token for downloads comes from (fileToken until set): `baraza serve` sets the
   * dispatcher's, so an exchanged token is used. Set before start().
   */
  void useAccessToken(AccessToken token) { accessToken_ = std::move(token); }

 private:
  void workerLoop();
  /** What became of one download. */
  struct Outcome;
  Outcome fetch(const store::MediaItem& item) const;
  void finish(const store::MediaItem& item, const Outcome& outcome);

  store::DatabasePtr db_;
  const tenants::TenantManager& tenants_;
  const http::HttpClient& client_;
  MediaSettings settings_;
  std::string owner_;
  store::MediaItems items_;
  AccessToken accessToken_ = fileToken;

  std::atomic<bool> abandoned_{true};
  std::mutex mutex_;
  std::condition_variable wake_;
  bool woken_ = false;
  std::atomic<bool> stopping_{false};
  std::vector<std::thread> workers_;
};

}  // namespace baraza::media
