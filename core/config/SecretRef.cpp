#include "config/SecretRef.h"

#include <Poco/Path.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>

namespace baraza::config {
namespace {

constexpr std::string_view kFilePrefix = "file:";
constexpr std::string_view kEnvOpen = "${env:";

/** Secrets are keys and tokens: a file longer than this is not one (and /dev/zero never ends). */
constexpr size_t kMaxSecretFileBytes = 64 * 1024;

StatusOr<std::string> readSecretFile(std::string_view pathText, const std::string& baseDir) {
  if (pathText.empty()) return invalidArgument("file: reference names no file");
  Poco::Path path(std::string{pathText});
  if (path.isRelative() && !baseDir.empty()) path.makeAbsolute(Poco::Path(baseDir + "/"));
  const std::string name = path.toString();
  // Only a regular file: opening a FIFO would wait for a writer, a device may never end.
  struct stat st {};
  if (::stat(name.c_str(), &st) != 0)
    return invalidArgument("cannot read secret file " + name + ": " + std::strerror(errno));
  if (!S_ISREG(st.st_mode))
    return invalidArgument("secret file " + name + " is not a regular file");
  std::ifstream in(name, std::ios::binary);
  if (!in) return invalidArgument("cannot read secret file " + name + ": " + std::strerror(errno));
  std::string value(kMaxSecretFileBytes + 1, '\0');
  in.read(value.data(), static_cast<std::streamsize>(value.size()));
  value.resize(static_cast<size_t>(in.gcount()));
  if (value.size() > kMaxSecretFileBytes) {
    return invalidArgument("secret file " + name + " is larger than " +
                           std::to_string(kMaxSecretFileBytes / 1024) + " KiB");
  }
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
    if (close == std::string_view::npos)
      return invalidArgument("unterminated ${env:...} reference");
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
