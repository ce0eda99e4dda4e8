#include "config/SecretRef.h"

#include <Poco/Path.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace baraza::config {
namespace {

constexpr std::string_view kFilePrefix = "file:";
constexpr std::string_view kEnvOpen = "${env:";

StatusOr<std::string> readSecretFile(std::string_view pathText, const std::string& baseDir) {
  if (pathText.empty()) return invalidArgument("file: reference names no file");
  Poco::Path path(std::string{pathText});
  if (path.isRelative() && !baseDir.empty()) path.makeAbsolute(Poco::Path(baseDir + "/"));
  std::ifstream in(path.toString(), std::ios::binary);
  if (!in) {
    return invalidArgument("cannot read secret file " + path.toString() + ": " +
                           std::strerror(errno));
  }
  std::ostringstream content;
  content << in.rdbuf();
  std::string value = content.str();
  while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
  return value;
}

}  // namespace

StatusOr<std::string> resolveSecretRefs(std::string_view raw, const std::string& baseDir) {
  if (raw.substr(0, kFilePrefix.size()) == kFilePrefix) {
    return readSecretFile(raw.substr(kFilePrefix.size()), baseDir);
  }
  std::string out;
  size_t pos = 0;
  while (true) {
    const size_t open = raw.find(kEnvOpen, pos);
    if (open == std::string_view::npos) break;
    const size_t close = raw.find('}', open);
    if (close == std::string_view::npos) return invalidArgument("unterminated ${env:...} reference");
    const std::string name{raw.substr(open + kEnvOpen.size(), close - open - kEnvOpen.size())};
    if (name.empty()) return invalidArgument("${env:} names no variable");
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return invalidArgument("environment variable " + name + " is not set");
    out.append(raw.substr(pos, open - pos));
    out.append(value);
    pos = close + 1;
  }
  out.append(raw.substr(pos));
  return out;
}

}  // namespace baraza::config
