// libFuzzer target for the Flows data-endpoint request decoder (core/flows/FlowCrypto).
// The first input byte picks what the rest is:
//   0: the raw request body (envelope JSON) — parsing, base64, lengths, RSA on garbage;
//   1: the plaintext of a correctly encrypted request — it must decrypt to exactly these bytes,
//      and the payload parser the endpoint uses must not misbehave on it;
//   2: the ciphertext of an envelope whose key and IV are valid — tampered data must be refused.
// A wrong answer aborts (a finding), as does any sanitizer report.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "common/JsonText.h"
#include "crypto/Crypto.h"
#include "flows/FlowCrypto.h"

namespace {

using namespace baraza;

struct Fixture {
  std::vector<crypto::RsaPrivateKey> keys;
  std::string aesKey = std::string(16, '\x2a');
  std::string iv = std::string(16, '\x07');
  std::string wrappedKey;  // base64 of RSA-OAEP(aesKey)
};

const Fixture& fixture() {
  static const Fixture f = [] {
    Fixture out;
    out.keys.push_back(*crypto::RsaPrivateKey::generate(2048));
    out.wrappedKey = crypto::base64Encode(*out.keys.front().encryptOaepSha256(out.aesKey));
    return out;
  }();
  return f;
}

std::string envelope(const std::string& sealed, const Fixture& f) {
  return R"({"encrypted_flow_data":")" + crypto::base64Encode(sealed) +
         R"(","encrypted_aes_key":")" + f.wrappedKey + R"(","initial_vector":")" +
         crypto::base64Encode(f.iv) + "\"}";
}

[[noreturn]] void finding(const char* what) {
  std::fprintf(stderr, "finding: %s\n", what);
  std::abort();
}

/** What the endpoint does with a decrypted payload before dispatching it. */
void parsePayload(const std::string& plaintext) {
  try {
    auto payload = jsontext::parseObject(plaintext);
    (void)jsontext::str(payload, "action");
    (void)jsontext::str(payload, "screen");
    (void)jsontext::str(payload, "flow_token");
    (void)payload->getObject("data");
  } catch (const Poco::Exception&) {
    // Not a JSON object: the endpoint answers an error, which is the correct outcome.
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const Fixture& f = fixture();
  const std::string rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 3) {
    case 0: {
      auto request = flows::decryptRequest(rest, f.keys);
      if (request.isOk()) parsePayload(request->plaintext);
      break;
    }
    case 1: {
      auto sealed = crypto::aesGcmEncrypt(f.aesKey, f.iv, "", rest);
      if (!sealed) finding("encryption failed");
      auto request = flows::decryptRequest(envelope(*sealed, f), f.keys);
      if (!request.isOk()) finding("a correctly encrypted request was refused");
      if (request->plaintext != rest || request->aesKey != f.aesKey || request->iv != f.iv) {
        finding("a request decrypted to something else");
      }
      parsePayload(request->plaintext);
      break;
    }
    case 2: {
      // Authentic ciphertexts are 16+ bytes that only the key holder can make: a fuzzer-made
      // one authenticating would mean GCM's tag is not checked.
      if (flows::decryptRequest(envelope(rest, f), f.keys).isOk())
        finding("tampered data was accepted");
      break;
    }
  }
  return 0;
}
