// The tests read what the plugin answers the way the host reads it: as JSON text, here with
// Poco's parser (a second library, so the plugin's own writing is checked from outside).
#pragma once

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <baraza/sdk/Documents.hpp>
#include <initializer_list>
#include <sstream>
#include <stdexcept>
#include <string>

namespace baraza::whatsapp::test {

/** Parses a JSON object; std::invalid_argument when the text is not one. */
inline Poco::JSON::Object::Ptr parseObject(const std::string& text) {
  Poco::Dynamic::Var v;
  try {
    v = Poco::JSON::Parser().parse(text);
  } catch (const Poco::Exception& e) {
    throw std::invalid_argument("not valid JSON: " + e.message());
  }
  if (v.type() != typeid(Poco::JSON::Object::Ptr)) throw std::invalid_argument("not a JSON object");
  return v.extract<Poco::JSON::Object::Ptr>();
}

/** A member as text; empty when absent or null. */
inline std::string str(const Poco::JSON::Object::Ptr& o, const std::string& key) {
  if (o.isNull() || !o->has(key) || o->isNull(key)) return {};
  return o->get(key).convert<std::string>();
}

/** std::invalid_argument "<field>: required <purpose>" for the first of `fields` absent or empty.
 */
inline void require(const Poco::JSON::Object::Ptr& input, std::initializer_list<const char*> fields,
                    const std::string& purpose) {
  for (const char* field : fields) {
    if (str(input, field).empty())
      throw std::invalid_argument(std::string(field) + ": required " + purpose);
  }
}

inline std::string toJson(const Poco::JSON::Object& o) {
  std::ostringstream out;
  o.stringify(out);
  return out.str();
}

/** A typed document as the JSON text the host receives. */
template <class Document>
std::string asText(const Document& document) {
  return nlohmann::json(document).dump();
}

/** JSON text as the document the plugin receives. */
template <class Document>
Document read(const std::string& text) {
  return nlohmann::json::parse(text).get<Document>();
}

}  // namespace baraza::whatsapp::test
