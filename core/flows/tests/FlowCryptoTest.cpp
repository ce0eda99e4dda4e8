#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "common/testing/ReadFile.h"
#include "flows/FlowCrypto.h"

namespace baraza::flows {
namespace {

using baraza::testing::readFile;

// Vector F1 (shared/reference/whatsapp.md §1.5).
const std::string kF1Request =
    R"({"encrypted_flow_data":"sCTmBCqjs0GkkX6n/nyZDuyjpaijuelY3I/8rlr1ZIEymEzCMnDGQdxQ9OGaKw0CEaWSgc/GLhuixa8NTQNYXAyVfTaU9H2FWEabWUb8nbZYRdYy81XHUkDCodl4SvBhhufEag==","encrypted_aes_key":"gSTeWDqfKqo1eL73VstmrMm5k5lymwUwXCfuxauPFPoW7Ji9dgcG74Y6YRtoYOAch6Z/AgrR7EAlsRi/s8xT/Gx2WWz6zfcXPUQVpoIlp7EgC+HmmA2ZK64g/107yL+vKoUdL0mWJHQf1ml12HszBxOtNlW+7GAMPESNDqGpgy1R3Zgz/luStp2INtigps9w2j9+Ktp0smqxHqpUkBWp8xxoWVvzPK4H0jcFm7sjFMpiJ1e1EjApo7iDqldys0tMRC+KoOjJVD6aq1gY5s2yYL7iCXXgEAKJItTk/4/mbWWNkRtd9NoEGnMHilcjYOzlUCHehAO9fos+WCLE87JAXw==","initial_vector":"5eCmDjs+VAJwdo5caZtgbw=="})";

crypto::RsaPrivateKey f1Key() {
  std::string error;
  auto key =
      crypto::RsaPrivateKey::fromPem(readFile(VECTORS_DIR "/f1-private-key.pem"), "pywa", &error);
  if (!key) throw std::runtime_error(error);
  return *key;
}

TEST(FlowCrypto, VectorF1DecryptsToTheExactPlaintext) {
  auto request = decryptRequest(kF1Request, {f1Key()});
  ASSERT_TRUE(request.isOk()) << request.status().toString();
  EXPECT_EQ(
      request->plaintext,
      R"({"data":{},"flow_token":"my_flow_token","screen":"","action":"INIT","version":"3.0"})");
  EXPECT_EQ(crypto::toHex(reinterpret_cast<const uint8_t*>(request->aesKey.data()), 16),
            "712727b6b509f2e1ba62d9b91989ecc3");
  EXPECT_EQ(crypto::toHex(reinterpret_cast<const uint8_t*>(request->iv.data()), 16),
            "e5e0a60e3b3e540270768e5c699b606f");
}

TEST(FlowCrypto, VectorF1ResponseUnderTheFlippedIvIsByteExact) {
  auto request = decryptRequest(kF1Request, {f1Key()}).value();
  // The vector's response JSON was serialised with Python's ", " and ": " separators.
  EXPECT_EQ(encryptResponse(R"({"version": "3.0", "screen": "SUCCESS", "data": {"key": "value"}})",
                            request.aesKey, request.iv)
                .value(),
            "FBEoV73B8mnSt+nzfurVK704zkwHsr1uu/m953h5vNdri5G4Pe/"
            "BoDTh6SgzgjrrZ4iP12GO3kti8YW7Tn1KibKaRf8LE/gps2ATJq3nWSCI");
  EXPECT_EQ(encryptResponse(R"({"data":{"status":"active"}})", request.aesKey, request.iv).value(),
            "FBE6U7vTuTzHt6CnPa2OaL0uzA8XpaZ9u7XioH4nAJ4lJwsJFim9jxuJFjs=");
}

TEST(FlowCrypto, RandomRoundTripsWithKeysMadeInTheTest) {
  auto key = crypto::RsaPrivateKey::generate(2048).value();
  for (int i = 0; i < 5; ++i) {
    uint8_t aes[16], iv[16];
    ASSERT_TRUE(crypto::randomBytes(aes, 16));
    ASSERT_TRUE(crypto::randomBytes(iv, 16));
    const std::string aesKey(reinterpret_cast<char*>(aes), 16),
        ivBytes(reinterpret_cast<char*>(iv), 16);
    const std::string plain =
        R"({"action":"data_exchange","screen":"AMOUNT","data":{"n":)" + std::to_string(i) + "}}";
    const std::string body =
        std::string(R"({"encrypted_flow_data":")") +
        crypto::base64Encode(crypto::aesGcmEncrypt(aesKey, ivBytes, "", plain).value()) +
        R"(","encrypted_aes_key":")" + crypto::base64Encode(key.encryptOaepSha256(aesKey).value()) +
        R"(","initial_vector":")" + crypto::base64Encode(ivBytes) + R"("})";
    auto request = decryptRequest(body, {key});
    ASSERT_TRUE(request.isOk()) << request.status().toString();
    EXPECT_EQ(request->plaintext, plain);
  }
}

TEST(FlowCrypto, WrongKeyTamperedDataAndBadEnvelopesFail) {
  auto other = crypto::RsaPrivateKey::generate(2048).value();
  EXPECT_EQ(decryptRequest(kF1Request, {other}).status().code(), Code::kFailedPrecondition);
  std::string tampered = kF1Request;
  tampered[tampered.find("sCTm") + 1] = 'D';  // a flipped ciphertext byte
  EXPECT_EQ(decryptRequest(tampered, {f1Key()}).status().code(), Code::kFailedPrecondition);
  std::string badTag = kF1Request;
  badTag.replace(badTag.find("fEag=="), 6,
                 "fFag==");  // in the tag (the last char before == is only padding bits)
  EXPECT_EQ(decryptRequest(badTag, {f1Key()}).status().code(), Code::kFailedPrecondition);
  EXPECT_EQ(decryptRequest("{not json", {f1Key()}).status().code(), Code::kFailedPrecondition);
  EXPECT_EQ(decryptRequest(R"({"encrypted_flow_data":"x"})", {f1Key()}).status().code(),
            Code::kFailedPrecondition);
}

TEST(FlowCrypto, ThePreviousKeyStillWorksAfterRotation) {
  auto current = crypto::RsaPrivateKey::generate(2048).value();
  auto request = decryptRequest(kF1Request, {current, f1Key()});
  ASSERT_TRUE(request.isOk()) << request.status().toString();
  EXPECT_EQ(request->plaintext.substr(0, 10), R"({"data":{})");
}

TEST(FlowCrypto, KeysLoadFromEveryPemFormAndRefuseAWrongPassphrase) {
  std::string error;
  EXPECT_FALSE(
      crypto::RsaPrivateKey::fromPem(readFile(VECTORS_DIR "/f1-private-key.pem"), "wrong", &error));
  EXPECT_NE(error.find("wrong passphrase"), std::string::npos);
  EXPECT_EQ(error.find("wrong\""), std::string::npos);
  auto key = crypto::RsaPrivateKey::generate(2048).value();
  auto again = crypto::RsaPrivateKey::fromPem(key.privatePem(), "", &error);  // unencrypted PKCS#8
  ASSERT_TRUE(again);
  EXPECT_EQ(again->publicPem(), key.publicPem());
  EXPECT_EQ(again->bits(), 2048);
}

TEST(Base64, RoundTripsAndRejectsMalformedText) {
  for (const std::string& s :
       std::vector<std::string>{"", "f", "fo", "foo", "foob", std::string("\0\xff\x10", 3)}) {
    EXPECT_EQ(crypto::base64Decode(crypto::base64Encode(s)).value(), s);
  }
  EXPECT_EQ(crypto::base64Encode("foo"), "Zm9v");
  EXPECT_FALSE(crypto::base64Decode("Zm9"));
  EXPECT_FALSE(crypto::base64Decode("Zm 9v"));
  EXPECT_FALSE(crypto::base64Decode("Zm-_"));
}

}  // namespace
}  // namespace baraza::flows
