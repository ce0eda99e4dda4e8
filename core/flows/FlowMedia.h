// Media a person picked in a Flow (PhotoPicker, DocumentPicker): the data-endpoint request names a
// file on Meta's CDN, encrypted for the endpoint, with the keys to read it (reference §1.13).
#pragma once

#include <string>
#include <string_view>

#include "common/Status.h"

namespace baraza::flows {

/** A media entry's encryption_metadata, base64-decoded. */
struct MediaEncryption {
  std::string encryptionKey;  // AES-256 key, 32 bytes
  std::string hmacKey;        // HMAC-SHA256 key
  std::string iv;             // 16 bytes
  std::string plaintextHash;  // SHA-256 of the file, 32 bytes
  std::string encryptedHash;  // SHA-256 of the CDN file, 32 bytes

  /**
   * From the encryption_metadata object (JSON text); INVALID_ARGUMENT naming the member that is
   * missing, not base64, or of the wrong length.
   */
  static StatusOr<MediaEncryption> fromJson(const std::string& metadataJson);
};

/**
 * The file a CDN blob holds: the blob is ciphertext followed by the first 10 bytes of
 * HMAC-SHA256(hmacKey, iv || ciphertext). In order: SHA-256 of the blob against encryptedHash,
 * the HMAC (compared in constant time), AES-256-CBC with PKCS#7 padding, SHA-256 of the plaintext
 * against plaintextHash. DATA_LOSS naming the check that failed: nothing partial comes back.
 */
StatusOr<std::string> decryptMedia(std::string_view cdnFile, const MediaEncryption& keys);

}  // namespace baraza::flows
