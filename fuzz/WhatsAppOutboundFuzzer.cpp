// libFuzzer target for the WhatsApp channel plugin's outbound side (plugins/whatsapp/Outbound):
// validating and building a message a conversation plugin or `baraza send --json` gives
// (byte 0 even), and classifying a Graph response (byte 0 odd), each read from JSON text as the
// SDK's typed channel reads it. Refusals are std::invalid_argument; what is built or classified
// must write as JSON.
#include <baraza/sdk/Documents.hpp>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "FuzzSupport.h"
#include "Outbound.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  const bool send = data[0] % 2 == 0;
  std::string out;
  try {
    if (send) {
      auto message = baraza::sdk::readDocument<nlohmann::json>(rest);
      if (!message.isOk()) return 0;
      out = nlohmann::json(baraza::whatsapp::buildSend(*message, "v25.0")).dump();
    } else {
      auto response = baraza::sdk::readDocument<baraza::sdk::ProviderResponse>(rest);
      if (!response.isOk()) return 0;
      out = nlohmann::json(baraza::whatsapp::classifyResponse(*response)).dump();
    }
  } catch (const std::invalid_argument&) {
    return 0;
  }
  baraza::fuzz::mustBeJson(out, send ? "a built request" : "a classification");
  return 0;
}
