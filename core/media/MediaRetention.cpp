#include "media/MediaRetention.h"

#include <Poco/Logger.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "store/MediaItems.h"

namespace baraza::media {

using nlohmann::json;

StatusOr<size_t> purgeMedia(store::Database& db, const tenants::TenantManager& tenants,
                            int64_t before, bool dryRun) {
  constexpr size_t kBatch = 100;
  size_t removed = 0;
  const tenants::TenantSetPtr set = tenants.current();
  const store::MediaItems items(db.dialect());
  int64_t after = 0;  // the walk goes by id, past the items kept for a later purge
  while (true) {
    std::vector<store::MediaItem> doomed;
    Status read = db.transaction(
        [&](Poco::Data::Session& s) { doomed = items.settledBefore(s, before, after, kBatch); });
    if (!read.isOk()) return read;
    if (doomed.empty()) return removed;
    for (const store::MediaItem& item : doomed) {
      after = std::max(after, item.id);
      if (dryRun) {
        ++removed;
        continue;
      }
      if (item.state == "stored" && !item.storageKey.empty()) {
        bool shared = false;
        Status checked = db.transaction([&](Poco::Data::Session& s) {
          shared = items.bytesInUse(s, item.tenant, item.sha256, item.id);
        });
        if (!checked.isOk()) return checked;
        if (!shared) {
          const tenants::TenantPtr tenant = set->byId(item.tenant);
          const plugins::PluginInstancePtr store =
              tenant ? tenant->firstOfKind(BARAZA_KIND_MEDIA) : nullptr;
          if (!store) continue;  // kept until the tenant's store runs again
          StatusOr<std::string> gone =
              store->call(plugins::Operation::kMediaRemove, json{{"key", item.storageKey}}.dump());
          if (!gone.isOk()) {
            Poco::Logger::get("baraza.media")
                .warning("media item " + std::to_string(item.id) + ": removing its file: " +
                         gone.status().message() + " (kept, tried again next purge)");
            continue;
          }
        }
      }
      Status deleted = db.transaction([&](Poco::Data::Session& s) { items.remove(s, item.id); });
      if (!deleted.isOk()) return deleted;
      ++removed;
    }
  }
}

}  // namespace baraza::media
