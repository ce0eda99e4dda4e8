// Reading Java-style properties files (the host file and the tenant files).
#pragma once

#include <Poco/AutoPtr.h>
#include <Poco/Util/AbstractConfiguration.h>

#include <string>

#include "config/Problem.h"

namespace baraza::config {

/** Loads one properties file; a missing, unreadable or unparsable file is a Problem and null. */
Poco::AutoPtr<Poco::Util::AbstractConfiguration> loadPropertiesFile(const std::string& path,
                                                                    Problems& problems);

/** path made absolute against baseDir when relative. */
std::string resolvePath(const std::string& path, const std::string& baseDir);

}  // namespace baraza::config
