// JSON helpers shared by the parser and the sender of the WhatsApp channel.
#pragma once

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <sstream>
#include <stdexcept>
#include <string>

namespace baraza::whatsapp {

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

inline std::string toJson(const Poco::JSON::Object& o) {
  std::ostringstream out;
  o.stringify(out);
  return out.str();
}

}  // namespace baraza::whatsapp
