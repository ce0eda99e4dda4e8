#include "media/MediaUpload.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <vector>

#include "crypto/Crypto.h"
#include "media/MediaKinds.h"
#include "store/MediaItems.h"
#include "store/MediaUploads.h"

namespace baraza::media {

using nlohmann::json;

namespace {

/** File name extensions of the types WhatsApp takes (reference §4). */
const std::map<std::string, std::string>& typesByExtension() {
  static const std::map<std::string, std::string> kByExtension{
      {"jpg", "image/jpeg"},
      {"jpeg", "image/jpeg"},
      {"png", "image/png"},
      {"webp", "image/webp"},
      {"aac", "audio/aac"},
      {"amr", "audio/amr"},
      {"mp3", "audio/mpeg"},
      {"m4a", "audio/mp4"},
      {"ogg", "audio/ogg"},
      {"opus", "audio/ogg"},
      {"mp4", "video/mp4"},
      {"3gp", "video/3gpp"},
      {"txt", "text/plain"},
      {"pdf", "application/pdf"},
      {"xls", "application/vnd.ms-excel"},
      {"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
      {"doc", "application/msword"},
      {"docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
      {"ppt", "application/vnd.ms-powerpoint"},
      {"pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"},
  };
  return kByExtension;
}

/** ".ext" for a MIME type WhatsApp takes, "" for another. */
std::string mimeTypeExtension(const std::string& mime) {
  for (const auto& [extension, type] : typesByExtension())
    if (type == mime) return "." + extension;
  return {};
}

}  // namespace

std::string fileToken(const tenants::TenantConfig& tenant) {
  return tenant.accessToken ? tenant.accessToken->reveal() : "";
}

std::string mimeTypeOfFile(const std::string& path) {
  const size_t dot = path.rfind('.');
  if (dot == std::string::npos || path.find('/', dot) != std::string::npos) return {};
  std::string extension = path.substr(dot + 1);
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  auto it = typesByExtension().find(extension);
  return it == typesByExtension().end() ? std::string() : it->second;
}

namespace {

/** The file's SHA-256 as hex, read in pieces. */
StatusOr<std::string> hashFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return invalidArgument("cannot read " + path);
  crypto::Sha256 hash;
  std::vector<char> piece(1 << 20);
  while (in) {
    in.read(piece.data(), static_cast<std::streamsize>(piece.size()));
    hash.add(std::string_view(piece.data(), static_cast<size_t>(in.gcount())));
  }
  if (in.bad()) return unavailable("reading " + path + " failed");
  return crypto::toHex(hash.digest());
}

}  // namespace

namespace {

/** The id of an earlier upload of the bytes hashing to `sha256` from the number, while it lives. */
StatusOr<std::optional<std::string>> earlierUpload(store::Database& db,
                                                   const tenants::Tenant& tenant,
                                                   const std::string& phoneNumberId,
                                                   const std::string& sha256) {
  std::optional<std::string> earlier;
  Status read = db.read([&](Poco::Data::Session& s) {
    earlier = store::MediaUploads(db.dialect())
                  .find(s, tenant.id(), phoneNumberId, sha256, store::nowMs());
  });
  if (!read.isOk()) return read;
  return earlier;
}

/** The tenant's channel plugin uploads the file at `path`; its id is recorded for reuse. */
StatusOr<UploadedMedia> upload(store::Database& db, const tenants::Tenant& tenant,
                               const std::string& phoneNumberId, const std::string& sha256,
                               const std::string& mime, const std::string& path,
                               const std::string& filename, const AccessToken& accessToken) {
  const plugins::PluginInstancePtr channel = tenant.firstOfKind(BARAZA_KIND_CHANNEL);
  if (!channel)
    return failedPrecondition("tenant " + tenant.id() + " has no running channel plugin");
  const std::string token = accessToken(tenant.config());
  if (token.empty())
    return failedPrecondition("tenant " + tenant.id() + " has no whatsapp.access_token");
  StatusOr<std::string> uploaded = channel->call(plugins::Operation::kChannelUploadMedia,
                                                 json{{"phone_number_id", phoneNumberId},
                                                      {"token", token},
                                                      {"path", path},
                                                      {"mime_type", mime},
                                                      {"filename", filename}}
                                                     .dump());
  if (!uploaded.isOk()) return uploaded.status();
  const json answer = json::parse(*uploaded, nullptr, false);
  if (!answer.is_object() || !answer.contains("media_id") || !answer["media_id"].is_string())
    return internal("channel.upload_media answered no media_id");
  const std::string id = answer["media_id"].get<std::string>();
  const int64_t now = store::nowMs();
  Status recorded = db.transaction([&](Poco::Data::Session& s) {
    store::MediaUploads(db.dialect())
        .record(s, tenant.id(), phoneNumberId, sha256, id, mime, now, now + kUploadLifetimeMs);
  });
  if (!recorded.isOk()) return recorded;
  return UploadedMedia{id, mime, false};
}

/** A temporary copy of a stored object, for a media plugin that has no local file for it. */
class TemporaryCopy {
 public:
  ~TemporaryCopy() {
    if (!path_.empty()) ::unlink(path_.c_str());
  }
  const std::string& path() const { return path_; }

  Status fill(const plugins::PluginInstance& store, const std::string& key) {
    std::string pattern = std::filesystem::temp_directory_path().string() + "/baraza-upload-XXXXXX";
    const int fd = ::mkstemp(pattern.data());
    if (fd < 0)
      return unavailable("cannot create a temporary file: " + std::string(std::strerror(errno)));
    path_ = pattern;
    std::vector<char> piece(1 << 20);
    uint64_t offset = 0;
    Status outcome;
    for (;;) {
      StatusOr<size_t> n = store.readMedia(key, offset, piece.data(), piece.size());
      if (!n.isOk()) {
        outcome = n.status();
        break;
      }
      if (*n == 0) break;
      if (::write(fd, piece.data(), *n) != static_cast<ssize_t>(*n)) {
        outcome =
            unavailable("writing a temporary copy failed: " + std::string(std::strerror(errno)));
        break;
      }
      offset += *n;
    }
    ::close(fd);
    return outcome;
  }

 private:
  std::string path_;
};

}  // namespace

StatusOr<UploadedMedia> uploadForSending(store::Database& db, const tenants::Tenant& tenant,
                                         const std::string& phoneNumberId,
                                         const std::string& kindName, const std::string& path,
                                         const AccessToken& token) {
  const MediaKind* kind = mediaKind(kindName);
  if (!kind) return invalidArgument(kindName + " is not a kind of media");
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
    return invalidArgument(path + ": not a readable file");
  const std::string mime = mimeTypeOfFile(path);
  // A file whose extension names no type WhatsApp takes is refused by its extension.
  const std::string name = path.substr(path.rfind('/') + 1);
  const std::string shown =
      !mime.empty() || name.find('.') == std::string::npos ? mime : name.substr(name.rfind('.'));
  if (Status ok = checkMimeType(*kind, shown); !ok.isOk())
    return invalidArgument(path + ": " + ok.message());
  if (Status ok = checkSize(*kind, st.st_size); !ok.isOk())
    return Status(ok.code(), path + ": " + ok.message());

  StatusOr<std::string> sha = hashFile(path);
  if (!sha.isOk()) return sha.status();
  StatusOr<std::optional<std::string>> earlier = earlierUpload(db, tenant, phoneNumberId, *sha);
  if (!earlier.isOk()) return earlier.status();
  if (*earlier) return UploadedMedia{**earlier, mime, true};
  return upload(db, tenant, phoneNumberId, *sha, mime, path, name, token);
}

StatusOr<UploadedMedia> uploadStoredForSending(store::Database& db, const tenants::Tenant& tenant,
                                               const std::string& phoneNumberId,
                                               const std::string& kindName, int64_t storedId,
                                               const AccessToken& token) {
  const MediaKind* kind = mediaKind(kindName);
  if (!kind) return invalidArgument(kindName + " is not a kind of media");
  std::optional<store::MediaItem> item;
  Status read = db.read([&](Poco::Data::Session& s) {
    item = store::MediaItems(db.dialect()).ofTenant(s, tenant.id(), storedId);
  });
  if (!read.isOk()) return read;
  const std::string named = "stored media item " + std::to_string(storedId);
  if (!item) return invalidArgument("tenant " + tenant.id() + " has no " + named);
  if (item->state != "stored") return invalidArgument(named + " is " + item->state);
  const std::string mime = baseMimeType(item->mimeType);
  if (Status ok = checkMimeType(*kind, mime); !ok.isOk())
    return invalidArgument(named + " cannot be sent as " + kindName + ": " + ok.message());
  if (Status ok = checkSize(*kind, item->size); !ok.isOk())
    return Status(ok.code(), named + ": " + ok.message());

  StatusOr<std::optional<std::string>> earlier =
      earlierUpload(db, tenant, phoneNumberId, item->sha256);
  if (!earlier.isOk()) return earlier.status();
  if (*earlier) return UploadedMedia{**earlier, mime, true};

  const plugins::PluginInstancePtr store = tenant.firstOfKind(BARAZA_KIND_MEDIA);
  if (!store || !store->storesMedia())
    return failedPrecondition("tenant " + tenant.id() + " has no running media plugin");
  // The file name a document shows when nothing else names it: the bytes' hash.
  const std::string extension = mimeTypeExtension(mime);
  const std::string filename = item->sha256.substr(0, 16) + extension;
  StatusOr<std::string> described =
      store->call(plugins::Operation::kMediaGet, json{{"key", item->storageKey}}.dump());
  if (!described.isOk()) return described.status();
  const json object = json::parse(*described, nullptr, false);
  if (object.is_object() && object.contains("path") && object["path"].is_string())
    return upload(db, tenant, phoneNumberId, item->sha256, mime, object["path"].get<std::string>(),
                  filename, token);
  TemporaryCopy copy;
  if (Status filled = copy.fill(*store, item->storageKey); !filled.isOk()) return filled;
  return upload(db, tenant, phoneNumberId, item->sha256, mime, copy.path(), filename, token);
}

}  // namespace baraza::media
