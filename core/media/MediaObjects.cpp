#include "media/MediaObjects.h"

#include <nlohmann/json.hpp>

namespace baraza::media {

using nlohmann::json;

StatusOr<std::unique_ptr<plugins::MediaWriter>> openObject(const plugins::PluginInstance& store,
                                                           const std::string& tenant,
                                                           const std::string& sha256, int64_t size,
                                                           const std::string& mimeType) {
  return store.openMediaWriter(
      json{{"tenant", tenant}, {"sha256", sha256}, {"size", size}, {"mime_type", mimeType}}.dump());
}

StatusOr<std::string> commitObject(plugins::MediaWriter& writer) {
  StatusOr<std::string> committed = writer.commit();
  if (!committed.isOk()) return committed.status();
  const json stored = json::parse(*committed, nullptr, false);
  if (!stored.is_object() || !stored.contains("key") || !stored["key"].is_string())
    return internal("media.commit answered no key");
  return stored["key"].get<std::string>();
}

}  // namespace baraza::media
