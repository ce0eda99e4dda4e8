// The typed documents read and write the examples of docs/plugin-authors.md unchanged, and the
// typed base classes answer through the string operations the host calls.
#include <gtest/gtest.h>

#include <baraza/sdk/Documents.hpp>
#include <baraza/sdk/testing.hpp>
#include <map>

namespace baraza::sdk {
namespace {

using Json = nlohmann::json;

template <class Document>
void roundTrips(const std::string& text) {
  const Json original = Json::parse(text);
  const Document read = original.get<Document>();
  EXPECT_EQ(Json(read), original) << text;
}

TEST(Documents, TheVerifierExamplesRoundTrip) {
  roundTrips<VerificationRequest>(R"({"document_type": "KRA PIN", "number": "A744610021G"})");
  roundTrips<Verification>(
      R"({"result": "verified", "document_type": "KRA PIN", "number": "A744610021G",
          "pin": "A744610021G", "name": "JOHN KAMAU TEST", "taxpayer_type": "Individual",
          "pin_status": "Active", "active": true})");
  roundTrips<Verification>(
      R"({"result": "not_found", "document_type": "KRA PIN", "number": "A000000001Z",
          "code": "19005", "message": "Invalid PIN"})");
  roundTrips<Verification>(
      R"~({"result": "invalid_format", "document_type": "KRA PIN", "number": "A12",
          "message": "a KRA PIN is A or P, then 9 digits, then a letter (like A123456789Z)"})~");
  roundTrips<Verification>(
      R"({"result": "unsupported_document_type", "document_type": "Driving licence",
          "number": "...", "message": "..."})");
}

TEST(Documents, TheIntentExamplesRoundTrip) {
  roundTrips<IntentInput>(
      R"({"tenant": "demo", "text": "verify KRA PIN > A744610021G", "reply_id": "verify_kra_pin",
          "message": {"id": "wamid.1", "type": "text", "text": {"body": "verify KRA PIN > A744610021G"}}})");
  roundTrips<IntentResult>(
      R"({"intent": {"name": "verify_kra_pin", "confidence": 1.0},
          "intents": [{"name": "verify_kra_pin", "confidence": 1.0}, {"name": "help", "confidence": 0.2}],
          "entities": [{"type": "kra_pin", "value": "A744610021G", "start": 17, "end": 28},
                       {"type": "document_type", "value": "KRA PIN"}],
          "language": "en", "ambiguous": false})");
}

TEST(Documents, MembersNotInTheDocumentsAreIgnoredAndMissingOnesLeftEmpty) {
  const auto request =
      readDocument<VerificationRequest>(R"({"number": "A744610021G", "extra": [1, 2]})");
  ASSERT_TRUE(request.isOk());
  EXPECT_EQ(request->number, "A744610021G");
  EXPECT_EQ(request->documentType, "");
  EXPECT_EQ(readDocument<VerificationRequest>("[1]").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(readDocument<IntentResult>("not json").status().code(), Code::kInvalidArgument);
}

/** A typed verifier, as an author writes one. */
class Listed : public TypedVerifier {
 public:
  Listed(Host host, std::string_view) : host_(host) {}
  StatusOr<Verification> verify(const VerificationRequest& request) override {
    host_.count("checks");
    Verification v;
    v.documentType = request.documentType;
    v.number = request.number;
    v.result = request.number == "A744610021G" ? "verified" : "not_found";
    if (v.result == "verified") {
      v.name = "JOHN KAMAU TEST";
      v.active = true;
    }
    return v;
  }

 private:
  Host host_;
};

TEST(Documents, ATypedVerifierAnswersTheHostsStringCallWithItsDocument) {
  testing::TestHost host;
  Listed listed(host.host(), "{}");
  Verifier& asTheHostCallsIt = listed;
  const auto answer =
      asTheHostCallsIt.verify(R"({"document_type": "KRA PIN", "number": "A744610021G"})");
  ASSERT_TRUE(answer.isOk()) << answer.status().message();
  EXPECT_EQ(Json::parse(*answer), Json::parse(R"({"result": "verified", "document_type": "KRA PIN",
                           "number": "A744610021G", "name": "JOHN KAMAU TEST", "active": true})"));
  EXPECT_EQ(host.counters["checks"], 1);
  EXPECT_EQ(asTheHostCallsIt.verify("[]").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(host.counters["checks"], 1) << "an unreadable request never reaches the plugin";
}

TEST(Documents, TheConversationExamplesRoundTrip) {
  roundTrips<ConversationEvent>(
      R"({"tenant": "demo", "phone_number_id": "100000000000001",
          "message": {"id": "wamid.1", "from": "254700000001", "type": "text", "text": {"body": "habari"}},
          "contact": {"wa_id": "254700000001", "profile_name": "Wanjiku"},
          "nlu": {"intent": {"name": "greeting", "confidence": 0.9},
                  "intents": [{"name": "greeting", "confidence": 0.9}], "entities": [],
                  "language": "sw", "ambiguous": false, "source": "rules"},
          "state": {"dialog": "verify"}, "state_version": 3})");
  roundTrips<ConversationEvent>(
      R"({"tenant": "demo", "phone_number_id": "100000000000001",
          "message": {"id": "wamid.2", "from": "254700000001", "type": "image",
                      "image": {"id": "1037543291543636", "mime_type": "image/jpeg"}},
          "contact": {"wa_id": "254700000001"}, "state": null, "state_version": 0,
          "media": [{"id": 12, "state": "stored", "kind": "image", "mime_type": "image/jpeg",
                     "size": 70412, "sha256": "5d15"},
                    {"id": 13, "state": "failed", "kind": "video", "mime_type": "video/mp4",
                     "error": "the provider no longer has it"}]})");
  roundTrips<ConversationEvent>(
      R"({"tenant": "demo", "phone_number_id": "100000000000001",
          "message": {"id": "wamid.3", "from": "254700000001", "type": "interactive",
                      "interactive": {"kind": "nfm_reply"}},
          "contact": {"wa_id": "254700000001"}, "state": {}, "state_version": 1,
          "flow": {"token": "tok", "flow": "kyc", "conversation": "c1",
                   "response": {"document_type": "KRA PIN"}}})");
  roundTrips<ConversationTurn>(
      R"({"replies": [{"type": "text", "to": "254700000001", "text": {"body": "echo: habari"}}],
          "state": {"dialog": "verify"}})");
  roundTrips<ConversationTurn>(R"({"replies": []})");
}

TEST(Documents, WordsAreReadFromEveryKindOfMessage) {
  EXPECT_EQ(wordsOf(Json::parse(R"({"type": "text", "text": {"body": "hi"}})")).text, "hi");
  const MessageWords tapped = wordsOf(Json::parse(
      R"({"type": "interactive", "interactive": {"kind": "button_reply", "id": "help", "title": "Help"}})"));
  EXPECT_EQ(tapped.text, "Help");
  EXPECT_EQ(tapped.replyId, "help");
  EXPECT_EQ(wordsOf(Json::parse(R"({"type": "image", "image": {"caption": "the car"}})")).text,
            "the car");
  EXPECT_EQ(wordsOf(Json::parse(R"({"type": "image"})")).text, "");
  EXPECT_EQ(Json(textReply("hello")),
            Json::parse(R"({"type": "text", "text": {"body": "hello"}})"));
}

TEST(Documents, TheFlowExamplesRoundTrip) {
  roundTrips<FlowRequest>(
      R"({"action": "data_exchange", "screen": "RECHARGE", "data": {"phone": "0712345678"},
          "version": "3.0", "flow_token": "tok",
          "context": {"tenant": "shop", "contact": "254711000001", "flow": "airtime", "conversation": "c1"}})");
  roundTrips<FlowAnswer>(R"({"screen": "CONFIRM", "data": {"summary": "KES 50"}})");
  roundTrips<FlowAnswer>(R"({"error_message": "Enter a Kenyan mobile number."})");
  roundTrips<FlowAnswer>(R"({"complete": {"phone": "+254712345678", "amount": 50}})");
  EXPECT_EQ(Json(FlowAnswer::next("START")), Json::parse(R"({"screen": "START", "data": {}})"));
  EXPECT_EQ(Json(FlowAnswer::error("no")), Json::parse(R"({"error_message": "no"})"));
  EXPECT_EQ(Json(FlowAnswer::completion({{"a", 1}})), Json::parse(R"({"complete": {"a": 1}})"));
}

TEST(Documents, TheMediaExamplesRoundTrip) {
  roundTrips<MediaWrite>(
      R"({"tenant": "demo", "sha256": "5d15", "size": 70412, "mime_type": "image/jpeg"})");
  roundTrips<MediaWrite>(
      R"({"tenant": "demo", "sha256": "", "size": -1, "mime_type": "image/png"})");
  roundTrips<MediaObject>(
      R"({"key": "demo/5d/5d15", "size": 70412, "sha256": "5d15", "path": "/var/lib/baraza/media/demo/5d/5d15"})");
  roundTrips<MediaObject>(R"({"key": "demo/5d/5d15", "size": 70412, "sha256": "5d15"})");
  roundTrips<MediaKey>(R"({"key": "demo/5d/5d15"})");
  roundTrips<Empty>("{}");
}

TEST(Documents, TheChannelExamplesRoundTrip) {
  roundTrips<WebhookEvents>(
      R"({"contacts": [{"wa_id": "254700000001", "user_id": "", "profile_name": "Wanjiku"}],
          "messages": [{"id": "wamid.1", "from": "254700000001", "timestamp_ms": 1730231903000,
                        "type": "text", "content": {"body": "habari"},
                        "context": {"from": "254700000002", "id": "wamid.0"}}],
          "statuses": [{"id": "wamid.9", "status": "failed", "timestamp_ms": 1730231904000,
                        "recipient_id": "254700000001", "errors": [{"code": 131047}]}],
          "errors": []})");
  roundTrips<SendPlan>(
      R"({"recipient": "+254712345678", "pair_rate": true,
          "request": {"method": "POST", "url": "https://graph.facebook.com/v25.0/106540352242922/messages",
                      "service": "graph",
                      "body": {"messaging_product": "whatsapp", "recipient_type": "individual",
                               "to": "+254712345678", "type": "text", "text": {"body": "Habari"}}}})");
  roundTrips<ProviderResponse>(R"({"status": 400, "body": "{\"error\":{\"code\":131056}}"})");
  roundTrips<Classification>(
      R"({"outcome": "retry", "scope": "recipient", "code": 131056, "title": "Pair rate limit hit", "details": "..."})");
  roundTrips<Classification>(R"({"outcome": "accepted", "provider_id": "wamid.1"})");
  roundTrips<Classification>(
      R"({"outcome": "retry", "scope": "number", "after_ms": 60000, "code": 131057, "subcode": 2, "title": "t", "details": ""})");
  roundTrips<ReengageRequest>(
      R"({"phone_number_id": "106540352242922", "to": "+254712345678", "template": "come_back", "language": "sw"})");
  roundTrips<TokenExchange>(R"({"token": "t", "app_id": "333", "app_secret": "s"})");
  roundTrips<AccessToken>(R"({"access_token": "long"})");
  roundTrips<FlowKeyRegistration>(
      R"({"phone_number_id": "106540352242922", "public_key": "-----BEGIN PUBLIC KEY-----\n...", "token": "t"})");
  roundTrips<FlowKeyState>(
      R"({"public_key": "-----BEGIN PUBLIC KEY-----\n...", "signature_status": "VALID"})");
  roundTrips<MediaSourceRequest>(
      R"({"media_id": "1037543291543636", "phone_number_id": "106540352242922", "token": "t"})");
  roundTrips<MediaSource>(
      R"({"url": "https://lookaside.fbsbx.com/x", "mime_type": "image/jpeg", "sha256": "5d15",
          "file_size": 303833, "headers": {"Authorization": "Bearer t"}})");
  roundTrips<MediaUpload>(
      R"({"phone_number_id": "106540352242922", "token": "t", "path": "/tmp/receipt.jpg",
          "mime_type": "image/jpeg", "filename": "receipt.jpg"})");
  roundTrips<UploadedMedia>(R"({"media_id": "1037543291543636"})");
}

/** A plugin of each remaining kind, as an author writes one on the typed bases. */
class Parrot : public TypedConversation, public TypedFlow {
 public:
  StatusOr<ConversationTurn> onMessage(const ConversationEvent& event) override {
    ConversationTurn turn;
    turn.replies.push_back(textReply("you said " + wordsOf(event.message).text));
    turn.state = Json{{"seen", event.stateVersion + 1}};
    return turn;
  }
  StatusOr<FlowAnswer> exchange(const FlowRequest& request) override {
    if (request.action == "INIT")
      return FlowAnswer::next("START", {{"who", request.context.contact}});
    return FlowAnswer::completion(request.data);
  }
};

TEST(Documents, TypedConversationAndFlowAnswerTheHostsStringCalls) {
  Parrot parrot;
  Conversation& conversation = parrot;
  auto said = conversation.onMessage(
      R"({"message": {"type": "text", "text": {"body": "habari"}}, "state_version": 2})");
  ASSERT_TRUE(said.isOk()) << said.status().message();
  EXPECT_EQ(Json::parse(*said),
            Json::parse(R"({"replies": [{"type": "text", "text": {"body": "you said habari"}}],
                                                "state": {"seen": 3}})"));
  Flow& flow = parrot;
  EXPECT_EQ(Json::parse(*flow.exchange(R"({"action": "INIT", "context": {"contact": "2547"}})")),
            Json::parse(R"({"screen": "START", "data": {"who": "2547"}})"));
  EXPECT_EQ(Json::parse(*flow.exchange(R"({"action": "data_exchange", "data": {"a": 1}})")),
            Json::parse(R"({"complete": {"a": 1}})"));
  EXPECT_EQ(flow.exchange("nope").status().code(), Code::kInvalidArgument);
}

class Shelf : public TypedMedia {
 public:
  class Writer : public TypedMediaWriter {
   public:
    explicit Writer(Shelf& shelf) : shelf_(shelf) {}
    Status write(std::string_view bytes) override {
      bytes_ += bytes;
      return Status::ok();
    }
    StatusOr<MediaObject> commitObject() override {
      shelf_.objects["k1"] = bytes_;
      return MediaObject{"k1", static_cast<int64_t>(bytes_.size()), "", ""};
    }

   private:
    Shelf& shelf_;
    std::string bytes_;
  };
  StatusOr<MediaObject> get(const MediaKey& key) override {
    auto it = objects.find(key.key);
    if (it == objects.end()) return notFound("no " + key.key);
    return MediaObject{key.key, static_cast<int64_t>(it->second.size()), "", ""};
  }
  StatusOr<std::unique_ptr<MediaWriter>> openWriter(const MediaWrite& write) override {
    if (write.tenant.empty()) return invalidArgument("tenant: required");
    return std::unique_ptr<MediaWriter>(new Writer(*this));
  }
  Status remove(const MediaKey& key) override {
    objects.erase(key.key);
    return Status::ok();
  }
  StatusOr<size_t> read(std::string_view, uint64_t, char*, size_t) override { return size_t{0}; }
  std::map<std::string, std::string> objects;
};

TEST(Documents, TypedMediaAnswersTheHostsStringCalls) {
  Shelf shelf;
  Media& media = shelf;
  EXPECT_EQ(media.openWriter(R"({"size": 3})").status().code(), Code::kInvalidArgument);
  auto writer = media.openWriter(R"({"tenant": "demo", "size": 3})");
  ASSERT_TRUE(writer.isOk());
  ASSERT_TRUE((*writer)->write("abc").isOk());
  EXPECT_EQ(Json::parse(*(*writer)->commit()),
            Json::parse(R"({"key": "k1", "size": 3, "sha256": ""})"));
  EXPECT_EQ(Json::parse(*media.get(R"({"key": "k1"})"))["size"], 3);
  EXPECT_EQ(*media.remove(R"({"key": "k1"})"), "{}");
  EXPECT_EQ(media.get(R"({"key": "k1"})").status().code(), Code::kNotFound);
}

class Pigeon : public TypedChannel {
 public:
  StatusOr<WebhookEvents> parseWebhook(const Json& value) override {
    WebhookEvents events;
    for (const auto& m : value.value("messages", Json::array())) {
      InboundMessage message;
      message.id = m.value("id", "");
      message.type = "text";
      events.messages.push_back(message);
    }
    return events;
  }
  StatusOr<SendPlan> buildSend(const Json& message) override {
    if (!message.contains("to")) return invalidArgument("to: required");
    SendPlan plan;
    plan.recipient = message["to"];
    plan.request.url = "https://pigeon.example/send";
    plan.request.body = message;
    return plan;
  }
  StatusOr<Classification> classifyResponse(const ProviderResponse& response) override {
    Classification c;
    c.outcome = response.status == 200 ? "accepted" : "failed";
    return c;
  }
};

TEST(Documents, ATypedChannelAnswersTheHostsStringCallsAndLeavesOptionalOnesUnimplemented) {
  Pigeon pigeon;
  Channel& channel = pigeon;
  EXPECT_EQ(
      Json::parse(*channel.parseWebhook(R"({"messages": [{"id": "m1"}]})"))["messages"][0]["id"],
      "m1");
  EXPECT_EQ(channel.buildSend(R"({"type": "text"})").status().message(), "to: required");
  EXPECT_EQ(Json::parse(*channel.buildSend(R"({"to": "+2547"})"))["request"]["url"],
            "https://pigeon.example/send");
  EXPECT_EQ(Json::parse(*channel.classifyResponse(R"({"status": 200, "body": "{}"})")),
            Json::parse(R"({"outcome": "accepted"})"));
  EXPECT_EQ(channel.reengage(R"({"to": "+2547"})").status().code(), Code::kUnimplemented);
  EXPECT_EQ(channel.uploadMedia(R"({"path": "/tmp/x"})").status().code(), Code::kUnimplemented);
}

TEST(Documents, TheTestHostKeepsWhatThePluginStoresAndRecordsWhatItAsks) {
  testing::TestHost test;
  const Host host = test.host();
  ASSERT_TRUE(host.kvPut("k", "v").isOk());
  EXPECT_EQ(*host.kvGet("k"), "v");
  EXPECT_EQ(host.kvGet("other").status().code(), Code::kNotFound);
  test.secrets["api_key"] = "s3";
  EXPECT_EQ(*host.secret("api_key"), "s3");
  EXPECT_EQ(host.http(HttpRequest{}).status().code(), Code::kUnavailable) << "no network";
  test.answer = [](const HttpRequest& r) { return HttpResponse{201, "{}", "got " + r.body}; };
  HttpRequest post;
  post.method = "POST";
  post.body = "hello";
  EXPECT_EQ(host.http(post)->body, "got hello");
  EXPECT_EQ(test.requests.size(), 2u);
  auto state = host.stateGet("254700000001");
  EXPECT_EQ(state->version, 0);
  EXPECT_EQ(*host.statePut("254700000001", "{}", 0), 1);
  EXPECT_EQ(host.statePut("254700000001", "{}", 0).status().code(), Code::kAborted);
  test.media[7] = {R"({"id": 7})", "bytes"};
  char out[8];
  EXPECT_EQ(*host.readMedia(7, 1, out, sizeof out), 4u);
  EXPECT_EQ(std::string(out, 4), "ytes");
  test.nowMs = 1767225600000;
  EXPECT_EQ(host.nowUnixMs(), 1767225600000);
}

}  // namespace
}  // namespace baraza::sdk
