// A complete Baraza plugin: reports `intent` when a message's text contains `keyword`.
// It needs nothing but the SDK headers; JSON is handled by hand to show there is no hidden
// dependency (a real plugin would use a JSON library).
#include <baraza/sdk/Plugin.hpp>
#include <string>

namespace {

using baraza::sdk::StatusOr;
namespace json = baraza::sdk::json;

/** The string value of "key" in a flat JSON object (enough for this example's config). */
std::string field(std::string_view text, const std::string& key) {
  const size_t at = text.find("\"" + key + "\"");
  if (at == std::string_view::npos) return {};
  const size_t open = text.find('"', text.find(':', at) + 1);
  const size_t close = text.find('"', open + 1);
  return open == std::string_view::npos ? std::string()
                                        : std::string(text.substr(open + 1, close - open - 1));
}

class KeywordIntent : public baraza::sdk::Intent {
 public:
  KeywordIntent(baraza::sdk::Host host, std::string_view config)
      : host_(host), keyword_(field(config, "keyword")), intent_(field(config, "intent")) {
    if (keyword_.empty()) throw std::invalid_argument("config.keyword is empty");
  }

  StatusOr<std::string> detect(std::string_view message) override {
    const bool hit = message.find(keyword_) != std::string_view::npos;
    host_.count(hit ? "hits" : "misses");
    return json::Object()
        .add("intent", hit ? intent_ : "none")
        .add("confidence", hit ? 1 : 0)
        .str();
  }

 private:
  baraza::sdk::Host host_;
  std::string keyword_;
  std::string intent_;
};

}  // namespace

BARAZA_PLUGIN(BARAZA_PLUGIN_ID, BARAZA_PLUGIN_VERSION, KeywordIntent)
