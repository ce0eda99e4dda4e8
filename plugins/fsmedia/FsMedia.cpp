// fsmedia: the default media store. Objects are content-addressed files under the configured
// root, one folder per tenant (FileStore.h); `get` gives the file's path, so the host reads it
// directly.
#include <baraza/sdk/Plugin.hpp>
#include <nlohmann/json.hpp>

#include "FileStore.h"

namespace {

using baraza::fsmedia::FileStore;
using baraza::fsmedia::StoredObject;
using baraza::sdk::Status;
using baraza::sdk::StatusOr;
using nlohmann::json;

json parse(std::string_view text) {
  json j = json::parse(text, nullptr, false);
  if (!j.is_object()) throw std::invalid_argument("not a JSON object");
  return j;
}

std::string keyOf(std::string_view input) {
  const json j = parse(input);
  if (!j.contains("key") || !j["key"].is_string()) throw std::invalid_argument("key: required");
  return j["key"].get<std::string>();
}

std::string describe(const StoredObject& o, bool withPath) {
  json out{{"key", o.key}, {"size", o.size}, {"sha256", o.sha256}};
  if (withPath) out["path"] = o.path;
  return out.dump();
}

class Writer final : public baraza::sdk::MediaWriter {
 public:
  explicit Writer(std::unique_ptr<FileStore::Writer> file) : file_(std::move(file)) {}
  Status write(std::string_view bytes) override { return file_->write(bytes); }
  StatusOr<std::string> commit() override {
    StatusOr<StoredObject> stored = file_->commit();
    if (!stored.isOk()) return stored.status();
    return describe(*stored, false);
  }

 private:
  std::unique_ptr<FileStore::Writer> file_;
};

class FsMedia : public baraza::sdk::Media {
 public:
  FsMedia(baraza::sdk::Host, std::string_view configJson)
      : store_(parse(configJson).at("root").get<std::string>()) {}

  StatusOr<std::string> get(std::string_view input) override {
    StatusOr<StoredObject> found = store_.stat(keyOf(input));
    if (!found.isOk()) return found.status();
    return describe(*found, true);
  }

  StatusOr<std::unique_ptr<baraza::sdk::MediaWriter>> openWriter(
      std::string_view metaJson) override {
    const json meta = parse(metaJson);
    const std::string tenant = meta.value("tenant", "");
    const std::string sha = meta.value("sha256", "");
    StatusOr<std::unique_ptr<FileStore::Writer>> file = store_.open(tenant, sha);
    if (!file.isOk()) return file.status();
    return std::unique_ptr<baraza::sdk::MediaWriter>(new Writer(std::move(*file)));
  }

  StatusOr<size_t> read(std::string_view key, uint64_t offset, char* out,
                        size_t capacity) override {
    return store_.read(key, offset, out, capacity);
  }

  StatusOr<std::string> remove(std::string_view input) override {
    Status removed = store_.remove(keyOf(input));
    if (!removed.isOk()) return removed;
    return std::string("{}");
  }

  Status health() override { return store_.writable(); }

 private:
  FileStore store_;
};

}  // namespace

BARAZA_PLUGIN(BARAZA_PLUGIN_ID, BARAZA_PLUGIN_VERSION, FsMedia)
