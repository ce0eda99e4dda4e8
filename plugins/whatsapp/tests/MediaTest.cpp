// Finding an inbound media item's bytes (reference §4).
#include <gtest/gtest.h>

#include <stdexcept>

#include "Media.h"
#include "PocoJson.h"

namespace baraza::whatsapp {
namespace {

using namespace test;

TEST(WhatsAppMedia, TheLookupIsAGetOfTheIdScopedToTheNumber) {
  const GraphRequest r =
      mediaInfoRequest(read<sdk::MediaSourceRequest>(
                           R"({"media_id":"1037543291543636","phone_number_id":"106540352242922",)"
                           R"("token":"t"})"),
                       "v25.0");
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.url,
            "https://graph.facebook.com/v25.0/1037543291543636?phone_number_id=106540352242922");
}

TEST(WhatsAppMedia, AnIdThatIsNotAGraphIdIsRefusedBeforeAnyCall) {
  EXPECT_THROW(
      mediaInfoRequest(
          read<sdk::MediaSourceRequest>(R"({"media_id":"../me/messages","token":"t"})"), "v25.0"),
      std::invalid_argument);
  try {
    (void)mediaInfoRequest(read<sdk::MediaSourceRequest>(R"({"media_id":"123"})"), "v25.0");
    FAIL() << "no token, yet a request";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "token: required to find a media item");
  }
}

TEST(WhatsAppMedia, GraphsAnswerBecomesTheSourceWithTheSizeAsANumberAndTheHashAsHex) {
  const std::string answer =
      R"({"messaging_product":"whatsapp","url":"https://lookaside.fbsbx.com/x?mid=1",)"
      R"("mime_type":"image/jpeg","sha256":"XRW0ILv1LfF3n0J7ICqr1yIuxYQvsgODVSpoaeazmEU=",)"
      R"("file_size":"303833","id":"1"})";
  Poco::JSON::Object::Ptr source = parseObject(asText(mediaSource(200, answer, "tok")));
  EXPECT_EQ(str(source, "url"), "https://lookaside.fbsbx.com/x?mid=1");
  EXPECT_EQ(str(source, "mime_type"), "image/jpeg");
  EXPECT_EQ(str(source, "sha256"),
            "5d15b420bbf52df1779f427b202aabd7222ec5842fb20383552a6869e6b39845");
  EXPECT_EQ(source->getValue<int64_t>("file_size"), 303833);
  EXPECT_EQ(str(source->getObject("headers"), "Authorization"), "Bearer tok");
}

TEST(WhatsAppMedia, AHashMayComeAsHexOrBase64AndAnythingElseIsNoHash) {
  EXPECT_EQ(sha256Hex("5D15B420BBF52DF1779F427B202AABD7222EC5842FB20383552A6869E6B39845"),
            "5d15b420bbf52df1779f427b202aabd7222ec5842fb20383552a6869e6b39845");
  EXPECT_EQ(sha256Hex("not a hash"), "");
  EXPECT_EQ(sha256Hex("c2hvcnQ="), "");  // base64, but of 5 bytes
}

TEST(WhatsAppMedia, AnUnknownIdIsNotFoundAndOtherRefusalsSayWhatGraphSaid) {
  EXPECT_THROW(mediaSource(404, "", "t"), std::out_of_range);
  EXPECT_THROW(
      mediaSource(400, R"({"error":{"message":"Unsupported get request","code":100}})", "t"),
      std::out_of_range);
  try {
    mediaSource(401, R"({"error":{"message":"Invalid OAuth access token","code":190}})", "t");
    FAIL() << "a refusal, yet a source";
  } catch (const std::out_of_range&) {
    FAIL() << "a refused token is not an unknown id";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "no media URL: code 190: Invalid OAuth access token");
  }
}

TEST(WhatsAppMedia, AnUploadIsTheThreeDocumentedPartsWithTheFileLast) {
  const GraphRequest r = uploadRequest(
      read<sdk::MediaUpload>(
          R"({"phone_number_id":"106540352242922","mime_type":"image/png","filename":"a\"b.png"})"),
      "v25.0", std::string("\x89PNG\r\n", 6), "B0UND");
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.url, "https://graph.facebook.com/v25.0/106540352242922/media");
  EXPECT_EQ(r.contentType, "multipart/form-data; boundary=B0UND");
  EXPECT_EQ(r.body,
            "--B0UND\r\nContent-Disposition: form-data; name=\"messaging_product\"\r\n\r\n"
            "whatsapp\r\n--B0UND\r\nContent-Disposition: form-data; name=\"type\"\r\n\r\n"
            "image/png\r\n--B0UND\r\nContent-Disposition: form-data; name=\"file\"; "
            "filename=\"ab.png\"\r\nContent-Type: image/png\r\n\r\n" +
                std::string("\x89PNG\r\n", 6) + "\r\n--B0UND--\r\n");
}

TEST(WhatsAppMedia, TheUploadsIdComesBackOrGraphsRefusal) {
  EXPECT_EQ(asText(uploadResult(200, R"({"id":"1037543291543636"})")),
            R"({"media_id":"1037543291543636"})");
  try {
    uploadResult(400, R"({"error":{"message":"(#131053) Media upload error","code":131053}})");
    FAIL() << "a refusal, yet an id";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "upload refused: code 131053: (#131053) Media upload error");
  }
}

}  // namespace
}  // namespace baraza::whatsapp
