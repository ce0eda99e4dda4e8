// libFuzzer target for the first reading of a stored webhook body (inbound/DeliveryChanges):
// what routing starts from. Input: a webhook body. It must split into changes or be refused as
// INVALID_ARGUMENT (never retried); any other exception would retry a hopeless delivery until it
// fails, and every value handed on must be JSON.
#include <cstdint>
#include <set>
#include <string>

#include "FuzzSupport.h"
#include "common/Status.h"
#include "inbound/DeliveryChanges.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string body(reinterpret_cast<const char*>(data), size);
  std::vector<baraza::inbound::DeliveryChange> changes;
  try {
    changes = baraza::inbound::splitDelivery(body);
  } catch (const baraza::sdk::StatusError& e) {
    if (e.status().code() != baraza::Code::kInvalidArgument)
      baraza::fuzz::finding("refused as " + e.status().toString());
    return 0;
  } catch (const std::exception& e) {
    baraza::fuzz::finding(std::string("threw ") + e.what());
  }
  std::set<std::string> positions;
  for (const auto& change : changes) {
    if (!positions.insert(change.position).second)
      baraza::fuzz::finding("position " + change.position + " twice");
    baraza::fuzz::mustBeJson(change.valueJson, "a change's value");
    if (change.value.isNull() && change.valueJson != "{}")
      baraza::fuzz::finding("no value, yet " + change.valueJson);
  }
  return 0;
}
