#include "plugins/Manifest.h"

#include <Poco/JSON/Parser.h>
#include <Poco/NumberParser.h>
#include <Poco/Path.h>

#include <fstream>
#include <regex>
#include <sstream>

#include "config/JsonSchema.h"

namespace baraza::plugins {
namespace {

const std::pair<const char*, baraza_kind_set> kKinds[] = {
    {"channel", BARAZA_KIND_CHANNEL}, {"flow", BARAZA_KIND_FLOW},
    {"intent", BARAZA_KIND_INTENT},   {"verifier", BARAZA_KIND_VERIFIER},
    {"media", BARAZA_KIND_MEDIA},     {"conversation", BARAZA_KIND_CONVERSATION},
};

}  // namespace

baraza_kind_set kindFromName(const std::string& name) {
  for (const auto& [kindName, bit] : kKinds) {
    if (name == kindName) return bit;
  }
  return 0;
}

std::string kindNames(baraza_kind_set kinds) {
  std::string out;
  for (const auto& [name, bit] : kKinds) {
    if (kinds & bit) out += (out.empty() ? "" : ",") + std::string(name);
  }
  return out;
}

Status checkAbiCompatible(const std::string& file, uint32_t pluginAbi) {
  const std::string versions =
      "plugin ABI " + abiText(pluginAbi) + ", host ABI " + abiText(kHostAbiVersion);
  if (BARAZA_ABI_MAJOR_OF(pluginAbi) != BARAZA_ABI_MAJOR_OF(kHostAbiVersion)) {
    return failedPrecondition(file + ": incompatible ABI major version (" + versions + ")");
  }
  if (BARAZA_ABI_MINOR_OF(pluginAbi) > BARAZA_ABI_MINOR_OF(kHostAbiVersion)) {
    return failedPrecondition(file + ": built for a newer ABI than this host (" + versions +
                              "); upgrade baraza");
  }
  return Status::ok();
}

StatusOr<Manifest> readManifest(const std::string& path) {
  auto fail = [&](const std::string& message) { return invalidArgument(path + ": " + message); };
  std::ifstream in(path);
  if (!in) return notFound(path + ": cannot be read");
  std::stringstream text;
  text << in.rdbuf();

  Poco::JSON::Object::Ptr json;
  try {
    Poco::Dynamic::Var parsed = Poco::JSON::Parser().parse(text.str());
    if (parsed.type() != typeid(Poco::JSON::Object::Ptr)) return fail("not a JSON object");
    json = parsed.extract<Poco::JSON::Object::Ptr>();
  } catch (const Poco::Exception& e) {
    return fail("not valid JSON: " + e.message());
  }

  Manifest m;
  m.path = path;
  m.dir = Poco::Path(path).parent().toString();
  if (!m.dir.empty() && m.dir.back() == '/') m.dir.pop_back();
  auto str = [&](const char* key, std::string& out) -> bool {
    if (!json->has(key) || !json->get(key).isString()) return false;
    out = json->getValue<std::string>(key);
    return !out.empty();
  };
  if (!str("id", m.id)) return fail("id: required string");
  if (!std::regex_match(m.id, std::regex("[a-z0-9]+(\\.[a-z0-9_-]+)+"))) {
    return fail("id: \"" + m.id + "\" is not a reverse-DNS name (e.g. com.example.kind.name)");
  }
  if (!str("version", m.version)) return fail("version: required string");
  if (!std::regex_match(m.version, std::regex("[0-9]+\\.[0-9]+\\.[0-9]+([-+][0-9A-Za-z.+-]*)?"))) {
    return fail("version: \"" + m.version + "\" is not a semantic version (x.y.z)");
  }
  str("description", m.description);

  Poco::JSON::Array::Ptr kinds = json->getArray("kinds");
  if (kinds.isNull() || kinds->size() == 0) return fail("kinds: required non-empty array");
  for (const auto& kind : *kinds) {
    const std::string name = kind.toString();
    const baraza_kind_set bit = kindFromName(name);
    if (bit == 0) {
      return fail("kinds: unknown kind \"" + name +
                  "\" (channel, flow, intent, verifier, media, conversation)");
    }
    m.kinds |= bit;
    m.kindNames.push_back(name);
  }

  std::string abi;
  unsigned major = 0;
  unsigned minor = 0;
  const size_t dot = str("abi", abi) ? abi.find('.') : std::string::npos;
  if (dot == std::string::npos ||
      !Poco::NumberParser::tryParseUnsigned(abi.substr(0, dot), major) ||
      !Poco::NumberParser::tryParseUnsigned(abi.substr(dot + 1), minor) || major > 0xFFFF ||
      minor > 0xFFFF) {
    return fail("abi: required \"MAJOR.MINOR\" string");
  }
  m.abiMajor = major;
  m.abiMinor = minor;

  if (!str("library", m.library)) return fail("library: required string");
  if (m.library.find('/') != std::string::npos || m.library == "." || m.library == "..") {
    return fail("library: must be a file name in the plugin's folder, not a path");
  }
  m.libraryPath = m.dir + "/" + m.library;

  if (!json->has("config_schema")) {
    // No schema: the plugin takes no settings, and any given to it is an error.
    m.configSchema = new Poco::JSON::Object;
    m.configSchema->set("type", "object");
    m.configSchema->set("additionalProperties", false);
  } else {
    m.configSchema = json->getObject("config_schema");
    if (m.configSchema.isNull()) return fail("config_schema: must be a JSON Schema object");
    for (const auto& error : config::checkSchema(m.configSchema)) {
      return fail("config_schema" + (error.path.empty() ? "" : "." + error.path) + ": " +
                  error.message);
    }
  }
  return m;
}

}  // namespace baraza::plugins
