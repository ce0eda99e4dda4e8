#include "inbound/DeliveryChanges.h"

#include "common/JsonText.h"
#include "common/Status.h"

namespace baraza::inbound {

std::vector<DeliveryChange> splitDelivery(const std::string& body) {
  using jsontext::str;
  Poco::JSON::Object::Ptr root;
  try {
    root = jsontext::parseObject(body);
  } catch (const Poco::Exception& e) {
    throw sdk::StatusError(invalidArgument("not valid JSON: " + e.message()));
  }
  std::vector<DeliveryChange> changes;
  jsontext::forEachObject(
      root->getArray("entry"), [&](size_t i, const Poco::JSON::Object::Ptr& entry) {
        jsontext::forEachObject(
            entry->getArray("changes"), [&](size_t j, const Poco::JSON::Object::Ptr& change) {
              DeliveryChange c;
              c.position = std::to_string(i) + "." + std::to_string(j);
              c.field = str(change, "field");
              c.entryId = str(entry, "id");
              c.value = change->getObject("value");
              c.valueJson = c.value.isNull() ? "{}" : jsontext::json(c.value);
              if (!c.value.isNull())
                c.phoneNumberId = str(c.value->getObject("metadata"), "phone_number_id");
              changes.push_back(std::move(c));
            });
      });
  return changes;
}

}  // namespace baraza::inbound
