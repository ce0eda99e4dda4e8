#include <gtest/gtest.h>

#include "crypto/Crypto.h"

namespace baraza::crypto {
namespace {

TEST(Crypto, HmacSha256MatchesRfc4231Case2) {
  EXPECT_EQ(toHex(hmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Crypto, HmacSha256HashesALongKeyFirstAndAcceptsAnEmptyOne) {
  // RFC 4231 case 6 (key longer than a block), then the empty key over the empty message; each
  // call keys a copy of one prepared context, so the calls must not leak into each other.
  EXPECT_EQ(toHex(hmacSha256(std::string(131, '\xaa'),
                             "Test Using Larger Than Block-Size Key - Hash Key First")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  EXPECT_EQ(toHex(hmacSha256("", "")),
            "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
  EXPECT_EQ(toHex(hmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Crypto, Base64DecodesPaddingAtTheEndOnly) {
  EXPECT_EQ(base64Decode("").value(), "");
  EXPECT_EQ(base64Decode("TQ==").value(), "M");
  EXPECT_EQ(base64Decode("TWE=").value(), "Ma");
  EXPECT_EQ(base64Decode("TWFu").value(), "Man");
  EXPECT_EQ(base64Decode(base64Encode(std::string("\0\xff\x10", 3))).value(),
            std::string("\0\xff\x10", 3));
  // Found by flow_request_fuzzer: padding alone made the length negative (std::length_error).
  for (const char* bad : {"========", "====", "A===", "TQ=A", "T=Q=", "TWFu====", "TW u", "TWF"}) {
    EXPECT_FALSE(base64Decode(bad).has_value()) << bad;
  }
}

TEST(Crypto, Sha256OfAbcMatchesFips180Vector) {
  EXPECT_EQ(toHex(sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Crypto, ConstantTimeEqualsComparesContentAndLength) {
  EXPECT_TRUE(constantTimeEquals("sha256=ab", "sha256=ab"));
  EXPECT_FALSE(constantTimeEquals("sha256=ab", "sha256=ac"));
  EXPECT_FALSE(constantTimeEquals("sha256=ab", "sha256=a"));
}

TEST(Crypto, RandomBytesDiffer) {
  uint8_t a[16] = {};
  uint8_t b[16] = {};
  ASSERT_TRUE(randomBytes(a, sizeof a));
  ASSERT_TRUE(randomBytes(b, sizeof b));
  EXPECT_NE(toHex(a, sizeof a), toHex(b, sizeof b));
}

std::string fromHex(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}

TEST(Crypto, AesGcmMatchesTheGcmSpecTestCase4) {
  // "The Galois/Counter Mode of Operation", McGrew & Viega, test case 4 (AES-128, 96-bit IV, AAD).
  const std::string key = fromHex("feffe9928665731c6d6a8f9467308308");
  const std::string iv = fromHex("cafebabefacedbaddecaf888");
  const std::string aad = fromHex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
  const std::string plain = fromHex(
      "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6"
      "b525"
      "b16aedf5aa0de657ba637b39");
  auto sealed = aesGcmEncrypt(key, iv, aad, plain);
  ASSERT_TRUE(sealed);
  EXPECT_EQ(toHex(reinterpret_cast<const uint8_t*>(sealed->data()), sealed->size()),
            "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a"
            "5aac84aa05"
            "1ba30b396a0aac973d58e091"
            "5bc94fbc3221a5db94fae95ae7121a47");
  EXPECT_EQ(aesGcmDecrypt(key, iv, aad, *sealed).value(), plain);
}

TEST(Crypto, AesGcmRejectsTamperingAndTheWrongAad) {
  std::string key(32, 'k');
  std::string iv(12, 'i');
  auto sealed = aesGcmEncrypt(key, iv, "tenant/name", "s3cret").value();
  EXPECT_EQ(aesGcmDecrypt(key, iv, "tenant/name", sealed).value(), "s3cret");
  EXPECT_FALSE(aesGcmDecrypt(key, iv, "other/name", sealed));
  sealed[0] ^= 1;
  EXPECT_FALSE(aesGcmDecrypt(key, iv, "tenant/name", sealed));
  EXPECT_FALSE(aesGcmEncrypt(std::string(24, 'k'), iv, "", "x"));  // AES-192 is not offered
}

}  // namespace
}  // namespace baraza::crypto
