// A complete Baraza plugin: reports `intent` when a message's text contains `keyword`, with the
// keyword as an entity where it was found. Built only against the SDK and nlohmann/json.
#include <baraza/sdk/Documents.hpp>
#include <string>

namespace {

namespace sdk = baraza::sdk;

class KeywordIntent : public sdk::TypedIntent {
 public:
  KeywordIntent(sdk::Host host, std::string_view config) : host_(host) {
    const nlohmann::json settings = nlohmann::json::parse(config);
    keyword_ = settings.value("keyword", "");
    intent_ = settings.value("intent", "");
    if (keyword_.empty()) throw std::invalid_argument("config.keyword is empty");
  }

  sdk::StatusOr<sdk::IntentResult> detect(const sdk::IntentInput& input) override {
    const size_t at = input.text.find(keyword_);
    host_.count(at != std::string::npos ? "hits" : "misses");
    sdk::IntentResult result;
    result.intent = {"fallback", 0.0};
    if (at != std::string::npos) {
      result.intent = {intent_, 1.0};
      result.entities.push_back({"keyword", keyword_, static_cast<int64_t>(at),
                                 static_cast<int64_t>(at + keyword_.size())});
    }
    result.intents = {result.intent};
    return result;
  }

 private:
  sdk::Host host_;
  std::string keyword_;
  std::string intent_;
};

}  // namespace

BARAZA_PLUGIN(BARAZA_PLUGIN_ID, BARAZA_PLUGIN_VERSION, KeywordIntent)
