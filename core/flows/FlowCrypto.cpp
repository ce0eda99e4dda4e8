#include "flows/FlowCrypto.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

namespace baraza::flows {
namespace {

constexpr size_t kAesKeySize = 16;
constexpr size_t kIvSize = 16;
constexpr size_t kTagSize = 16;

Status undecryptable(const std::string& why) {
  return failedPrecondition("cannot decrypt: " + why);
}

}  // namespace

StatusOr<DecryptedRequest> decryptRequest(const std::string& envelopeJson,
                                          const std::vector<crypto::RsaPrivateKey>& keys) {
  Poco::JSON::Object::Ptr envelope;
  try {
    Poco::Dynamic::Var parsed = Poco::JSON::Parser().parse(envelopeJson);
    if (parsed.type() == typeid(Poco::JSON::Object::Ptr))
      envelope = parsed.extract<Poco::JSON::Object::Ptr>();
  } catch (const Poco::Exception& e) {
    return undecryptable("the body is not JSON: " + e.message());
  }
  if (envelope.isNull()) return undecryptable("the body is not a JSON object");
  auto field = [&](const char* name) -> std::optional<std::string> {
    if (!envelope->has(name) || !envelope->get(name).isString()) return std::nullopt;
    return crypto::base64Decode(envelope->getValue<std::string>(name));
  };
  const auto data = field("encrypted_flow_data");
  const auto wrappedKey = field("encrypted_aes_key");
  const auto iv = field("initial_vector");
  if (!data || !wrappedKey || !iv) {
    return undecryptable(
        "encrypted_flow_data, encrypted_aes_key and initial_vector must be base64 strings");
  }
  if (iv->size() != kIvSize) return undecryptable("initial_vector is not 16 bytes");
  if (data->size() < kTagSize) return undecryptable("encrypted_flow_data is shorter than its tag");

  std::optional<std::string> aesKey;
  for (const auto& key : keys) {  // current key first; older ones during rotation
    aesKey = key.decryptOaepSha256(*wrappedKey);
    if (aesKey) break;
  }
  if (!aesKey) return undecryptable("no configured private key unwraps encrypted_aes_key");
  if (aesKey->size() != kAesKeySize) return undecryptable("the unwrapped key is not 16 bytes");
  auto plaintext = crypto::aesGcmDecrypt(*aesKey, *iv, "", *data);
  if (!plaintext) return undecryptable("the payload does not authenticate (AES-GCM tag)");
  return DecryptedRequest{std::move(*plaintext), std::move(*aesKey), std::move(*iv)};
}

StatusOr<std::string> encryptResponse(const std::string& plaintext, const std::string& aesKey,
                                      const std::string& iv) {
  std::string flipped = iv;
  for (char& byte : flipped) byte = static_cast<char>(~static_cast<unsigned char>(byte));
  auto sealed = crypto::aesGcmEncrypt(aesKey, flipped, "", plaintext);
  if (!sealed) return internal("response encryption failed");
  return crypto::base64Encode(*sealed);
}

}  // namespace baraza::flows
