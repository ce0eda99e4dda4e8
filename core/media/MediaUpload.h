// Local files and stored media items sent as media: checked against WhatsApp's limits, uploaded
// once per sending number while the provider's id for them lives.
#pragma once

#include <functional>
#include <string>

#include "common/Status.h"
#include "store/Database.h"
#include "tenants/TenantSet.h"

namespace baraza::media {

/**
 * The access token a tenant's calls to the provider carry now: the tenant file's
 * whatsapp.access_token, or, in `baraza serve`, the long-lived token the dispatcher exchanged it
 * for while that one replaces it (outbound::Dispatcher::accessToken). Empty: the tenant has none.
 */
using AccessToken = std::function<std::string(const tenants::TenantConfig&)>;

/** The tenant file's token: what a process without a dispatcher (the CLI) uses. */
std::string fileToken(const tenants::TenantConfig& tenant);

/** What a file is sent by. */
struct UploadedMedia {
  std::string mediaId;   // the provider's id for the bytes
  std::string mimeType;  // as uploaded
  bool reused = false;   // an earlier upload of the same bytes, still alive
};

/** How long an uploaded id is used: Meta keeps it 30 days; one is left as a margin. */
constexpr int64_t kUploadLifetimeMs = 29LL * 24 * 3600 * 1000;

/** The MIME type a file name's extension stands for among those WhatsApp allows; "" if none. */
std::string mimeTypeOfFile(const std::string& path);

/**
 * The provider id to send the file at `path` by, as media of kind `kind` (image, audio, video,
 * document, sticker) from `phoneNumberId` of `tenant`. Its type (from its extension) and size are
 * checked first (INVALID_ARGUMENT / RESOURCE_EXHAUSTED, nothing uploaded). The id of an earlier
 * upload of the same bytes from that number is reused while it lives; otherwise the tenant's
 * channel plugin uploads it (channel.upload_media) and the id is recorded.
 */
StatusOr<UploadedMedia> uploadForSending(store::Database& db, const tenants::Tenant& tenant,
                                         const std::string& phoneNumberId, const std::string& kind,
                                         const std::string& path,
                                         const AccessToken& token = fileToken);

/**
 * The provider id to send the tenant's stored media item `storedId` by, as media of kind `kind`:
 * INVALID_ARGUMENT when the tenant has no such stored item or it is not of a type or size the kind
 * takes. Reused as uploadForSending does; otherwise uploaded from the media plugin's local file
 * (or a temporary copy when it has none).
 */
StatusOr<UploadedMedia> uploadStoredForSending(store::Database& db, const tenants::Tenant& tenant,
                                               const std::string& phoneNumberId,
                                               const std::string& kind, int64_t storedId,
                                               const AccessToken& token = fileToken);

}  // namespace baraza::media
