// rules: the offline intent detector (English and Swahili keywords, Kenyan identity document
// patterns). The default intent instance, and the fallback behind OpenAI.
#include <baraza/sdk/Plugin.hpp>
#include <nlohmann/json.hpp>

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

class RulesIntent : public baraza::sdk::Intent {
 public:
  RulesIntent(Host host, std::string_view configJson)
      : host_(host), rules_(settingsOf(configJson)) {}

  StatusOr<std::string> detect(std::string_view inputJson) override {
    const json input = json::parse(inputJson, nullptr, false);
    if (!input.is_object())
      return baraza::sdk::invalidArgument("detect input is not a JSON object");
    const std::string text = input.value("text", "");
    const std::string replyId = input.value("reply_id", "");
    const baraza::rules::Detection d = rules_.detect(text, replyId);
    host_.count(d.ambiguous ? "ambiguous" : d.intent.name == "fallback" ? "fallback" : "detected");
    return baraza::rules::toJson(d).dump();
  }

 private:
  Host host_;
  baraza::rules::Rules rules_;
};

}  // namespace

BARAZA_PLUGIN(BARAZA_PLUGIN_ID, BARAZA_PLUGIN_VERSION, RulesIntent)
