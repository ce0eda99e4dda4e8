// Reading the JSON of Graph's answers and of the host's documents (nlohmann/json), with the
// tolerance Graph needs: ids and codes come as strings or numbers.
#pragma once

#include <initializer_list>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <string_view>

namespace baraza::whatsapp {

using nlohmann::json;

/** Parses a JSON object; std::invalid_argument when the text is not one. */
inline json parseObject(std::string_view text) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded()) throw std::invalid_argument("not valid JSON");
  if (!j.is_object()) throw std::invalid_argument("not a JSON object");
  return j;
}

/** A string or number member as text; empty when absent, null or another type. */
inline std::string str(const json& o, const char* key) {
  if (!o.is_object()) return {};
  auto it = o.find(key);
  if (it == o.end()) return {};
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number() || it->is_boolean()) return it->dump();
  return {};
}

/** The member when it is an object; an empty object otherwise. */
inline const json& objectAt(const json& o, const char* key) {
  static const json kEmpty = json::object();
  if (!o.is_object()) return kEmpty;
  auto it = o.find(key);
  return it != o.end() && it->is_object() ? *it : kEmpty;
}

/** At most `max` bytes of `text` (an answer quoted in an error), cut between UTF-8 characters. */
inline std::string prefix(const std::string& text, size_t max) {
  if (text.size() <= max) return text;
  size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end);
}

/** std::invalid_argument "<field>: required <purpose>" for the first of `fields` that is empty. */
inline void require(std::initializer_list<std::pair<const char*, const std::string*>> fields,
                    const std::string& purpose) {
  for (const auto& [name, value] : fields) {
    if (value->empty()) throw std::invalid_argument(std::string(name) + ": required " + purpose);
  }
}

}  // namespace baraza::whatsapp
