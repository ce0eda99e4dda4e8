// Media a person picked in a Flow (PhotoPicker, DocumentPicker; reference §1.13), kept like any
// inbound media: downloaded from Meta's CDN, checked and decrypted (flows::decryptMedia), written
// to the tenant's media plugin and recorded as a stored media item.
#pragma once

#include <string>

#include "common/Status.h"
#include "http/HttpClient.h"
#include "store/Database.h"
#include "tenants/TenantManager.h"

namespace baraza::media {

class FlowMediaStore {
 public:
  FlowMediaStore(store::DatabasePtr db, const tenants::TenantManager& tenants,
                 const http::HttpClient& client)
      : db_(std::move(db)), tenants_(tenants), client_(client) {}

  /**
   * A Flow data request's `data` (JSON) with each media entry ({"media_id", "cdn_url",
   * "file_name", "encryption_metadata"}, wherever it is) replaced by the stored item:
   * {"media_id" (the host's id), "file_name", "mime_type", "size", "sha256"}. A tenant without a
   * media plugin gets the data back as sent. An entry that cannot be fetched, fails a check or
   * cannot be stored fails the whole request (UNAVAILABLE, DATA_LOSS, ...): the person sees
   * Meta's error and can send again. The same entry again (a retried request) is not stored twice.
   */
  StatusOr<std::string> resolve(const std::string& tenant, const std::string& dataJson) const;

 private:
  store::DatabasePtr db_;
  const tenants::TenantManager& tenants_;
  const http::HttpClient& client_;
};

}  // namespace baraza::media
