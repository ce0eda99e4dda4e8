#include "flows/FlowMedia.h"

#include <Poco/Exception.h>

#include <baraza/sdk/JsonScalars.hpp>
#include <optional>

#include "crypto/Crypto.h"

namespace baraza::flows {
namespace {

constexpr size_t kHmacBytes = 10;  // of the HMAC, at the end of the CDN file

std::string_view view(const crypto::Digest& d) {
  return {reinterpret_cast<const char*>(d.data()), d.size()};
}

}  // namespace

StatusOr<MediaEncryption> MediaEncryption::fromJson(const std::string& metadataJson) {
  std::optional<sdk::json::Scalars> metadata;
  try {
    metadata.emplace(metadataJson);
  } catch (const std::invalid_argument& e) {
    return invalidArgument(std::string("encryption_metadata: ") + e.what());
  }
  if (!metadata->isObject()) return invalidArgument("encryption_metadata: not a JSON object");
  MediaEncryption out;
  struct Field {
    const char* name;
    std::string* into;
    size_t size;  // 0: any length
  };
  for (const Field& f :
       {Field{"encryption_key", &out.encryptionKey, 32}, Field{"hmac_key", &out.hmacKey, 0},
        Field{"iv", &out.iv, 16}, Field{"plaintext_hash", &out.plaintextHash, 32},
        Field{"encrypted_hash", &out.encryptedHash, 32}}) {
    const std::string text = metadata->text(f.name);
    if (text.empty())
      return invalidArgument(std::string("encryption_metadata.") + f.name + ": missing");
    std::optional<std::string> bytes = crypto::base64Decode(text);
    if (!bytes)
      return invalidArgument(std::string("encryption_metadata.") + f.name + ": not base64");
    if (f.size != 0 && bytes->size() != f.size) {
      return invalidArgument(std::string("encryption_metadata.") + f.name + ": " +
                             std::to_string(bytes->size()) + " bytes, not " +
                             std::to_string(f.size));
    }
    *f.into = std::move(*bytes);
  }
  return out;
}

StatusOr<std::string> decryptMedia(std::string_view cdnFile, const MediaEncryption& keys) {
  if (!crypto::constantTimeEquals(view(crypto::sha256(cdnFile)), keys.encryptedHash)) {
    return Status(Code::kDataLoss, "the CDN file's SHA-256 is not encrypted_hash");
  }
  if (cdnFile.size() < kHmacBytes + 16) {
    return Status(Code::kDataLoss, "the CDN file is too short to hold a block and its HMAC");
  }
  const std::string_view ciphertext = cdnFile.substr(0, cdnFile.size() - kHmacBytes);
  const crypto::Digest mac = crypto::hmacSha256(keys.hmacKey, keys.iv + std::string(ciphertext));
  if (!crypto::constantTimeEquals(view(mac).substr(0, kHmacBytes),
                                  cdnFile.substr(cdnFile.size() - kHmacBytes))) {
    return Status(Code::kDataLoss, "the CDN file's HMAC does not check with hmac_key");
  }
  std::optional<std::string> plaintext =
      crypto::aesCbcDecrypt(keys.encryptionKey, keys.iv, ciphertext);
  if (!plaintext) {
    return Status(Code::kDataLoss, "the CDN file does not decrypt with encryption_key (padding)");
  }
  if (!crypto::constantTimeEquals(view(crypto::sha256(*plaintext)), keys.plaintextHash)) {
    return Status(Code::kDataLoss, "the decrypted file's SHA-256 is not plaintext_hash");
  }
  return std::move(*plaintext);
}

}  // namespace baraza::flows
