// kyc: the business logic of the identity verification Flow (config/flows/kyc.json).
//   INIT/BACK                  -> DOCUMENT: the document types
//   data_exchange on DOCUMENT  -> RESULT with what the tenant's verifier found, or an error for
//                                 a number that does not fit its document (nothing is asked of
//                                 the authority then) or an authority that cannot be reached
// RESULT completes the Flow on the phone with the verification as its params; the conversation
// plugin (the assistant) answers that completion in the chat.
#include <baraza/sdk/Documents.hpp>

namespace {

using baraza::sdk::FlowAnswer;
using baraza::sdk::FlowRequest;
using baraza::sdk::Host;
using baraza::sdk::StatusOr;
using baraza::sdk::Verification;
using nlohmann::json;

struct Document {
  const char* id;
  const char* title;
};
constexpr Document kDocuments[] = {{"KRA PIN", "KRA PIN"},
                                   {"Citizen", "National ID"},
                                   {"Non-Citizen", "Alien card"},
                                   {"Passport", "Passport"}};

class KycFlow : public baraza::sdk::TypedFlow {
 public:
  KycFlow(Host host, std::string_view configJson) : host_(host) {
    const json config = json::parse(configJson);
    verifier_ = config.value("verifier", "");
  }

  StatusOr<FlowAnswer> exchange(const FlowRequest& request) override {
    if (request.action == "INIT" || request.action == "BACK") return documentScreen();
    if (request.action != "data_exchange")
      return baraza::sdk::invalidArgument("unknown action " + request.action);
    if (request.screen == "DOCUMENT") return verify(request.data);
    return FlowAnswer::error("Something went wrong. Please start again.");
  }

 private:
  static FlowAnswer documentScreen() {
    json types = json::array();
    for (const Document& d : kDocuments) types.push_back({{"id", d.id}, {"title", d.title}});
    return FlowAnswer::next("DOCUMENT", {{"document_types", types}});
  }

  FlowAnswer verify(const json& data) {
    const std::string document = data.value("document_type", "");
    const std::string number = data.value("number", "");
    if (document.empty() || number.empty())
      return FlowAnswer::error("Choose a document and enter its number.");
    StatusOr<Verification> answer = baraza::sdk::verify(host_, {document, number}, verifier_);
    if (!answer.isOk()) {
      host_.warn("verification failed: " + answer.status().message());
      return FlowAnswer::error(
          "The verification service cannot be reached right now. Please try again in a few "
          "minutes.");
    }
    const Verification& v = *answer;
    if (v.result == "invalid_format" || v.result == "unsupported_document_type") {
      return FlowAnswer::error("That number does not look right: " +
                               (v.message.empty() ? "check it and try again" : v.message) + ".");
    }
    const bool verified = v.result == "verified";
    const std::string shownNumber = v.number.empty() ? number : v.number;
    std::string summary;
    if (!verified) {
      summary = "KRA has no record of " + document + " " + shownNumber + ".";
    } else {
      summary = "KRA PIN " + v.pin + "\nName: " + v.name;
      if (!v.pinStatus.empty()) summary += "\nPIN status: " + v.pinStatus;
    }
    host_.count(verified ? "verified" : "not_found");
    return FlowAnswer::next("RESULT",
                            {{"title", verified ? "Verified" : "Not found"},
                             {"summary", summary},
                             {"result", v.result},
                             {"document_type", v.documentType.empty() ? document : v.documentType},
                             {"number", shownNumber},
                             {"pin", v.pin},
                             {"name", v.name},
                             {"pin_status", v.pinStatus},
                             {"taxpayer_type", v.taxpayerType},
                             {"active", v.active.value_or(false)}});
  }

  Host host_;
  std::string verifier_;
};

}  // namespace

BARAZA_PLUGIN(BARAZA_PLUGIN_ID, BARAZA_PLUGIN_VERSION, KycFlow)
