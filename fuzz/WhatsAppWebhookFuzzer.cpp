// libFuzzer target for the WhatsApp channel plugin's webhook normaliser (plugins/whatsapp/
// WebhookParser): every `value` of a "messages" change Meta (or an attacker with the app secret)
// sends goes through it. Input that is not a JSON object may be refused with
// std::invalid_argument or a Poco exception; anything it returns must be JSON.
#include <cstdint>
#include <stdexcept>
#include <string>

#include "FuzzSupport.h"
#include "WebhookParser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string value(reinterpret_cast<const char*>(data), size);
  std::string normal;
  try {
    normal = baraza::whatsapp::parseMessagesValue(value);
  } catch (const std::invalid_argument&) {
    return 0;
  } catch (const Poco::Exception&) {
    return 0;
  }
  baraza::fuzz::mustBeJson(normal, "the normalised value");
  return 0;
}
