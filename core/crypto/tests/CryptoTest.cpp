#include "crypto/Crypto.h"

#include <gtest/gtest.h>

namespace baraza::crypto {
namespace {

TEST(Crypto, HmacSha256MatchesRfc4231Case2) {
  EXPECT_EQ(toHex(hmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
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

}  // namespace
}  // namespace baraza::crypto
