#include <Poco/Exception.h>
#include <gtest/gtest.h>

#include "outbound/StoredRequest.h"

namespace baraza::outbound {
namespace {

// build_send output as the WhatsApp channel plugin writes it (keys sorted, compact).
const std::string kBuilt =
    R"({"pair_rate":true,"recipient":"+254700000001","request":{"body":{"messaging_product":"whatsapp",)"
    R"("text":{"body":"line one\nline two \"quoted\""},"to":"+254700000001","type":"text"},"method":"POST",)"
    R"("service":"graph-eu","url":"https://graph.facebook.com/v25.0/100000000000001/messages"}})";

TEST(StoredRequest, KeepsEverythingDispatchNeedsAndTheBodyAsText) {
  const StoredRequest built = StoredRequest::fromChannelOutput(kBuilt);
  const std::string payload = built.encode();
  const StoredRequest r = StoredRequest::decode(payload);
  EXPECT_EQ(r.recipient, "+254700000001");
  EXPECT_TRUE(r.pairRate);
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.url, "https://graph.facebook.com/v25.0/100000000000001/messages");
  EXPECT_EQ(r.service, "graph-eu");
  EXPECT_EQ(r.type, "text");
  EXPECT_EQ(r.body,
            R"({"messaging_product":"whatsapp","text":{"body":"line one\nline two \"quoted\""},)"
            R"("to":"+254700000001","type":"text"})");
  EXPECT_EQ(payload.substr(payload.find('\n') + 1), r.body)
      << "the body is stored as it will be sent";
}

TEST(StoredRequest, ReadsWhatEarlierVersionsQueuedVerbatim) {
  // Rows queued before this layout hold build_send output as it came, compact or not.
  const StoredRequest compact = StoredRequest::decode(kBuilt);
  EXPECT_EQ(compact.url, "https://graph.facebook.com/v25.0/100000000000001/messages");
  EXPECT_EQ(compact.type, "text");
  EXPECT_EQ(compact.service, "graph-eu");
  const StoredRequest pretty = StoredRequest::decode(
      "{\n  \"recipient\": \"+254700000002\",\n  \"pair_rate\": false,\n  \"request\": "
      "{\"method\": \"POST\",\n"
      "  \"url\": \"https://graph.facebook.com/v25.0/1/messages\",\n"
      "  \"body\": {\"messaging_product\": \"whatsapp\", \"status\": \"read\", \"message_id\": "
      "\"wamid.X\"}}}");
  EXPECT_EQ(pretty.recipient, "+254700000002");
  EXPECT_FALSE(pretty.pairRate);
  EXPECT_EQ(pretty.type, "read") << "mark-as-read has a status, not a type";
  EXPECT_EQ(pretty.service, "graph") << "queued when every request went to the Graph API";
  // The first header layout, before requests named their service.
  const StoredRequest first = StoredRequest::decode(
      R"({"layout":1,"method":"POST","pair_rate":true,"recipient":"+254700000003","type":"text","url":"u"})"
      "\n{}");
  EXPECT_EQ(first.service, "graph");
  EXPECT_EQ(first.recipient, "+254700000003");
  EXPECT_EQ(pretty.body,
            R"({"message_id":"wamid.X","messaging_product":"whatsapp","status":"read"})");
}

TEST(StoredRequest, ARequestWithoutMethodOrUrlOrNotJsonIsRefused) {
  EXPECT_THROW(
      StoredRequest::fromChannelOutput(R"({"recipient":"+1","request":{"method":"POST"}})"),
      Poco::Exception);
  EXPECT_THROW(StoredRequest::fromChannelOutput(R"({"recipient":"+1"})"), Poco::Exception);
  EXPECT_THROW(StoredRequest::decode("not json"), Poco::Exception);
  EXPECT_THROW(StoredRequest::decode("{\"layout\":1,\"method\":\"POST\"}\n{}"), Poco::Exception);
  // A header of another layout is not read as this one.
  EXPECT_THROW(StoredRequest::decode("{\"layout\":3,\"method\":\"POST\",\"url\":\"u\"}\n{}"),
               Poco::Exception);
}

}  // namespace
}  // namespace baraza::outbound
