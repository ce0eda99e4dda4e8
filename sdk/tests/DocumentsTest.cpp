// The typed documents read and write the examples of docs/plugin-authors.md unchanged, and the
// typed base classes answer through the string operations the host calls.
#include <gtest/gtest.h>

#include <baraza/sdk/Documents.hpp>
#include <baraza/sdk/testing.hpp>

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
