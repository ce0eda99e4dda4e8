#pragma once

#include <string>
#include <vector>

#include "common/Status.h"
#include "crypto/Crypto.h"

namespace baraza::flows {

/** A decrypted Flows data-endpoint request and what is needed to answer it. */
struct DecryptedRequest {
  std::string plaintext;  // UTF-8 JSON, exactly as the client encrypted it
  std::string aesKey;     // 16 bytes
  std::string iv;         // 16 bytes, as received (responses use it flipped)
};

/**
 * The byte-exact WhatsApp Flows endpoint encryption (reference §1.3–1.4):
 *   request:  AES key = RSA-OAEP(SHA-256, MGF1-SHA-256) of encrypted_aes_key, tried with each
 *             private key in turn (rotation); payload = AES-128-GCM with the 16-byte
 *             initial_vector, the tag in the last 16 bytes of encrypted_flow_data;
 *   response: AES-128-GCM under the same key with every IV byte flipped, body = bare base64.
 * Any failure to decrypt is one outcome (FAILED_PRECONDITION, answered 421 so the client
 * re-fetches the public key); the message says which step failed, for logs only.
 */
StatusOr<DecryptedRequest> decryptRequest(const std::string& envelopeJson,
                                          const std::vector<crypto::RsaPrivateKey>& keys);

/** base64(AES-128-GCM(key, ~iv, plaintext) || tag): the response body. */
StatusOr<std::string> encryptResponse(const std::string& plaintext, const std::string& aesKey,
                                      const std::string& iv);

}  // namespace baraza::flows
