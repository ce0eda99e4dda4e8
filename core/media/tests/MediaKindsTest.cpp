// WhatsApp's media types and sizes per kind (reference §4).
#include <gtest/gtest.h>

#include "media/MediaKinds.h"

namespace baraza::media {
namespace {

TEST(MediaKinds, EachKindAllowsItsTypesWhateverTheirParametersOrCase) {
  EXPECT_TRUE(checkMimeType(*mediaKind("audio"), "audio/ogg; codecs=opus").isOk());
  EXPECT_TRUE(checkMimeType(*mediaKind("image"), "IMAGE/JPEG").isOk());
  EXPECT_TRUE(checkMimeType(*mediaKind("sticker"), "image/webp").isOk());
  EXPECT_TRUE(checkMimeType(*mediaKind("document"), "application/pdf").isOk());
  EXPECT_TRUE(checkMimeType(*mediaKind("video"), "video/3gpp").isOk());
}

TEST(MediaKinds, AnotherTypeIsRefusedNamingWhatTheKindAllows) {
  const Status gif = checkMimeType(*mediaKind("image"), "image/gif");
  EXPECT_EQ(gif.code(), Code::kInvalidArgument);
  EXPECT_EQ(gif.message(), "type image/gif is not allowed for image media (image/jpeg, image/png)");
  EXPECT_FALSE(checkMimeType(*mediaKind("sticker"), "image/png").isOk());
  EXPECT_FALSE(checkMimeType(*mediaKind("document"), "").isOk());
}

TEST(MediaKinds, SizesAreHeldToEachKindsLimitAndAnUnknownSizeIsLetThrough) {
  EXPECT_TRUE(checkSize(*mediaKind("image"), 5 * 1024 * 1024).isOk());
  const Status over = checkSize(*mediaKind("image"), 5 * 1024 * 1024 + 1);
  EXPECT_EQ(over.code(), Code::kResourceExhausted);
  EXPECT_EQ(over.message(), "5242881 bytes is over the 5242880 allowed for image media");
  EXPECT_FALSE(checkSize(*mediaKind("sticker"), 600 * 1024).isOk());
  EXPECT_TRUE(checkSize(*mediaKind("document"), 100 * 1024 * 1024).isOk());
  EXPECT_TRUE(checkSize(*mediaKind("video"), -1).isOk());
}

TEST(MediaKinds, OnlyMediaMessageTypesHaveAKind) {
  for (const char* type : {"image", "audio", "video", "document", "sticker"})
    EXPECT_NE(mediaKind(type), nullptr) << type;
  for (const char* type : {"text", "location", "interactive", "reaction", ""})
    EXPECT_EQ(mediaKind(type), nullptr) << type;
}

}  // namespace
}  // namespace baraza::media
