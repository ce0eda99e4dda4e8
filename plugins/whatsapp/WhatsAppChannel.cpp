// whatsapp: the WhatsApp Cloud API channel. Parses inbound webhook changes, validates and builds
// Graph send requests, and classifies Graph responses; the host owns HTTP, the outbox and pacing.
#include "JsonText.h"
#include "Outbound.h"
#include "WebhookParser.h"

#include <baraza/sdk/Plugin.hpp>

namespace {

using baraza::sdk::StatusOr;

class WhatsAppChannel : public baraza::sdk::Channel {
 public:
  WhatsAppChannel(baraza::sdk::Host host, std::string_view configJson) : host_(host) {
    if (!configJson.empty()) {
      graphVersion_ = baraza::whatsapp::str(baraza::whatsapp::parseObject(std::string(configJson)), "graph_version");
    }
    if (graphVersion_.empty()) graphVersion_ = kDefaultGraphVersion;
  }

  StatusOr<std::string> parseWebhook(std::string_view valueJson) override {
    return baraza::whatsapp::parseMessagesValue(std::string(valueJson));
  }
  StatusOr<std::string> buildSend(std::string_view messageJson) override {
    try {
      return baraza::whatsapp::buildSend(std::string(messageJson), graphVersion_);
    } catch (const std::invalid_argument& e) {
      return baraza::sdk::invalidArgument(e.what());
    }
  }
  StatusOr<std::string> classifyResponse(std::string_view responseJson) override {
    return baraza::whatsapp::classifyResponse(std::string(responseJson));
  }

 private:
  static constexpr const char* kDefaultGraphVersion = "v25.0";
  baraza::sdk::Host host_;
  std::string graphVersion_;
};

}  // namespace

BARAZA_PLUGIN("ke.baraza.channel.whatsapp", "0.2.0", WhatsAppChannel)
