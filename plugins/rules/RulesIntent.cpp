// rules: the offline intent detector (English and Swahili keywords, Kenyan identity document
// patterns). The default intent instance, and the fallback behind OpenAI.
#include <baraza/sdk/Documents.hpp>

#include "Rules.h"

namespace {

using baraza::sdk::Host;
using baraza::sdk::StatusOr;
using nlohmann::json;

baraza::rules::Settings settingsOf(std::string_view configJson) {
  const json config = json::parse(configJson);
  baraza::rules::Settings s;
  s.threshold = config.value("threshold", s.threshold);
  s.ambiguityGap = config.value("ambiguity_gap", s.ambiguityGap);
  s.fallback = config.value("fallback_intent", s.fallback);
  if (config.contains("keywords")) {
    for (const auto& [intent, phrases] : config["keywords"].items()) {
      s.keywords[intent] = phrases.get<std::vector<std::string>>();
    }
  }
  if (config.contains("intents")) {
    for (const auto& name : config["intents"]) s.enabled.insert(name.get<std::string>());
  }
  return s;
}

class RulesIntent : public baraza::sdk::TypedIntent {
 public:
  RulesIntent(Host host, std::string_view configJson)
      : host_(host), rules_(settingsOf(configJson)) {}

  StatusOr<baraza::sdk::IntentResult> detect(const baraza::sdk::IntentInput& input) override {
    baraza::sdk::IntentResult d = rules_.detect(input.text, input.replyId);
    host_.count(d.ambiguous ? "ambiguous" : d.intent.name == "fallback" ? "fallback" : "detected");
    return d;
  }

 private:
  Host host_;
  baraza::rules::Rules rules_;
};

}  // namespace

BARAZA_PLUGIN(BARAZA_PLUGIN_ID, BARAZA_PLUGIN_VERSION, RulesIntent)
