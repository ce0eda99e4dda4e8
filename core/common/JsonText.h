// Small helpers over Poco::JSON shared by the subsystems that read and write JSON documents.
// (Include only from .cpp files: it pulls in Poco's JSON headers.)
#pragma once

#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>

#include <sstream>
#include <string>

namespace baraza::jsontext {

using Poco::JSON::Array;
using Poco::JSON::Object;

/** Compact JSON text of any value. */
inline std::string json(const Poco::Dynamic::Var& v) {
  std::ostringstream out;
  Poco::JSON::Stringifier::stringify(v, out);
  return out.str();
}

/** A member as text; empty when absent or null. */
inline std::string str(const Object::Ptr& o, const std::string& key) {
  if (o.isNull() || !o->has(key) || o->isNull(key)) return {};
  return o->get(key).convert<std::string>();
}

/** Parses a JSON object; Poco::Exception (incl. DataFormatException) when it is not one. */
inline Object::Ptr parseObject(const std::string& text) {
  Poco::Dynamic::Var v = Poco::JSON::Parser().parse(text);
  if (v.type() != typeid(Object::Ptr)) throw Poco::DataFormatException("not a JSON object");
  return v.extract<Object::Ptr>();
}

/** Calls fn(index, object) for each object element of `array` (null: none). */
template <class F>
void forEachObject(const Array::Ptr& array, F&& fn) {
  for (size_t i = 0; !array.isNull() && i < array->size(); ++i) {
    Object::Ptr item = array->getObject(static_cast<unsigned>(i));
    if (!item.isNull()) fn(i, item);
  }
}

}  // namespace baraza::jsontext
