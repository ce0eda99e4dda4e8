#include "media/FlowMediaStore.h"

#include <nlohmann/json.hpp>

#include "crypto/Crypto.h"
#include "flows/FlowMedia.h"
#include "media/MediaObjects.h"
#include "media/MediaUpload.h"
#include "store/MediaItems.h"

namespace baraza::media {

using nlohmann::json;

namespace {

bool isMediaEntry(const json& v) {
  return v.is_object() && v.contains("cdn_url") && v["cdn_url"].is_string() &&
         v.contains("encryption_metadata") && v["encryption_metadata"].is_object();
}

/** Calls `each` on every media entry of `v`, depth first, replacing it with what it returns. */
Status replaceEntries(json& v, const std::function<StatusOr<json>(const json&)>& each) {
  if (isMediaEntry(v)) {
    StatusOr<json> stored = each(v);
    if (!stored.isOk()) return stored.status();
    v = std::move(*stored);
    return Status::ok();
  }
  if (v.is_object() || v.is_array()) {
    for (auto& child : v) {
      if (Status done = replaceEntries(child, each); !done.isOk()) return done;
    }
  }
  return Status::ok();
}

}  // namespace

StatusOr<std::string> FlowMediaStore::resolve(const std::string& tenantId,
                                              const std::string& dataJson) const {
  json data = json::parse(dataJson, nullptr, false);
  if (data.is_discarded()) return invalidArgument("the request's data is not JSON");
  const tenants::TenantPtr tenant = tenants_.current()->byId(tenantId);
  const plugins::PluginInstancePtr store =
      tenant ? tenant->firstOfKind(BARAZA_KIND_MEDIA) : nullptr;
  if (!store || !store->storesMedia()) return dataJson;
  store::MediaItems items(db_->dialect());

  Status done = replaceEntries(data, [&](const json& entry) -> StatusOr<json> {
    StatusOr<flows::MediaEncryption> keys =
        flows::MediaEncryption::fromJson(entry["encryption_metadata"].dump());
    if (!keys.isOk()) return keys.status();
    const std::string fileName = entry.value("file_name", "");
    HttpRequest request;
    request.url = entry["cdn_url"].get<std::string>();
    StatusOr<HttpResponse> fetched = client_.send(request);
    if (!fetched.isOk()) return fetched.status();
    if (fetched->status != 200)
      return unavailable("the Flow media CDN answered HTTP " + std::to_string(fetched->status));
    StatusOr<std::string> plain = flows::decryptMedia(fetched->body, *keys);
    if (!plain.isOk()) return plain.status();

    std::string mime = mimeTypeOfFile(fileName);
    const std::string kind = mime == "image/jpeg" || mime == "image/png" ? "image" : "document";
    if (mime.empty()) mime = "application/octet-stream";
    const std::string sha = crypto::toHex(
        reinterpret_cast<const uint8_t*>(keys->plaintextHash.data()), keys->plaintextHash.size());
    StatusOr<std::unique_ptr<plugins::MediaWriter>> writer =
        openObject(*store, tenantId, sha, static_cast<int64_t>(plain->size()), mime);
    if (!writer.isOk()) return writer.status();
    if (Status written = (*writer)->write(*plain); !written.isOk()) return written;
    StatusOr<std::string> key = commitObject(**writer);
    if (!key.isOk()) return key.status();

    store::MediaItem item;
    item.tenant = tenantId;
    item.providerMediaId = "flow:" + entry.value("media_id", sha);
    item.kind = kind;
    item.mimeType = mime;
    item.sha256 = sha;
    item.size = static_cast<int64_t>(plain->size());
    item.storageKey = *key;
    int64_t id = 0;
    Status recorded = db_->transaction(
        [&](Poco::Data::Session& s) { id = items.insertStored(s, item, store::nowMs()); });
    if (!recorded.isOk()) return recorded;
    return json{{"media_id", id},
                {"file_name", fileName},
                {"mime_type", mime},
                {"size", item.size},
                {"sha256", sha}};
  });
  if (!done.isOk()) return done;
  return data.dump();
}

}  // namespace baraza::media
