// kyc: the business logic of the identity verification Flow (config/flows/kyc.json).
//   INIT/BACK                  -> DOCUMENT: the document types
//   data_exchange on DOCUMENT  -> RESULT with what the tenant's verifier found, or an error for
//                                 a number that does not fit its document (nothing is asked of
//                                 the authority then) or an authority that cannot be reached
// RESULT completes the Flow on the phone with the verification as its params; the conversation
// plugin (the assistant) answers that completion in the chat.
#include <baraza/sdk/Plugin.hpp>
#include <nlohmann/json.hpp>

namespace {

using baraza::sdk::Host;
using baraza::sdk::StatusOr;
using nlohmann::json;

struct Document {
  const char* id;
  const char* title;
};
constexpr Document kDocuments[] = {{"KRA PIN", "KRA PIN"},
                                   {"Citizen", "National ID"},
                                   {"Non-Citizen", "Alien card"},
                                   {"Passport", "Passport"}};

std::string errorFor(const std::string& message) { return json{{"error_message", message}}.dump(); }

class KycFlow : public baraza::sdk::Flow {
 public:
  KycFlow(Host host, std::string_view configJson) : host_(host) {
    const json config = json::parse(configJson);
    verifier_ = config.value("verifier", "");
  }

  StatusOr<std::string> exchange(std::string_view requestJson) override {
    const json request = json::parse(requestJson, nullptr, false);
    if (!request.is_object())
      return baraza::sdk::invalidArgument("exchange input is not a JSON object");
    const std::string action = request.value("action", "");
    const std::string screen = request.value("screen", "");
    const json data = request.value("data", json::object());
    if (action == "INIT" || action == "BACK") return documentScreen();
    if (action != "data_exchange") return baraza::sdk::invalidArgument("unknown action " + action);
    if (screen == "DOCUMENT") return verify(data);
    return errorFor("Something went wrong. Please start again.");
  }

 private:
  std::string documentScreen() const {
    json types = json::array();
    for (const Document& d : kDocuments) types.push_back({{"id", d.id}, {"title", d.title}});
    return json{{"screen", "DOCUMENT"}, {"data", {{"document_types", types}}}}.dump();
  }

  std::string verify(const json& data) {
    const std::string document = data.value("document_type", "");
    const std::string number = data.value("number", "");
    if (document.empty() || number.empty())
      return errorFor("Choose a document and enter its number.");
    StatusOr<std::string> answer =
        host_.verify(json{{"document_type", document}, {"number", number}}.dump(), verifier_);
    if (!answer.isOk()) {
      host_.warn("verification failed: " + answer.status().message());
      return errorFor(
          "The verification service cannot be reached right now. Please try again in a few "
          "minutes.");
    }
    const json v = json::parse(*answer);
    const std::string result = v.value("result", "");
    if (result == "invalid_format" || result == "unsupported_document_type") {
      return errorFor(
          "That number does not look right: " + v.value("message", "check it and try again") + ".");
    }
    const bool verified = result == "verified";
    std::string summary;
    if (!verified) {
      summary = "KRA has no record of " + document + " " + v.value("number", number) + ".";
    } else {
      summary = "KRA PIN " + v.value("pin", "") + "\nName: " + v.value("name", "");
      if (v.contains("pin_status")) summary += "\nPIN status: " + v.value("pin_status", "");
    }
    host_.count(verified ? "verified" : "not_found");
    json result_{{"title", verified ? "Verified" : "Not found"},
                 {"summary", summary},
                 {"result", result},
                 {"document_type", v.value("document_type", document)},
                 {"number", v.value("number", number)},
                 {"pin", v.value("pin", "")},
                 {"name", v.value("name", "")},
                 {"pin_status", v.value("pin_status", "")},
                 {"taxpayer_type", v.value("taxpayer_type", "")},
                 {"active", v.value("active", false)}};
    return json{{"screen", "RESULT"}, {"data", result_}}.dump();
  }

  Host host_;
  std::string verifier_;
};

}  // namespace

BARAZA_PLUGIN(BARAZA_PLUGIN_ID, BARAZA_PLUGIN_VERSION, KycFlow)
