// The WhatsApp client's side of the Flows data endpoint, for tests: requests encrypted for the
// host's key, answers decrypted.
#pragma once

#include <string>

#include "crypto/Crypto.h"

namespace baraza::testing {

inline std::string randomBytes(size_t n) {
  std::string out(n, '\0');
  crypto::randomBytes(reinterpret_cast<uint8_t*>(out.data()), n);
  return out;
}

/** What the WhatsApp client does: a fresh AES key and IV per request, the key wrapped for us. */
struct ClientRequest {
  std::string body, aesKey, iv;
};
inline ClientRequest encrypt(const crypto::RsaPrivateKey& key, const std::string& plaintext) {
  ClientRequest r{"", randomBytes(16), randomBytes(16)};
  r.body = R"({"encrypted_flow_data":")" +
           crypto::base64Encode(crypto::aesGcmEncrypt(r.aesKey, r.iv, "", plaintext).value()) +
           R"(","encrypted_aes_key":")" +
           crypto::base64Encode(key.encryptOaepSha256(r.aesKey).value()) +
           R"(","initial_vector":")" + crypto::base64Encode(r.iv) + R"("})";
  return r;
}

/** The client's side of a response: flipped IV, bare base64. */
inline std::string decryptReply(const ClientRequest& r, const std::string& body) {
  std::string flipped = r.iv;
  for (char& c : flipped) c = static_cast<char>(~static_cast<unsigned char>(c));
  auto bytes = crypto::base64Decode(body);
  if (!bytes) return "<not base64: " + body + ">";
  return crypto::aesGcmDecrypt(r.aesKey, flipped, "", *bytes).value_or("<does not decrypt>");
}

/** The X-Hub-Signature-256 value Meta sends with `body`. */
inline std::string metaSignature(const std::string& appSecret, const std::string& body) {
  return "sha256=" + crypto::toHex(crypto::hmacSha256(appSecret, body));
}

}  // namespace baraza::testing
