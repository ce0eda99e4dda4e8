// fsmedia: the default media store. Objects are content-addressed files under the configured
// root, one folder per tenant (FileStore.h); `get` gives the file's path, so the host reads it
// directly.
#include <baraza/sdk/Documents.hpp>

#include "FileStore.h"

namespace {

using baraza::fsmedia::FileStore;
using baraza::fsmedia::StoredObject;
using baraza::sdk::MediaKey;
using baraza::sdk::Status;
using baraza::sdk::StatusOr;

class Writer final : public baraza::sdk::TypedMediaWriter {
 public:
  explicit Writer(std::unique_ptr<FileStore::Writer> file) : file_(std::move(file)) {}
  Status write(std::string_view bytes) override { return file_->write(bytes); }
  StatusOr<StoredObject> commitObject() override {
    StatusOr<StoredObject> stored = file_->commit();
    if (stored.isOk()) stored->path.clear();  // commit answers key, size and hash
    return stored;
  }

 private:
  std::unique_ptr<FileStore::Writer> file_;
};

class FsMedia : public baraza::sdk::TypedMedia {
 public:
  FsMedia(baraza::sdk::Host, std::string_view configJson)
      : store_(nlohmann::json::parse(configJson).at("root").get<std::string>()) {}

  StatusOr<StoredObject> get(const MediaKey& key) override { return store_.stat(key.key); }

  StatusOr<std::unique_ptr<baraza::sdk::MediaWriter>> openWriter(
      const baraza::sdk::MediaWrite& write) override {
    StatusOr<std::unique_ptr<FileStore::Writer>> file = store_.open(write.tenant, write.sha256);
    if (!file.isOk()) return file.status();
    return std::unique_ptr<baraza::sdk::MediaWriter>(new Writer(std::move(*file)));
  }

  StatusOr<size_t> read(std::string_view key, uint64_t offset, char* out,
                        size_t capacity) override {
    return store_.read(key, offset, out, capacity);
  }

  Status remove(const MediaKey& key) override { return store_.remove(key.key); }

  Status health() override { return store_.writable(); }

 private:
  FileStore store_;
};

}  // namespace

BARAZA_PLUGIN(BARAZA_PLUGIN_ID, BARAZA_PLUGIN_VERSION, FsMedia)
