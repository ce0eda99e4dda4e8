// whatsapp: the WhatsApp Cloud API channel. Parses inbound webhook changes, validates and builds
// Graph send requests, classifies Graph responses, builds the re-engagement template message and
// exchanges a refused access token for a long-lived one; the host owns HTTP, the outbox, pacing
// and the tokens.
#include "Credentials.h"
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
  StatusOr<std::string> reengage(std::string_view inputJson) override {
    return baraza::whatsapp::reengagementMessage(std::string(inputJson));
  }
  StatusOr<std::string> exchangeToken(std::string_view inputJson) override {
    const baraza::whatsapp::GraphRequest built =
        baraza::whatsapp::tokenExchangeRequest(std::string(inputJson), graphVersion_);
    baraza::sdk::HttpRequest request;
    request.method = built.method;
    request.url = built.url;
    request.service = "graph";
    request.headers.emplace_back("Content-Type", built.contentType);
    request.body = built.body;
    StatusOr<baraza::sdk::HttpResponse> answer = host_.http(request);
    if (!answer.isOk()) return answer.status();
    try {
      return baraza::whatsapp::tokenExchangeResult(answer->status, answer->body);
    } catch (const std::runtime_error& e) {
      // Meta refused (a wrong app secret, a token past exchanging): asking again will not help.
      return baraza::sdk::Status(answer->status >= 500 ? baraza::sdk::Code::kUnavailable
                                                       : baraza::sdk::Code::kPermissionDenied,
                                 e.what());
    }
  }

 private:
  static constexpr const char* kDefaultGraphVersion = "v25.0";
  baraza::sdk::Host host_;
  std::string graphVersion_;
};

}  // namespace

BARAZA_PLUGIN("ke.baraza.channel.whatsapp", "0.3.0", WhatsAppChannel)
