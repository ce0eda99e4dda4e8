// Building Graph send requests (limits of reference §3.1) and classifying Graph answers (§5.2).
#include <Poco/JSON/Array.h>
#include <gtest/gtest.h>

#include "Outbound.h"
#include "PocoJson.h"

namespace baraza::whatsapp {
namespace {

using namespace test;

using Poco::JSON::Object;

Object::Ptr build(const std::string& message) {
  return parseObject(asText(buildSend(nlohmann::json::parse(message), "v25.0")));
}

Object::Ptr body(const std::string& message) {
  return build(message)->getObject("request")->getObject("body");
}

/** The message of the std::invalid_argument that building throws, or "" when it builds. */
std::string problem(const std::string& message) {
  try {
    (void)buildSend(nlohmann::json::parse(message), "v25.0");
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

std::string repeat(size_t n, const std::string& s = "a") {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += s;
  return out;
}

std::string buttons(size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out += std::string(i ? "," : "") + R"({"type":"reply","reply":{"id":"b)" + std::to_string(i) +
           R"(","title":"B)" + std::to_string(i) + R"("}})";
  }
  return R"({"phone_number_id":"1","to":"+254700000001","type":"interactive","interactive":{"type":"button",)"
         R"("body":{"text":"Pick"},"action":{"buttons":[)" +
         out + "]}}}";
}

TEST(WhatsAppSend, TextBecomesTheGraphRequest) {
  Object::Ptr out =
      build(R"({"phone_number_id":"106540352242922","to":"+254 712-345 678","type":"text",)"
            R"("text":{"body":"Habari","preview_url":true},"context":{"message_id":"wamid.X"}})");
  EXPECT_EQ(str(out, "recipient"), "+254712345678");
  EXPECT_TRUE(out->getValue<bool>("pair_rate"));
  Object::Ptr request = out->getObject("request");
  EXPECT_EQ(str(request, "method"), "POST");
  EXPECT_EQ(str(request, "url"), "https://graph.facebook.com/v25.0/106540352242922/messages");
  EXPECT_EQ(
      toJson(*request->getObject("body")),
      R"({"context":{"message_id":"wamid.X"},"messaging_product":"whatsapp","recipient_type":"individual",)"
      R"("text":{"body":"Habari","preview_url":true},"to":"+254712345678","type":"text"})");
}

TEST(WhatsAppSend, RecipientsAreNormalisedOrRefused) {
  EXPECT_EQ(normaliseRecipient("+1 (650) 555-1234"), "+16505551234");
  EXPECT_EQ(normaliseRecipient("00254712345678"), "+254712345678");
  EXPECT_EQ(normaliseRecipient("254712345678"), "+254712345678");
  EXPECT_THROW(normaliseRecipient("0712345678"), std::invalid_argument);  // national format
  EXPECT_THROW(normaliseRecipient("+2547abc"), std::invalid_argument);
  EXPECT_THROW(normaliseRecipient("+12345"), std::invalid_argument);
  EXPECT_THROW(normaliseRecipient("+1234567890123456"), std::invalid_argument);
  EXPECT_NE(
      problem(R"({"phone_number_id":"1","to":"0712345678","type":"text","text":{"body":"x"}})")
          .find("national number"),
      std::string::npos);
}

TEST(WhatsAppSend, TextLimitCountsCharactersNotBytes) {
  const std::string head =
      R"({"phone_number_id":"1","to":"+254700000001","type":"text","text":{"body":")";
  EXPECT_EQ(problem(head + repeat(4096, "é") + "\"}}"), "");
  EXPECT_EQ(problem(head + repeat(4097) + "\"}}"), "text.body: 4097 characters, at most 4096");
  EXPECT_EQ(problem(head + "\"}}"), "text.body: must not be empty");
}

TEST(WhatsAppSend, MediaByIdOrLink) {
  EXPECT_EQ(
      toJson(
          *body(
               R"({"phone_number_id":"1","to":"+254700000001","type":"document",)"
               R"("document":{"link":"https://example.com/a.pdf","caption":"Invoice","filename":"a.pdf"}})")
               ->getObject("document")),
      R"({"caption":"Invoice","filename":"a.pdf","link":"https://example.com/a.pdf"})");
  EXPECT_EQ(problem(R"({"phone_number_id":"1","to":"+254700000001","type":"image","image":{}})"),
            "image: needs exactly one of \"id\" (an uploaded media id) and \"link\"");
  EXPECT_EQ(
      problem(
          R"({"phone_number_id":"1","to":"+254700000001","type":"image","image":{"id":"1","link":"https://x"}})"),
      "image: needs exactly one of \"id\" (an uploaded media id) and \"link\"");
  EXPECT_EQ(
      problem(
          R"({"phone_number_id":"1","to":"+254700000001","type":"audio","audio":{"id":"1","caption":"c"}})"),
      "audio.caption: audio messages have no caption");
  EXPECT_EQ(
      problem(
          R"({"phone_number_id":"1","to":"+254700000001","type":"video","video":{"link":"ftp://x"}})"),
      "video.link: must be an http(s) URL");
  EXPECT_EQ(
      problem(
          R"({"phone_number_id":"1","to":"+254700000001","type":"image","image":{"id":"1","caption":")" +
          repeat(1025) + "\"}}"),
      "image.caption: 1025 characters, at most 1024");
}

TEST(WhatsAppSend, ButtonsAtMostThreeUniqueAndShort) {
  EXPECT_EQ(problem(buttons(3)), "");
  EXPECT_EQ(problem(buttons(4)), "interactive.action.buttons: 4 buttons, at most 3");
  EXPECT_EQ(problem(buttons(0)), "interactive.action.buttons: at least one button");
  std::string longTitle = buttons(1);
  longTitle.replace(longTitle.find("\"B0\""), 4, "\"" + repeat(21) + "\"");
  EXPECT_EQ(problem(longTitle),
            "interactive.action.buttons[0].reply.title: 21 characters, at most 20");
  std::string sameIds = buttons(2);
  sameIds.replace(sameIds.find("\"b1\""), 4, "\"b0\"");
  EXPECT_EQ(problem(sameIds), "interactive.action.buttons[1].reply.id: ids must be unique");
}

TEST(WhatsAppSend, ListLimits) {
  auto list = [](size_t sections, size_t rowsEach, const std::string& rowTitle = "Row") {
    std::string s;
    int id = 0;
    for (size_t i = 0; i < sections; ++i) {
      std::string rows;
      for (size_t r = 0; r < rowsEach; ++r) {
        rows += std::string(r ? "," : "") + R"({"id":"r)" + std::to_string(id++) +
                R"(","title":")" + rowTitle + "\"}";
      }
      s += std::string(i ? "," : "") + R"({"title":"S","rows":[)" + rows + "]}";
    }
    return R"({"phone_number_id":"1","to":"+254700000001","type":"interactive","interactive":{"type":"list",)"
           R"("body":{"text":"Choose"},"action":{"button":"Menu","sections":[)" +
           s + "]}}}";
  };
  EXPECT_EQ(problem(list(2, 5)), "");
  EXPECT_EQ(problem(list(2, 6)), "interactive.action.sections: 12 rows in all, at most 10");
  EXPECT_EQ(problem(list(11, 0)), "interactive.action.sections: 11 sections, at most 10");
  EXPECT_EQ(problem(list(1, 1, repeat(25))),
            "interactive.action.sections[0].rows[0].title: 25 characters, at most 24");
}

TEST(WhatsAppSend, FlowMessagesNeedVersionThreeAndAToken) {
  const std::string flow =
      R"({"phone_number_id":"1","to":"+254700000001","type":"interactive","interactive":{"type":"flow",)"
      R"("body":{"text":"Buy airtime"},"action":{"parameters":{"flow_id":"123","flow_token":"T",)"
      R"("flow_cta":"Buy","flow_action":"navigate","flow_action_payload":{"screen":"PHONE"}}}}})";
  Object::Ptr action = body(flow)->getObject("interactive")->getObject("action");
  EXPECT_EQ(str(action, "name"), "flow");
  EXPECT_EQ(str(action->getObject("parameters"), "flow_message_version"), "3");

  std::string numeric = flow;
  numeric.replace(numeric.find("\"flow_id\""), 0, "\"flow_message_version\":3,");
  EXPECT_EQ(problem(numeric),
            "interactive.action.parameters.flow_message_version: must be the string \"3\"");
  std::string both = flow;
  both.replace(both.find("\"flow_id\""), 0, "\"flow_name\":\"airtime\",");
  EXPECT_EQ(problem(both),
            "interactive.action.parameters: needs exactly one of \"flow_id\" and \"flow_name\"");
  std::string exchange = flow;
  exchange.replace(exchange.find("navigate"), 8, "data_exchange");
  EXPECT_EQ(problem(exchange),
            "interactive.action.parameters.flow_action_payload: must be absent with data_exchange "
            "(the endpoint gets INIT)");
  std::string noToken = flow;
  noToken.replace(noToken.find("\"flow_token\":\"T\","), 17, "");
  EXPECT_EQ(problem(noToken), "interactive.action.parameters.flow_token: required");
}

TEST(WhatsAppSend, TemplateButtonIndexIsAString) {
  const std::string head =
      R"({"phone_number_id":"1","to":"+254700000001","type":"template","template":{"name":"welcome",)"
      R"("language":{"code":"en_US"},"components":[)";
  EXPECT_EQ(
      problem(
          head +
          R"({"type":"body","parameters":[{"type":"text","text":"Amina"}]},)"
          R"({"type":"button","sub_type":"quick_reply","index":"0","parameters":[{"type":"payload","payload":"yes"}]}]}})"),
      "");
  EXPECT_EQ(problem(head + R"({"type":"button","sub_type":"quick_reply","index":0}]}})"),
            "template.components[0].index: required, as a string (\"0\")");
  EXPECT_EQ(problem(head + R"({"type":"body","parameters":[{"type":"text"}]}]}})"),
            "template.components[0].parameters[0].text: required");
  EXPECT_EQ(
      problem(
          R"({"phone_number_id":"1","to":"+254700000001","type":"template","template":{"name":"w"}})"),
      "template.language: required");
}

TEST(WhatsAppSend, OtherTypes) {
  EXPECT_EQ(
      problem(
          R"({"phone_number_id":"1","to":"+254700000001","type":"location","location":{"latitude":-1.29,"longitude":36.82,"name":"Nairobi"}})"),
      "");
  EXPECT_EQ(
      problem(
          R"({"phone_number_id":"1","to":"+254700000001","type":"location","location":{"latitude":91,"longitude":0}})"),
      "location.latitude: must be between -90 and 90");
  EXPECT_EQ(
      problem(
          R"({"phone_number_id":"1","to":"+254700000001","type":"reaction","reaction":{"message_id":"wamid.A","emoji":""}})"),
      "");
  EXPECT_EQ(
      problem(
          R"({"phone_number_id":"1","to":"+254700000001","type":"contacts","contacts":[{"name":{"formatted_name":"Amina"}}]})"),
      "");
  EXPECT_EQ(
      problem(
          R"({"phone_number_id":"1","to":"+254700000001","type":"contacts","contacts":[{"name":{}}]})"),
      "contacts[0].name.formatted_name: required");
  EXPECT_EQ(problem(R"({"phone_number_id":"1","to":"+254700000001","type":"poll","poll":{}})"),
            "type: \"poll\" is not a message type this channel sends");
  EXPECT_EQ(problem(R"({"to":"+254700000001","type":"text","text":{"body":"x"}})"),
            "phone_number_id: required (the sending number)");
}

TEST(WhatsAppSend, ReadAndTypingAreSignals) {
  Object::Ptr out = build(R"({"phone_number_id":"1","type":"typing","message_id":"wamid.IN"})");
  EXPECT_FALSE(out->getValue<bool>("pair_rate"));
  EXPECT_EQ(
      toJson(*out->getObject("request")->getObject("body")),
      R"({"message_id":"wamid.IN","messaging_product":"whatsapp","status":"read","typing_indicator":{"type":"text"}})");
  EXPECT_EQ(problem(R"({"phone_number_id":"1","type":"read"})"), "message_id: required");
}

Object::Ptr classify(int status, const std::string& body) {
  return parseObject(asText(classifyResponse({status, body})));
}

std::string graphError(int code, const std::string& title) {
  return R"({"error":{"message":"(#)" + std::to_string(code) + ") " + title +
         R"(","type":"OAuthException","code":)" + std::to_string(code) +
         R"(,"error_data":{"messaging_product":"whatsapp","details":"more about )" + title +
         R"("},"fbtrace_id":"A"}})";
}

TEST(WhatsAppClassify, AcceptedWithTheWamid) {
  Object::Ptr out = classify(
      200,
      R"({"messaging_product":"whatsapp","contacts":[{"input":"+1","wa_id":"1"}],"messages":[{"id":"wamid.OK"}]})");
  EXPECT_EQ(str(out, "outcome"), "accepted");
  EXPECT_EQ(str(out, "provider_id"), "wamid.OK");
  EXPECT_EQ(str(classify(200, R"({"success":true})"), "outcome"), "accepted");
}

TEST(WhatsAppClassify, AcceptedReadsTheFirstMessagesIdWhereverTheFieldsAre) {
  // The host's wrapper in another key order, a wamid with characters JSON escapes.
  Object::Ptr out = parseObject(asText(classifyResponse(read<sdk::ProviderResponse>(
      R"({"body":"{\"messages\":[{\"id\":\"wamid.A\\\"B\\u00e9\"}],\"contacts\":[{\"wa_id\":\"1\"}]}","status":201})"))));
  EXPECT_EQ(str(out, "outcome"), "accepted");
  EXPECT_EQ(str(out, "provider_id"), "wamid.A\"B\xc3\xa9");
  // No id in the first message: not an accepted send, whatever comes after.
  Object::Ptr noId =
      classify(200, R"({"messages":[{"message_status":"accepted"},{"id":"wamid.second"}]})");
  EXPECT_EQ(str(noId, "outcome"), "failed");
  EXPECT_NE(str(noId, "details").find("a success without a message id"), std::string::npos);
}

TEST(WhatsAppClassify, EveryErrorClass) {
  struct Case {
    int code, http;
    const char* outcome;
    const char* scope;
  };
  for (const Case& c :
       {Case{130429, 400, "retry", "number"}, Case{80007, 400, "retry", "number"},
        Case{4, 400, "retry", "number"}, Case{131057, 500, "retry", "number"},
        Case{131056, 400, "retry", "recipient"}, Case{1, 400, "retry", "message"},
        Case{2, 503, "retry", "message"}, Case{131000, 500, "retry", "message"},
        Case{131016, 500, "retry", "message"}, Case{133004, 503, "retry", "message"},
        Case{190, 401, "pause", ""}, Case{131047, 400, "reengage", ""},
        Case{131026, 400, "failed", ""}, Case{132001, 404, "failed", ""},
        Case{100, 400, "failed", ""}, Case{368, 403, "failed", ""}}) {
    Object::Ptr out = classify(c.http, graphError(c.code, "Title " + std::to_string(c.code)));
    SCOPED_TRACE(c.code);
    EXPECT_EQ(str(out, "outcome"), c.outcome);
    EXPECT_EQ(str(out, "scope"), c.scope);
    EXPECT_EQ(out->getValue<int>("code"), c.code);
    EXPECT_EQ(str(out, "title"), "Title " + std::to_string(c.code));
    EXPECT_EQ(str(out, "details"), "more about Title " + std::to_string(c.code));
  }
  EXPECT_EQ(classify(500, graphError(131057, "Maintenance"))->getValue<int>("after_ms"), 60000);
}

TEST(WhatsAppClassify, NoEnvelopeFallsBackOnTheHttpStatus) {
  EXPECT_EQ(str(classify(502, "<html>Bad gateway</html>"), "outcome"), "retry");
  EXPECT_EQ(str(classify(429, ""), "scope"), "number");
  Object::Ptr forbidden = classify(403, "nope");
  EXPECT_EQ(str(forbidden, "outcome"), "failed");
  EXPECT_EQ(str(forbidden, "title"), "HTTP 403");
}

}  // namespace
}  // namespace baraza::whatsapp
