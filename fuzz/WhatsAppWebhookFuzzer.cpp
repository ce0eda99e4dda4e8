// libFuzzer target for the WhatsApp channel plugin's webhook normaliser (plugins/whatsapp/
// WebhookParser): every `value` of a "messages" change Meta (or an attacker with the app secret)
// sends goes through it, read from JSON text as the SDK's typed channel reads it. Whatever it
// returns must write as JSON; it refuses nothing (text that is not an object stops in the SDK).
#include <baraza/sdk/Documents.hpp>
#include <cstdint>
#include <string>

#include "FuzzSupport.h"
#include "WebhookParser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto value = baraza::sdk::readDocument<nlohmann::json>(text);
  if (!value.isOk()) return 0;
  const std::string normal = nlohmann::json(baraza::whatsapp::parseMessagesValue(*value)).dump();
  baraza::fuzz::mustBeJson(normal, "the normalised value");
  return 0;
}
