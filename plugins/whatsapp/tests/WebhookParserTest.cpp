#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

#include "PocoJson.h"
#include "WebhookParser.h"

namespace baraza::whatsapp {
namespace {

using namespace test;

using Poco::JSON::Array;
using Poco::JSON::Object;

Object::Ptr parse(const std::string& text) {
  return Poco::JSON::Parser().parse(text).extract<Object::Ptr>();
}

/** The value of the first change of a fixture envelope, as JSON text. */
std::string firstValue(const std::string& fixture) {
  std::ifstream in(std::string(FIXTURES_DIR) + "/" + fixture);
  std::stringstream text;
  text << in.rdbuf();
  Object::Ptr envelope = parse(text.str());
  Object::Ptr value =
      envelope->getArray("entry")->getObject(0)->getArray("changes")->getObject(0)->getObject(
          "value");
  std::ostringstream out;
  value->stringify(out);
  return out.str();
}

std::map<std::string, Object::Ptr> messagesById(const Object::Ptr& normalised) {
  std::map<std::string, Object::Ptr> out;
  Array::Ptr messages = normalised->getArray("messages");
  for (size_t i = 0; i < messages->size(); ++i) {
    Object::Ptr m = messages->getObject(static_cast<unsigned>(i));
    out[m->getValue<std::string>("id")] = m;
  }
  return out;
}

class EveryType : public ::testing::Test {
 protected:
  void SetUp() override {
    out_ = parse(asText(parseMessagesValue(nlohmann::json::parse(firstValue("every_type.json")))));
    byId_ = messagesById(out_);
  }
  Object::Ptr content(const std::string& id) { return byId_.at(id)->getObject("content"); }
  Object::Ptr out_;
  std::map<std::string, Object::Ptr> byId_;
};

TEST_F(EveryType, EveryMessageOfTheBatchIsKept) {
  EXPECT_EQ(out_->getArray("messages")->size(), 21u);
  EXPECT_EQ(byId_.size(), 21u);
}

TEST_F(EveryType, CommonFieldsAndTimestampsInMilliseconds) {
  Object::Ptr text = byId_.at("wamid.text");
  EXPECT_EQ(text->getValue<std::string>("from"), "254711000001");
  EXPECT_EQ(text->getValue<Poco::Int64>("timestamp_ms"), 1730231903000);
  EXPECT_EQ(text->getValue<std::string>("type"), "text");
  EXPECT_EQ(content("wamid.text")->getValue<std::string>("body"), "Habari \xC3\xA9 / slash");
  EXPECT_EQ(text->getObject("context")->getValue<std::string>("id"), "wamid.earlier");
}

TEST_F(EveryType, MediaKeepsIdMimeShaCaptionAndFilename) {
  EXPECT_EQ(content("wamid.image")->getValue<std::string>("id"), "media.1");
  EXPECT_EQ(content("wamid.image")->getValue<std::string>("caption"), "receipt");
  EXPECT_EQ(content("wamid.image")->getValue<std::string>("sha256"), "abc=");
  EXPECT_EQ(content("wamid.video")->getValue<std::string>("mime_type"), "video/mp4");
  EXPECT_EQ(content("wamid.document")->getValue<std::string>("filename"), "invoice.pdf");
  EXPECT_FALSE(content("wamid.sticker")->getValue<bool>("animated"));
}

TEST_F(EveryType, VoiceNotesAreAudioWithVoiceTrue) {
  EXPECT_EQ(byId_.at("wamid.voice")->getValue<std::string>("type"), "audio");
  EXPECT_TRUE(content("wamid.voice")->getValue<bool>("voice"));
  EXPECT_FALSE(content("wamid.audio")->getValue<bool>("voice"));
}

TEST_F(EveryType, LocationCoordinatesStayNumbers) {
  EXPECT_DOUBLE_EQ(content("wamid.location")->getValue<double>("latitude"), -1.28333);
  EXPECT_EQ(content("wamid.location")->getValue<std::string>("address"), "Kenyatta Ave");
}

TEST_F(EveryType, SharedContactsAreAList) {
  Array::Ptr contacts = content("wamid.contacts")->getArray("contacts");
  ASSERT_EQ(contacts->size(), 1u);
  EXPECT_EQ(contacts->getObject(0)->getObject("name")->getValue<std::string>("formatted_name"),
            "Otieno Ouma");
}

TEST_F(EveryType, InteractiveRepliesAreFlattenedWithTheirKind) {
  EXPECT_EQ(content("wamid.button_reply")->getValue<std::string>("kind"), "button_reply");
  EXPECT_EQ(content("wamid.button_reply")->getValue<std::string>("id"), "confirm");
  EXPECT_EQ(content("wamid.list_reply")->getValue<std::string>("kind"), "list_reply");
  EXPECT_EQ(content("wamid.list_reply")->getValue<std::string>("description"), "Airtime");
}

TEST_F(EveryType, FlowRepliesHaveTheirResponseJsonParsed) {
  Object::Ptr nfm = content("wamid.nfm_reply");
  EXPECT_EQ(nfm->getValue<std::string>("kind"), "nfm_reply");
  EXPECT_EQ(nfm->getValue<std::string>("flow_token"), "tok-123");
  EXPECT_EQ(nfm->getObject("response")->getValue<std::string>("network"), "safaricom");
  EXPECT_EQ(byId_.at("wamid.nfm_reply")->getObject("context")->getValue<std::string>("id"),
            "wamid.flowmsg");
}

TEST_F(EveryType, TemplateQuickReplyButton) {
  EXPECT_EQ(content("wamid.button")->getValue<std::string>("payload"), "STOP_PROMOS");
}

TEST_F(EveryType, AnEmptyReactionEmojiMeansRemoved) {
  EXPECT_FALSE(content("wamid.reaction")->getValue<bool>("removed"));
  EXPECT_EQ(content("wamid.reaction")->getValue<std::string>("emoji"), "\xF0\x9F\x98\xAE");
  EXPECT_TRUE(content("wamid.unreaction")->getValue<bool>("removed"));
  EXPECT_EQ(content("wamid.unreaction")->getValue<std::string>("message_id"), "wamid.text");
}

TEST_F(EveryType, OrdersSystemAndUnsupportedKeepTheirDetail) {
  EXPECT_EQ(content("wamid.order")->getArray("product_items")->size(), 1u);
  EXPECT_EQ(content("wamid.system")->getValue<std::string>("type"), "user_changed_number");
  Array::Ptr errors = content("wamid.unsupported")->getArray("errors");
  ASSERT_EQ(errors->size(), 1u);
  EXPECT_EQ(errors->getObject(0)->getValue<int>("code"), 131051);
}

TEST_F(EveryType, ForwardedContextAndAdReferral) {
  EXPECT_TRUE(byId_.at("wamid.forwarded")->getObject("context")->getValue<bool>("forwarded"));
  EXPECT_EQ(byId_.at("wamid.referral")->getObject("referral")->getValue<std::string>("ctwa_clid"),
            "clid.1");
}

TEST_F(EveryType, ContactsWithoutAPhoneNumberUseTheBusinessScopedId) {
  Object::Ptr bsuid = byId_.at("wamid.bsuid");
  EXPECT_EQ(bsuid->getValue<std::string>("from"), "");
  EXPECT_EQ(bsuid->getValue<std::string>("from_user_id"), "US.13491208655302741918");
  Array::Ptr contacts = out_->getArray("contacts");
  ASSERT_EQ(contacts->size(), 2u);
  EXPECT_EQ(contacts->getObject(0)->getValue<std::string>("profile_name"), "Wanjiku");
  EXPECT_EQ(contacts->getObject(1)->getValue<std::string>("wa_id"), "");
  EXPECT_EQ(contacts->getObject(1)->getValue<std::string>("user_id"), "US.13491208655302741918");
}

TEST(Statuses, EveryStatusWithPricingConversationAndErrors) {
  Object::Ptr out =
      parse(asText(parseMessagesValue(nlohmann::json::parse(firstValue("statuses.json")))));
  Array::Ptr statuses = out->getArray("statuses");
  ASSERT_EQ(statuses->size(), 5u);
  EXPECT_EQ(statuses->getObject(0)->getValue<std::string>("status"), "read");
  EXPECT_EQ(statuses->getObject(0)->getValue<Poco::Int64>("timestamp_ms"), 1730232003000);
  EXPECT_TRUE(statuses->getObject(1)->getObject("pricing")->getValue<bool>("billable"));
  EXPECT_EQ(statuses->getObject(2)->getValue<std::string>("biz_opaque_callback_data"), "order-9");
  EXPECT_EQ(statuses->getObject(3)->getArray("errors")->getObject(0)->getValue<int>("code"),
            131026);
  EXPECT_EQ(statuses->getObject(4)->getValue<std::string>("status"), "played");
  EXPECT_EQ(out->getArray("errors")->getObject(0)->getValue<int>("code"), 130429);
}

TEST(Parser, ATimestampOutsideTheCalendarIsZeroNotAnOverflow) {
  // Found by whatsapp_webhook_fuzzer: seconds * 1000 overflowed a signed 64-bit integer.
  for (const char* timestamp : {"1730231921730231916", "-5", "4102444801"}) {
    const std::string value =
        std::string(R"({"messages":[{"from":"254700000001","id":"wamid.T","timestamp":")") +
        timestamp + R"(","type":"text","text":{"body":"x"}}]})";
    Object::Ptr out = Poco::JSON::Parser()
                          .parse(asText(parseMessagesValue(nlohmann::json::parse(value))))
                          .extract<Object::Ptr>();
    EXPECT_EQ(out->getArray("messages")->getObject(0)->getValue<Poco::Int64>("timestamp_ms"), 0)
        << timestamp;
  }
}

TEST(Parser, AValueOfAnotherShapeCarriesNothing) {
  // Text that is not a JSON object never gets here: the SDK answers it INVALID_ARGUMENT.
  for (const char* value : {"[1,2]", R"({"messages":{"id":"x"},"statuses":[1,"a"]})"}) {
    const sdk::WebhookEvents events = parseMessagesValue(nlohmann::json::parse(value));
    EXPECT_TRUE(events.messages.empty()) << value;
    EXPECT_TRUE(events.statuses.empty()) << value;
  }
}

}  // namespace
}  // namespace baraza::whatsapp
