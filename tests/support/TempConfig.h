// A throwaway host configuration directory: baraza.properties + tenants.d/.
#pragma once

#include <Poco/File.h>
#include <Poco/TemporaryFile.h>

#include <fstream>
#include <string>

namespace baraza::testing {

inline const char* kDemoTenant = R"(
whatsapp.phone_number_ids = 100000000000001
whatsapp.app_secret = demo-app-secret
whatsapp.verify_token = demo-verify-token
plugins.bot.plugin = ke.baraza.conversation.echo
)";

class TempConfig {
 public:
  TempConfig() {
    dir_.createDirectories();
    Poco::File(dir_.path() + "/tenants.d").createDirectories();
    Poco::File(dir_.path() + "/lib").createDirectories();
  }
  /** Writes baraza.properties: loopback, port chosen by the OS, SQLite in the temp dir. */
  std::string writeHost(const std::string& extra = "") {
    return writeHostOn("sqlite://" + dir_.path() + "/lib/baraza.db", extra);
  }
  /** The same on the store `storeUrl`. */
  std::string writeHostOn(const std::string& storeUrl, const std::string& extra = "") {
    return write("baraza.properties",
                 "http.listen = 127.0.0.1:0\nhttp.drain_seconds = 5\nstore.url = " + storeUrl +
                     "\nplugins.dir = " BARAZA_PLUGINS_DIR "\n" + extra);
  }
  std::string writeTenant(const std::string& id, const std::string& text) {
    return write("tenants.d/" + id + ".properties", text);
  }
  std::string write(const std::string& name, const std::string& text) {
    const std::string path = dir_.path() + "/" + name;
    std::ofstream(path) << text;
    return path;
  }
  std::string hostFile() const { return dir_.path() + "/baraza.properties"; }
  const std::string& path() const { return dir_.path(); }

 private:
  Poco::TemporaryFile dir_;
};

}  // namespace baraza::testing
