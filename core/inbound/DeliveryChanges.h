#pragma once

#include <Poco/JSON/Object.h>

#include <string>
#include <vector>

namespace baraza::inbound {

/** One change of a webhook delivery as Meta wrote it (entry[i].changes[j]). */
struct DeliveryChange {
  std::string position;           // "<i>.<j>"
  std::string field;              // "messages", "message_template_status_update", …
  std::string entryId;            // the WABA id for most fields
  Poco::JSON::Object::Ptr value;  // null when absent or not an object
  std::string valueJson;          // the value as JSON text; "{}" when null
  std::string phoneNumberId;      // value.metadata.phone_number_id, when present
};

/**
 * The changes of a stored webhook body, in order: what routing starts from. Members of the wrong
 * type are read as absent. Throws sdk::StatusError INVALID_ARGUMENT when the body is not a JSON
 * object (such a delivery is never tried again).
 */
std::vector<DeliveryChange> splitDelivery(const std::string& body);

}  // namespace baraza::inbound
