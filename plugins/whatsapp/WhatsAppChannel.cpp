// whatsapp: the WhatsApp Cloud API channel. This first part parses inbound webhook changes;
// building sends and classifying Graph responses come with the outbound work.
#include "WebhookParser.h"

#include <baraza/sdk/Plugin.hpp>

namespace {

using baraza::sdk::StatusOr;

class WhatsAppChannel : public baraza::sdk::Channel {
 public:
  WhatsAppChannel(baraza::sdk::Host host, std::string_view) : host_(host) {}

  StatusOr<std::string> parseWebhook(std::string_view valueJson) override {
    return baraza::whatsapp::parseMessagesValue(std::string(valueJson));
  }
  StatusOr<std::string> buildSend(std::string_view) override {
    return baraza::sdk::unimplemented("sending arrives with the outbound dispatcher");
  }
  StatusOr<std::string> classifyResponse(std::string_view) override {
    return baraza::sdk::unimplemented("sending arrives with the outbound dispatcher");
  }

 private:
  baraza::sdk::Host host_;
};

}  // namespace

BARAZA_PLUGIN("ke.baraza.channel.whatsapp", "0.1.0", WhatsAppChannel)
