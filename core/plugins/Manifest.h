#pragma once

#include <Poco/JSON/Object.h>
#include <baraza/abi.h>

#include <string>
#include <vector>

#include "common/Status.h"

namespace baraza::plugins {

/** plugin.json: what the host knows about a plugin before it loads any code from it. */
struct Manifest {
  std::string path;  // the plugin.json read
  std::string dir;   // its directory
  std::string id;    // reverse-DNS
  std::string version;
  std::string description;
  std::vector<std::string> kindNames;
  baraza_kind_set kinds = 0;
  uint32_t abiMajor = 0;
  uint32_t abiMinor = 0;
  std::string library;      // file name of the .so, in dir
  std::string libraryPath;  // dir + "/" + library
  Poco::JSON::Object::Ptr configSchema;

  uint32_t abiVersion() const { return BARAZA_ABI_MAKE_VERSION(abiMajor, abiMinor); }
  std::string abiText() const { return std::to_string(abiMajor) + "." + std::to_string(abiMinor); }
};

/** Reads and checks a plugin.json; errors name the file and the field. */
StatusOr<Manifest> readManifest(const std::string& path);

/** The kind bit of a kind name ("conversation"), or 0. */
baraza_kind_set kindFromName(const std::string& name);
std::string kindNames(baraza_kind_set kinds);

inline std::string abiText(uint32_t version) {
  return std::to_string(BARAZA_ABI_MAJOR_OF(version)) + "." +
         std::to_string(BARAZA_ABI_MINOR_OF(version));
}

/** The host's own ABI version (its abi.h at build time). */
constexpr uint32_t kHostAbiVersion =
    BARAZA_ABI_MAKE_VERSION(BARAZA_ABI_VERSION_MAJOR, BARAZA_ABI_LATEST_MINOR);

/** Why a plugin built for `pluginAbi` cannot load on this host, or OK. */
Status checkAbiCompatible(const std::string& file, uint32_t pluginAbi);

}  // namespace baraza::plugins
