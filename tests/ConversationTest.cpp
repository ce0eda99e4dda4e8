// Conversations end to end, from a signed webhook to the payload the fake Graph API receives:
// the rules intent plugin, the assistant, the KRA verifier against the fake KRA, on SQLite and a
// private MariaDB. Every component is the real one; only Meta and KRA are fakes on 127.0.0.1.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <thread>

#include "common/JsonText.h"
#include "support/InboundHost.h"

namespace baraza {
namespace {

using jsontext::json;
using jsontext::parseObject;
using jsontext::str;
using Poco::JSON::Object;
using ::testing::HasSubstr;
using ::testing::Not;

class ConversationTest : public baraza::testing::InboundHostTest {
 protected:
  /** Tenant "acme": the rules intent, the assistant, the KRA verifier; `extra` lines added. */
  void start(const std::string& extra = "") {
    startHost(
        "secrets.kra_consumer_key = kra-key\n"
        "secrets.kra_consumer_secret = kra-secret\n"
        "plugins.rules.plugin = ke.baraza.intent.rules\n"
        "plugins.assistant.plugin = ke.baraza.conversation.assistant\n"
        "plugins.kra.plugin = ke.baraza.verifier.kra\n"
        "plugins.kra.config.timeout_ms = 500\n" +
        extra);
  }

  /** Posts one delivery holding `message` (its "id" filled in), signed. */
  int post(Object::Ptr message, const std::string& id = "") {
    message->set("id", id.empty() ? "wamid.t" + std::to_string(++sent_) : id);
    return postMessage(message);
  }

  /** Waits for `n` more messages to reach the fake Graph API; their bodies. */
  std::vector<Object::Ptr> replies(size_t n = 1) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (graph_.acceptedCount() < seen_ + n && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    std::vector<Object::Ptr> out;
    const auto accepted = graph_.accepted();
    for (size_t i = seen_; i < accepted.size(); ++i) out.push_back(parseObject(accepted[i].body));
    seen_ = accepted.size();
    EXPECT_EQ(out.size(), n) << "replies reaching the Graph API";
    return out;
  }

  /** `size` bytes that begin as a JPEG file does. */
  static std::string jpegOf(size_t size) {
    std::string bytes = "\xFF\xD8\xFF\xE0";
    bytes.resize(size, 'j');
    return bytes;
  }

  /** An image message of Meta's media `id`, announcing the hash of `bytes`. */
  static Object::Ptr photoMessage(const std::string& id, const std::string& bytes) {
    Object::Ptr photo = new Object;
    photo->set("type", "image");
    Object::Ptr image = new Object;
    image->set("id", id);
    image->set("mime_type", "image/jpeg");
    image->set("sha256", crypto::base64Encode(std::string(
                             reinterpret_cast<const char*>(crypto::sha256(bytes).data()), 32)));
    image->set("caption", "the scene");
    photo->set("image", image);
    return photo;
  }

  static Object::Ptr textMessage(const std::string& body) {
    Object::Ptr m = new Object;
    m->set("type", "text");
    Object::Ptr t = new Object;
    t->set("body", body);
    m->set("text", t);
    return m;
  }

  /** Sends a text and returns the one reply's text (a text's body or an interactive's body text).
   */
  std::string say(const std::string& text) {
    EXPECT_EQ(post(textMessage(text)), 200);
    return bodyOf(replies().front());
  }

  /** A tap on a reply button (or a list row, `kind` list_reply), as its message. */
  static Object::Ptr tapMessage(const std::string& id, const std::string& title,
                                const std::string& kind = "button_reply") {
    Object::Ptr m = new Object;
    m->set("type", "interactive");
    Object::Ptr interactive = new Object;
    interactive->set("type", kind);
    Object::Ptr reply = new Object;
    reply->set("id", id);
    reply->set("title", title);
    interactive->set(kind, reply);
    m->set("interactive", interactive);
    return m;
  }

  /** Taps a reply button (or a list row, `kind` list_reply); the one reply's text. */
  std::string tap(const std::string& id, const std::string& title,
                  const std::string& kind = "button_reply") {
    EXPECT_EQ(postTap(id, title, kind), 200);
    return bodyOf(replies().front());
  }
  int postTap(const std::string& id, const std::string& title,
              const std::string& kind = "button_reply") {
    return post(tapMessage(id, title, kind));
  }

  static std::string bodyOf(const Object::Ptr& sent) {
    if (sent.isNull()) return "";
    if (str(sent, "type") == "text") return str(sent->getObject("text"), "body");
    Object::Ptr interactive = sent->getObject("interactive");
    return interactive.isNull() ? json(sent) : str(interactive->getObject("body"), "text");
  }

  /** The ids of the reply buttons (or list rows) of an interactive message. */
  static std::vector<std::string> choices(const Object::Ptr& sent) {
    std::vector<std::string> ids;
    Object::Ptr action = sent->getObject("interactive")->getObject("action");
    jsontext::forEachObject(action->getArray("buttons"), [&](size_t, const Object::Ptr& b) {
      ids.push_back(str(b->getObject("reply"), "id"));
    });
    jsontext::forEachObject(action->getArray("sections"), [&](size_t, const Object::Ptr& section) {
      jsontext::forEachObject(section->getArray("rows"), [&](size_t, const Object::Ptr& row) {
        ids.push_back(str(row, "id"));
      });
    });
    return ids;
  }

  /** OpenAI first (300 ms per attempt), then the rules. */
  void startWithOpenAi() {
    start(
        "secrets.openai_api_key = sk-test\n"
        "plugins.openai.plugin = ke.baraza.intent.openai\n"
        "plugins.openai.config.timeout_ms = 300\n"
        "intent.chain = openai, rules\n");
  }

  /** The instance of the intent chain whose result was stored for the only message so far. */
  std::string intentSource() {
    std::string result;
    tx([&](Poco::Data::Session& s) {
      s << "SELECT result FROM message_intents", Poco::Data::Keywords::into(result),
          Poco::Data::Keywords::now;
    });
    return result.empty() ? "" : str(parseObject(result), "source");
  }

  size_t sent_ = 0;
  size_t seen_ = 0;
};

TEST_P(ConversationTest, VerifiesAPinAskedForInEnglish) {
  start();
  const std::string reply = say("verify KRA PIN > A744610021G");
  EXPECT_THAT(reply, HasSubstr("KRA PIN A744610021G is registered"));
  EXPECT_THAT(reply, HasSubstr("Name: JOHN KAMAU TEST"));
  EXPECT_THAT(reply, HasSubstr("PIN status: Active"));
  const auto calls = kra_.calls();
  ASSERT_EQ(calls.size(), 2u) << "a token, then the check";
  EXPECT_EQ(calls[1].path, "/checker/v1/pinbypin");
  EXPECT_EQ(calls[1].body, R"({"KRAPIN":"A744610021G"})");
  EXPECT_EQ(graph_.accepted()[0].recipient, std::string("+") + kPerson);
}

TEST_P(ConversationTest, VerifiesAPinAskedForInSwahili) {
  start();
  const std::string reply = say("nataka kuthibitisha PIN yangu a744610021g");
  EXPECT_THAT(reply, HasSubstr("PIN ya KRA A744610021G imesajiliwa"));
  EXPECT_THAT(reply, HasSubstr("Jina: JOHN KAMAU TEST"));
}

TEST_P(ConversationTest, FindsThePinOfANationalIdAndAsksForTheDocumentOfABareNumber) {
  start();
  EXPECT_THAT(say("check my national ID 100000000"),
              HasSubstr("National ID 100000000 has KRA PIN A000000000I"));
  EXPECT_EQ(kra_.calls().back().body, R"({"TaxpayerID":"100000000","TaxpayerType":"KE"})");
  EXPECT_THAT(say("verify 100000000"), HasSubstr("What kind of document is 100000000?"));
  const std::string answer = tap("doc_citizen", "National ID");
  EXPECT_THAT(answer, HasSubstr("YAMAS12 TEST OMINI01"));
}

TEST_P(ConversationTest, AMalformedPinGetsAPreciseQuestionAndNoCallToKra) {
  start();
  EXPECT_THAT(say("verify my KRA PIN"), HasSubstr("Please send the KRA PIN"));
  EXPECT_THAT(
      say("A12345"),
      HasSubstr("A12345 does not look right: a KRA PIN is A or P, then 9 digits, then a letter"));
  EXPECT_EQ(kra_.checkerCalls(), 0u);
  EXPECT_THAT(say("P318295670X"), HasSubstr("T. AN 052318TEST NA NA"));
}

TEST_P(ConversationTest, APinKraDoesNotKnowAndOneThatIsSuspended) {
  start();
  kra_.setPinStatus("A521040203F", "Suspended");
  kra_.setLowercaseStatus(true);  // {"status": "OK"}, as one SDK reads it
  kra_.setNumericExpiry(true);    // "expires_in": 3600
  EXPECT_THAT(say("verify A000000001Z"), HasSubstr("KRA has no record of KRA PIN A000000001Z"));
  EXPECT_THAT(say("verify A521040203F"), HasSubstr("registered but its status is Suspended"));
}

TEST_P(ConversationTest, AnExpiredTokenIsRenewedAndTheCheckMadeAgain) {
  start();
  ASSERT_THAT(say("verify A744610021G"), HasSubstr("is registered"));
  kra_.expireTokens();
  EXPECT_THAT(say("verify P318295670X"), HasSubstr("is registered"));
  EXPECT_EQ(kra_.tokenCalls(), 2u);
  EXPECT_EQ(kra_.checkerCalls(), 3u) << "the refused check, then the same check with the new token";
}

TEST_P(ConversationTest, KraFailingOrTooSlowIsSaidPlainly) {
  start();
  kra_.failNext(502, "Bad Gateway");
  EXPECT_THAT(say("verify A744610021G"), HasSubstr("KRA cannot be reached right now"));
  kra_.delayNext(1500);  // past the plugin's 500 ms
  EXPECT_THAT(say("verify A744610021G"), HasSubstr("KRA cannot be reached right now"));
  kra_.failNext(200, "<html>maintenance</html>");
  EXPECT_THAT(say("verify A744610021G"), HasSubstr("KRA cannot be reached right now"));
  EXPECT_THAT(say("verify A744610021G"), HasSubstr("is registered")) << "and it works again after";
}

TEST_P(ConversationTest, HelpGreetingAndWhatItDoesNotUnderstandInBothLanguages) {
  start();
  EXPECT_THAT(say("help"), HasSubstr("I can verify a KRA PIN"));
  EXPECT_THAT(say("msaada"), HasSubstr("Naweza kuthibitisha PIN ya KRA"));
  EXPECT_THAT(say("hello"), HasSubstr("Hello Wanjiku!"));
  EXPECT_THAT(say("habari"), HasSubstr("Habari Wanjiku!"));
  EXPECT_THAT(say("what is the weather in Mombasa"),
              HasSubstr("Sorry, I did not understand that."));
  EXPECT_THAT(say("hali ya hewa ya Mombasa tafadhali"), HasSubstr("Samahani, sijaelewa."));
  EXPECT_THAT(say("ghairi"), HasSubstr("Hakuna cha kughairi."));
  EXPECT_THAT(say("my reports"), HasSubstr("You have not reported any incidents."));
  EXPECT_THAT(say("nionyeshe ripoti zangu"), HasSubstr("Hujaripoti tukio lolote."));
  EXPECT_EQ(say("nataka kuripoti wizi"), "Ni tukio la aina gani?");
  EXPECT_EQ(say("ghairi"), "Imeghairiwa. Kuna jingine?")
      << "a report without a type yet is dropped";
}

TEST_P(ConversationTest, ATenantsOwnTextsReplaceTheBuiltInOnes) {
  start(
      "plugins.assistant.config.texts.en.menu = Welcome to Acme{name}. Pick one:\n"
      "plugins.assistant.config.texts.sw.fallback = Sijakuelewa, samahani.\n");
  EXPECT_EQ(say("help"), "Welcome to Acme Wanjiku. Pick one:");
  EXPECT_THAT(say("hali ya hewa ya Mombasa tafadhali"), HasSubstr("Sijakuelewa, samahani."));
}

TEST_P(ConversationTest, AnIncidentIsReportedWithACancelAResumeAndAPhoto) {
  start("plugins.media.plugin = ke.baraza.media.fs\nplugins.media.config.root = " + config_.path() +
        "/media\n");
  const std::string jpeg = jpegOf(70 * 1024);
  graph_.addMedia("1043210000000001", {jpeg, "image/jpeg"});
  // A program sent as a photo: Meta takes the type the phone declares.
  const std::string disguised = "MZ\x90" + std::string(4096, '\0');
  graph_.addMedia("1043210000000002", {disguised, "image/jpeg"});
  ASSERT_EQ(post(textMessage("I want to report an incident")), 200);
  Object::Ptr list = replies().front();
  EXPECT_EQ(bodyOf(list), "What kind of incident is it?");
  EXPECT_THAT(choices(list), ::testing::ElementsAre("incident_type:theft", "incident_type:accident",
                                                    "incident_type:fire", "incident_type:fraud",
                                                    "incident_type:other"));
  EXPECT_THAT(tap("incident_type:theft", "Theft", "list_reply"), HasSubstr("Where did it happen?"));
  EXPECT_THAT(say("Westlands, Nairobi"), HasSubstr("When did it happen?"));
  EXPECT_THAT(say("cancel"), HasSubstr("Your report is paused"));
  EXPECT_THAT(say("verify A744610021G"), HasSubstr("is registered")) << "other requests in between";
  EXPECT_THAT(say("report"), HasSubstr("You have an unfinished Theft report"));
  EXPECT_THAT(tap("incident_resume", "Continue"), HasSubstr("When did it happen?"));
  EXPECT_THAT(say("today 3pm"), HasSubstr("Please describe what happened."));
  EXPECT_THAT(say("My phone was taken at the bus stop"), HasSubstr("Send photos or videos"));

  ASSERT_EQ(post(photoMessage("1043210000000002", disguised)), 200);
  EXPECT_THAT(bodyOf(replies().front()), HasSubstr("contents do not match its type"));
  ASSERT_EQ(post(photoMessage("1043210000000001", jpeg)), 200);
  EXPECT_THAT(bodyOf(replies().front()), HasSubstr("Got it (1 so far)"));
  const std::string saved = tap("incident_done", "Done");
  EXPECT_THAT(saved, HasSubstr("Incident reported. Your reference number is INC-"));
  const std::string reference = saved.substr(saved.find("INC-"), 12);

  // Stored for the tenant and contact, with every answer and the photo's media id.
  std::string stored;
  tx([&](Poco::Data::Session& s) {
    Poco::Data::Statement select(s);
    select << "SELECT v FROM plugin_kv WHERE tenant = 'acme' AND scope = 'assistant' AND k = ?",
        Poco::Data::Keywords::bind("incident:" + reference), Poco::Data::Keywords::into(stored),
        Poco::Data::Keywords::now;
  });
  Object::Ptr incident = parseObject(stored);
  EXPECT_EQ(str(incident, "type"), "theft");
  EXPECT_EQ(str(incident, "location"), "Westlands, Nairobi");
  EXPECT_EQ(str(incident, "time"), "today 3pm");
  EXPECT_EQ(str(incident, "description"), "My phone was taken at the bus stop");
  EXPECT_EQ(str(incident, "contact"), kPerson);
  ASSERT_EQ(incident->getArray("evidence")->size(), 1u) << "the disguised file is not evidence";
  Object::Ptr evidence = incident->getArray("evidence")->getObject(0);
  EXPECT_EQ(str(evidence, "media_id"), "1043210000000001");
  // The conversation waited for the photo's download and was given the host's copy of it.
  EXPECT_EQ(str(evidence, "sha256"), crypto::toHex(crypto::sha256(jpeg)));
  EXPECT_EQ(count("SELECT COUNT(*) FROM media WHERE state = 'stored' AND id = " +
                  str(evidence, "stored_media_id")),
            1);

  const std::string listed = say("show my incidents");
  EXPECT_THAT(listed, HasSubstr(reference + " · Theft · Westlands, Nairobi"));
}

TEST_P(ConversationTest, AReportReachesTheIncidentDeskWithTheHostsCopyOfItsPhotoUploadedOnce) {
  start("plugins.media.plugin = ke.baraza.media.fs\nplugins.media.config.root = " + config_.path() +
        "/media\nplugins.assistant.config.incident_desk = 254711000999\n");
  const std::string jpeg = jpegOf(90 * 1024);
  graph_.addMedia("1043210000000003", {jpeg, "image/jpeg"});
  ASSERT_EQ(post(textMessage("report an incident")), 200);
  replies();
  EXPECT_THAT(tap("incident_type:fire", "Fire", "list_reply"), HasSubstr("Where did it happen?"));
  EXPECT_THAT(say("Gikomba market"), HasSubstr("When did it happen?"));
  EXPECT_THAT(say("this morning"), HasSubstr("Please describe what happened."));
  EXPECT_THAT(say("Stalls caught fire"), HasSubstr("Send photos or videos"));
  ASSERT_EQ(post(photoMessage("1043210000000003", jpeg)), 200);
  EXPECT_THAT(bodyOf(replies().front()), HasSubstr("Got it (1 so far)"));

  // Graph refuses the first upload of the photo for the desk as a passing failure: the message
  // is answered again, and the report is saved once all the same.
  graph_.failUploads(2);
  ASSERT_EQ(postTap("incident_done", "Done"), 200);
  std::map<std::string, std::vector<Object::Ptr>> byRecipient;
  std::string all;
  for (const Object::Ptr& sent : replies(3)) {
    byRecipient[str(sent, "to")].push_back(sent);
    all += json(sent) + "\n";
  }
  const std::string person = "+" + std::string(kPerson);
  ASSERT_EQ(byRecipient[person].size(), 1u) << all;
  const std::string saved = bodyOf(byRecipient[person].front());
  ASSERT_THAT(saved, HasSubstr("Your reference number is INC-"));
  const std::string reference = saved.substr(saved.find("INC-"), 12);

  const std::vector<Object::Ptr>& desk = byRecipient["+254711000999"];
  ASSERT_EQ(desk.size(), 2u) << all;
  std::string summary, photoId, caption;
  for (const Object::Ptr& sent : desk) {
    if (str(sent, "type") == "text") summary = bodyOf(sent);
    if (str(sent, "type") == "image") {
      photoId = str(sent->getObject("image"), "id");
      caption = str(sent->getObject("image"), "caption");
    }
  }
  EXPECT_THAT(summary, HasSubstr("New incident " + reference + ": Fire"));
  EXPECT_THAT(summary, HasSubstr("Where: Gikomba market"));
  EXPECT_THAT(summary, HasSubstr("Reported by " + person));
  EXPECT_EQ(caption, reference);
  // The upload the host made from its own copy: refused once, then taken.
  int tries = 0;
  for (const auto& call : graph_.calls())
    if (call.method == "POST" && call.path.size() > 6 &&
        call.path.compare(call.path.size() - 6, 6, "/media") == 0)
      ++tries;
  EXPECT_EQ(tries, 2);
  const auto uploads = graph_.uploads();
  ASSERT_EQ(uploads.size(), 1u);
  EXPECT_EQ(photoId, uploads[0].id);
  EXPECT_EQ(uploads[0].bytes, jpeg);
  EXPECT_EQ(uploads[0].fileType, "image/jpeg");
  const std::string listed = say("show my incidents");
  EXPECT_THAT(listed, HasSubstr(reference));
  EXPECT_EQ(listed.find(reference), listed.rfind(reference)) << "listed once";
  EXPECT_EQ(count("SELECT COUNT(*) FROM plugin_kv WHERE tenant = 'acme' AND k LIKE 'incident:%'"),
            1)
      << "answering the message again saved the same report";
}

TEST_P(ConversationTest, ADeliveryPostedThreeTimesIsAnsweredOnceAndClassifiedOnce) {
  start();
  Object::Ptr m = textMessage("verify A744610021G");
  for (int i = 0; i < 3; ++i) ASSERT_EQ(post(m, "wamid.same"), 200);
  EXPECT_THAT(bodyOf(replies().front()), HasSubstr("is registered"));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // room for a wrong second reply
  EXPECT_EQ(graph_.acceptedCount(), 1u);
  EXPECT_EQ(count("SELECT COUNT(*) FROM message_intents"), 1);
  EXPECT_EQ(metrics_.value("baraza_plugin_events_total",
                           R"(tenant="acme",instance="rules",name="detected")"),
            1);
  EXPECT_EQ(kra_.checkerCalls(), 1u);
}

TEST_P(ConversationTest, TheStateIsKeptPerContactWithItsVersion) {
  start();
  say("verify");
  int version = 0;
  std::string state;
  tx([&](Poco::Data::Session& s) {
    s << "SELECT version, state FROM conversation_state WHERE tenant = 'acme' AND contact = ?",
        Poco::Data::Keywords::bind(std::string(kPerson)), Poco::Data::Keywords::into(version),
        Poco::Data::Keywords::into(state), Poco::Data::Keywords::now;
  });
  EXPECT_EQ(version, 1);
  EXPECT_EQ(str(parseObject(state), "dialog"), "verify");
  say("A744610021G");
  tx([&](Poco::Data::Session& s) {
    s << "SELECT version FROM conversation_state WHERE tenant = 'acme' AND contact = ?",
        Poco::Data::Keywords::bind(std::string(kPerson)), Poco::Data::Keywords::into(version),
        Poco::Data::Keywords::now;
  });
  EXPECT_EQ(version, 2);
}

TEST_P(ConversationTest, AContactsMessagesInOneBatchAreAnsweredInOrderOnTheStateEachLeft) {
  start();  // inbound.turns_at_once 4: the three contacts' turns run at once
  const std::vector<std::string> contacts = {"254711000101", "254711000102", "254711000103"};
  std::vector<std::pair<std::string, Object::Ptr>> messages;
  for (int step = 0; step < 3; ++step) {
    for (const auto& contact : contacts) {
      Object::Ptr m = step == 0   ? textMessage("report an incident")
                      : step == 1 ? tapMessage("incident_type:fire", "Fire", "list_reply")
                                  : textMessage("Gate " + contact.substr(9));
      m->set("id", "wamid.batch-" + contact + "-" + std::to_string(step));
      messages.emplace_back(contact, m);
    }
  }
  ASSERT_EQ(postMessages(messages), 200);
  std::map<std::string, std::vector<std::string>> said;
  for (const auto& sent : replies(9)) said[str(sent, "to")].push_back(bodyOf(sent));
  int classified = 0;
  tx([&](Poco::Data::Session& s) {
    s << "SELECT COUNT(*) FROM message_intents WHERE result LIKE '%\"intent\"%'",
        Poco::Data::Keywords::into(classified), Poco::Data::Keywords::now;
  });
  EXPECT_EQ(classified, 9) << "every message's intents stored with its batch";
  for (const auto& contact : contacts) {
    const auto& answers = said["+" + contact];
    ASSERT_EQ(answers.size(), 3u) << contact;
    EXPECT_EQ(answers[0], "What kind of incident is it?") << contact;
    EXPECT_THAT(answers[1], HasSubstr("Where did it happen?")) << contact;
    EXPECT_THAT(answers[2], HasSubstr("When did it happen?")) << contact;
    int version = 0;
    std::string state;
    tx([&](Poco::Data::Session& s) {
      s << "SELECT version, state FROM conversation_state WHERE tenant = 'acme' AND contact = ?",
          Poco::Data::Keywords::bind(contact), Poco::Data::Keywords::into(version),
          Poco::Data::Keywords::into(state), Poco::Data::Keywords::now;
    });
    EXPECT_EQ(version, 3) << contact << ": each turn wrote on the version the one before left";
    EXPECT_EQ(str(parseObject(state)->getObject("incident"), "location"),
              "Gate " + contact.substr(9));
  }
}

TEST_P(ConversationTest, OpenAiClassifiesFirstWithAStrictSchemaAndItsResultIsStored) {
  startWithOpenAi();
  EXPECT_THAT(say("Can you check if my PIN A744610021G is still active?"),
              HasSubstr("is registered"));
  const auto calls = openai_.calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].authorization, "Bearer sk-test");
  Object::Ptr request = parseObject(calls[0].body);
  Object::Ptr format = request->getObject("response_format");
  EXPECT_EQ(str(format, "type"), "json_schema");
  EXPECT_TRUE(format->getObject("json_schema")->getValue<bool>("strict"));
  EXPECT_THAT(json(format->getObject("json_schema")->getObject("schema")),
              HasSubstr(R"("verify_kra_pin")"));
  EXPECT_EQ(request->getValue<int>("max_completion_tokens"), 300);
  EXPECT_EQ(intentSource(), "openai");
  EXPECT_EQ(metrics_.value("baraza_plugin_events_total",
                           R"(tenant="acme",instance="openai",name="prompt_tokens")"),
            212);
}

TEST_P(ConversationTest, OpenAiRateLimitedOnceIsAskedAgainAfterItsRetryAfter) {
  startWithOpenAi();
  openai_.failNext(429, "rate_limit_exceeded", "Rate limit reached for requests",
                   {{"retry-after-ms", "50"}});
  EXPECT_THAT(say("check my pin A744610021G"), HasSubstr("is registered"));
  EXPECT_EQ(openai_.calls().size(), 2u);
  EXPECT_EQ(intentSource(), "openai");
}

TEST_P(ConversationTest, OpenAiTimingOutLeavesItToTheRules) {
  startWithOpenAi();
  openai_.delayNext(1000, 3);  // the first try and both retries, each past 300 ms
  EXPECT_THAT(say("verify A744610021G"), HasSubstr("is registered"));
  EXPECT_EQ(openai_.calls().size(), 3u);
  EXPECT_EQ(intentSource(), "rules");
}

TEST_P(ConversationTest, OpenAiRefusingLeavesItToTheRules) {
  startWithOpenAi();
  openai_.refuseNext();
  EXPECT_THAT(say("verify A744610021G"), HasSubstr("is registered"));
  EXPECT_EQ(openai_.calls().size(), 1u) << "a refusal is not retried";
  EXPECT_EQ(intentSource(), "rules");
}

TEST_P(ConversationTest, OpenAiCutShortLeavesItToTheRules) {
  startWithOpenAi();
  openai_.truncateNext();
  EXPECT_THAT(say("verify A744610021G"), HasSubstr("is registered"));
  EXPECT_EQ(openai_.calls().size(), 1u);
  EXPECT_EQ(intentSource(), "rules");
}

TEST_P(ConversationTest, AnExhaustedOpenAiQuotaIsNotRetried) {
  startWithOpenAi();
  openai_.failNext(429, "insufficient_quota", "You exceeded your current quota");
  EXPECT_THAT(say("verify A744610021G"), HasSubstr("is registered"));
  EXPECT_EQ(openai_.calls().size(), 1u);
  EXPECT_EQ(intentSource(), "rules");
}

TEST_P(ConversationTest, ADeliveryPostedThreeTimesAsksOpenAiOnce) {
  startWithOpenAi();
  Object::Ptr m = textMessage("please check PIN A744610021G");
  for (int i = 0; i < 3; ++i) ASSERT_EQ(post(m, "wamid.same"), 200);
  EXPECT_THAT(bodyOf(replies().front()), HasSubstr("is registered"));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // room for a wrong second reply
  EXPECT_EQ(graph_.acceptedCount(), 1u);
  EXPECT_EQ(openai_.calls().size(), 1u);
}

TEST_P(ConversationTest, AVerificationWithoutANumberSendsTheKycFlowAndItsCompletionIsAnswered) {
  start(
      "plugins.kyc.plugin = ke.baraza.flow.kyc\n"
      "plugins.assistant.config.kyc_flow_id = 1234567890\n"
      "plugins.assistant.config.kyc_flow_plugin = kyc\n");
  ASSERT_EQ(post(textMessage("I want to verify my KRA PIN")), 200);
  Object::Ptr sent = replies().front();
  Object::Ptr interactive = sent->getObject("interactive");
  ASSERT_FALSE(interactive.isNull()) << json(sent);
  EXPECT_EQ(str(interactive, "type"), "flow");
  Object::Ptr parameters = interactive->getObject("action")->getObject("parameters");
  EXPECT_EQ(str(parameters, "flow_id"), "1234567890");
  const std::string token = str(parameters, "flow_token");
  ASSERT_FALSE(token.empty()) << "the host mints the token";

  // The person completes the Flow (kyc.json's RESULT footer): an nfm_reply with its params.
  Object::Ptr m = new Object;
  m->set("type", "interactive");
  Object::Ptr nfm = new Object;
  nfm->set("type", "nfm_reply");
  Object::Ptr reply = new Object;
  reply->set("name", "flow");
  reply->set("body", "Sent");
  reply->set("response_json",
             R"({"flow_token":")" + token +
                 R"(","result":"verified","document_type":"KRA PIN","number":"A744610021G",)"
                 R"("pin":"A744610021G","name":"JOHN KAMAU TEST","pin_status":"Active",)"
                 R"("taxpayer_type":"Individual","active":true})");
  nfm->set("nfm_reply", reply);
  m->set("interactive", nfm);
  ASSERT_EQ(post(m), 200);
  EXPECT_THAT(bodyOf(replies().front()), HasSubstr("KRA PIN A744610021G is registered"));
}

BARAZA_ON_BOTH_BACKENDS(ConversationTest);

}  // namespace
}  // namespace baraza
