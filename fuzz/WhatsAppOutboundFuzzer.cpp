// libFuzzer target for the WhatsApp channel plugin's outbound side (plugins/whatsapp/Outbound):
// validating and building a message a conversation plugin or `baraza send --json` gives
// (byte 0 even), and classifying a Graph response (byte 0 odd). Refusals are exceptions of the
// documented types; what is built or classified must be JSON.
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
    out = send ? baraza::whatsapp::buildSend(rest, "v25.0")
               : baraza::whatsapp::classifyResponse(rest);
  } catch (const std::invalid_argument&) {
    return 0;
  } catch (const Poco::Exception&) {
    return 0;
  }
  baraza::fuzz::mustBeJson(out, send ? "a built request" : "a classification");
  return 0;
}
