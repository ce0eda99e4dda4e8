// libFuzzer target for baraza.properties (core/config: Poco's properties reader, the typed key
// reader, secret references): a host file is read as a whole and every problem reported. Any
// content gives a configuration and problems, never a crash or a hang. Secret references to
// files are resolved against a directory holding one small secret.
#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <string>

#include "FuzzSupport.h"
#include "app/HostConfig.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string dir = [] {
    char pattern[] = "/tmp/baraza-fuzz-config-XXXXXX";
    std::string made(::mkdtemp(pattern));
    std::ofstream(made + "/secret") << "s3cr3t\n";
    ::setenv("BARAZA_FUZZ_SECRET", "from-env", 1);
    return made;
  }();
  const std::string path = dir + "/baraza.properties";
  std::ofstream(path, std::ios::binary | std::ios::trunc)
      .write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  baraza::config::Problems problems;
  baraza::app::loadHostConfig(path, {}, problems);
  const std::string input(reinterpret_cast<const char*>(data), size);
  for (const auto& p : problems) {
    if (p.message.empty()) baraza::fuzz::finding("a problem without a message");
    // A secret's value may only appear if the file itself spells it out.
    for (const char* secret : {"s3cr3t", "from-env"}) {
      if (p.message.find(secret) != std::string::npos && input.find(secret) == std::string::npos) {
        baraza::fuzz::finding("a secret's value in a problem: " + p.toString());
      }
    }
  }
  return 0;
}
