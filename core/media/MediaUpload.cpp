#include "media/MediaUpload.h"

#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <vector>

#include "crypto/Crypto.h"
#include "media/MediaKinds.h"
#include "store/MediaUploads.h"

namespace baraza::media {

using nlohmann::json;

std::string mimeTypeOfFile(const std::string& path) {
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
  const size_t dot = path.rfind('.');
  if (dot == std::string::npos || path.find('/', dot) != std::string::npos) return {};
  std::string extension = path.substr(dot + 1);
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  auto it = kByExtension.find(extension);
  return it == kByExtension.end() ? std::string() : it->second;
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

StatusOr<UploadedMedia> uploadForSending(store::Database& db, const tenants::Tenant& tenant,
                                         const std::string& phoneNumberId,
                                         const std::string& kindName, const std::string& path) {
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
  store::MediaUploads uploads(db.dialect());
  std::optional<std::string> earlier;
  Status read = db.transaction([&](Poco::Data::Session& s) {
    earlier = uploads.find(s, tenant.id(), phoneNumberId, *sha, store::nowMs());
  });
  if (!read.isOk()) return read;
  if (earlier) return UploadedMedia{*earlier, mime, true};

  const plugins::PluginInstancePtr channel = tenant.firstOfKind(BARAZA_KIND_CHANNEL);
  if (!channel)
    return failedPrecondition("tenant " + tenant.id() + " has no running channel plugin");
  if (!tenant.config().accessToken)
    return failedPrecondition("tenant " + tenant.id() + " has no whatsapp.access_token");
  const std::string filename = path.substr(path.rfind('/') + 1);
  StatusOr<std::string> uploaded =
      channel->call(plugins::Operation::kChannelUploadMedia,
                    json{{"phone_number_id", phoneNumberId},
                         {"token", tenant.config().accessToken->reveal()},
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
    uploads.record(s, tenant.id(), phoneNumberId, *sha, id, mime, now, now + kUploadLifetimeMs);
  });
  if (!recorded.isOk()) return recorded;
  return UploadedMedia{id, mime, false};
}

}  // namespace baraza::media
