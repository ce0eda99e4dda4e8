#include "config/Properties.h"

#include <Poco/Exception.h>
#include <Poco/File.h>
#include <Poco/Path.h>
#include <Poco/Util/PropertyFileConfiguration.h>

namespace baraza::config {

std::string resolvePath(const std::string& path, const std::string& baseDir) {
  if (path.empty()) return path;
  Poco::Path p(path);
  if (p.isAbsolute() || baseDir.empty()) return p.toString();
  p.makeAbsolute(Poco::Path::forDirectory(baseDir));
  return p.toString();
}

Poco::AutoPtr<Poco::Util::AbstractConfiguration> loadPropertiesFile(const std::string& path,
                                                                    Problems& problems) {
  try {
    Poco::File file(path);
    if (!file.exists()) {
      problems.push_back({path, "", "no such file"});
      return nullptr;
    }
    if (!file.canRead()) {
      problems.push_back({path, "", "not readable by this user"});
      return nullptr;
    }
    return new Poco::Util::PropertyFileConfiguration(path);
  } catch (const Poco::Exception& e) {
    problems.push_back({path, "", "cannot be read: " + e.displayText()});
    return nullptr;
  }
}

}  // namespace baraza::config
