// Flow media decryption (reference §1.13) on vector M1, and each check failing on its own.
#include <gtest/gtest.h>

#include <string>

#include "common/testing/VectorM1.h"
#include "crypto/Crypto.h"
#include "flows/FlowMedia.h"

namespace baraza::flows {
namespace {

using baraza::testing::fromHexFile;
using baraza::testing::kM1Metadata;

std::string cdnFile() { return fromHexFile(VECTORS_DIR "/m1-cdn-file.hex"); }

MediaEncryption m1Keys() { return MediaEncryption::fromJson(kM1Metadata).value(); }

std::string b64(const crypto::Digest& d) {
  return crypto::base64Encode({reinterpret_cast<const char*>(d.data()), d.size()});
}

TEST(FlowMedia, VectorM1DecryptsToTheJpeg) {
  const std::string file = cdnFile();
  ASSERT_EQ(file.size(), 458u);
  StatusOr<std::string> jpeg = decryptMedia(file, m1Keys());
  ASSERT_TRUE(jpeg.isOk()) << jpeg.status().toString();
  EXPECT_EQ(*jpeg, fromHexFile(VECTORS_DIR "/m1-plaintext.hex"));
  EXPECT_EQ(jpeg->substr(0, 4), std::string("\xff\xd8\xff\xe0", 4)) << "a JPEG";
}

TEST(FlowMedia, AChangedByteFailsTheFileHash) {
  std::string file = cdnFile();
  file[100] ^= 0x01;
  StatusOr<std::string> out = decryptMedia(file, m1Keys());
  EXPECT_EQ(out.status().code(), Code::kDataLoss);
  EXPECT_EQ(out.status().message(), "the CDN file's SHA-256 is not encrypted_hash");
}

TEST(FlowMedia, AFileWhoseHashWasForgedToMatchFailsTheHmac) {
  std::string file = cdnFile();
  file[100] ^= 0x01;
  MediaEncryption keys = m1Keys();
  const crypto::Digest forged = crypto::sha256(file);
  keys.encryptedHash.assign(reinterpret_cast<const char*>(forged.data()), forged.size());
  EXPECT_EQ(decryptMedia(file, keys).status().message(),
            "the CDN file's HMAC does not check with hmac_key");
}

TEST(FlowMedia, TheWrongKeyFailsAtThePaddingOrThePlaintextHash) {
  MediaEncryption keys = m1Keys();
  keys.encryptionKey[0] ^= 0x01;
  StatusOr<std::string> out = decryptMedia(cdnFile(), keys);
  EXPECT_EQ(out.status().code(), Code::kDataLoss);
  EXPECT_FALSE(out.isOk()) << "nothing partial comes back";
  // A plaintext hash that is not the file's: the last check.
  keys = m1Keys();
  keys.plaintextHash = std::string(32, 'x');
  EXPECT_EQ(decryptMedia(cdnFile(), keys).status().message(),
            "the decrypted file's SHA-256 is not plaintext_hash");
}

TEST(FlowMedia, MetadataNamesTheMemberThatIsWrong) {
  EXPECT_EQ(MediaEncryption::fromJson(R"({"hmac_key":"AA=="})").status().message(),
            "encryption_metadata.encryption_key: missing");
  std::string shortKey = kM1Metadata;
  shortKey.replace(shortKey.find("202pQMDt"), 44, b64(crypto::sha256("x")).substr(0, 24) + "==");
  EXPECT_EQ(MediaEncryption::fromJson(shortKey).status().code(), Code::kInvalidArgument);
  std::string notBase64 = kM1Metadata;
  notBase64.replace(notBase64.find("t1MOy02K"), 8, "t1MOy!2K");
  EXPECT_EQ(MediaEncryption::fromJson(notBase64).status().message(),
            "encryption_metadata.iv: not base64");
  EXPECT_EQ(MediaEncryption::fromJson("[1]").status().message(),
            "encryption_metadata: not a JSON object");
}

}  // namespace
}  // namespace baraza::flows
