// libFuzzer target for plugin.json (core/plugins/Manifest, with the JSON Schema subset of
// core/config/JsonSchema that checks a plugin's config schema): a plugin directory is outside
// input to the host. Any content gives a manifest or a clear error, never a crash or a hang.
#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <string>

#include "FuzzSupport.h"
#include "plugins/Manifest.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string dir = [] {
    char pattern[] = "/tmp/baraza-fuzz-manifest-XXXXXX";
    return std::string(::mkdtemp(pattern));
  }();
  const std::string path = dir + "/plugin.json";
  std::ofstream(path, std::ios::binary | std::ios::trunc)
      .write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  auto manifest = baraza::plugins::readManifest(path);
  if (manifest.isOk() && manifest->id.empty())
    baraza::fuzz::finding("a manifest without an id was accepted");
  if (!manifest.isOk() && manifest.status().message().empty())
    baraza::fuzz::finding("an error without a message");
  return 0;
}
