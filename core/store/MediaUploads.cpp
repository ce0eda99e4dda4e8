#include "store/MediaUploads.h"

#include "store/Dialect.h"

namespace baraza::store {

using Poco::Data::Keywords::bind;
using Poco::Data::Keywords::into;
using Poco::Data::Keywords::now;

std::optional<std::string> MediaUploads::find(Poco::Data::Session& s, const std::string& tenant,
                                              const std::string& phoneNumberId,
                                              const std::string& sha256, int64_t until) const {
  std::vector<std::string> ids;
  s << "SELECT provider_media_id FROM media_uploads WHERE tenant = ? AND phone_number_id = ? AND "
       "sha256 = ? AND expires_at > ?",
      bind(tenant), bind(phoneNumberId), bind(sha256), bind(until), into(ids), now;
  if (ids.empty()) return std::nullopt;
  return ids.front();
}

void MediaUploads::record(Poco::Data::Session& s, const std::string& tenant,
                          const std::string& phoneNumberId, const std::string& sha256,
                          const std::string& providerMediaId, const std::string& mimeType,
                          int64_t at, int64_t expiresAt) const {
  const Dialect& d = dialect_;
  s << "INSERT INTO media_uploads (tenant, phone_number_id, sha256, provider_media_id, mime_type, "
       "uploaded_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?) " +
           d.onConflict("tenant, phone_number_id, sha256") +
           "provider_media_id = " + d.excluded("provider_media_id") +
           ", mime_type = " + d.excluded("mime_type") +
           ", uploaded_at = " + d.excluded("uploaded_at") +
           ", expires_at = " + d.excluded("expires_at"),
      bind(tenant), bind(phoneNumberId), bind(sha256), bind(providerMediaId), bind(mimeType),
      bind(at), bind(expiresAt), now;
}

}  // namespace baraza::store
