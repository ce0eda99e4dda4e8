#pragma once

#include <Poco/AutoPtr.h>
#include <Poco/Util/AbstractConfiguration.h>

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "config/Problem.h"
#include "config/Secret.h"

namespace baraza::config {

/**
 * Every leaf key of a configuration, fully qualified ("http.listen", "plugins.echo.plugin"). A
 * key with an empty part ("log..level", ".x") is listed up to that part, ending in a dot ("log.").
 */
std::vector<std::string> leafKeys(const Poco::Util::AbstractConfiguration& config,
                                  const std::string& root = "");

/**
 * Reads typed values from one configuration file, recording a Problem (file, key, what is wrong)
 * for each bad value instead of stopping at the first, and remembering which keys it read so the
 * rest can be reported as unknown (typos are the most common configuration error).
 */
class KeyReader {
 public:
  KeyReader(const Poco::Util::AbstractConfiguration& config, std::string file, std::string baseDir,
            Problems& problems);

  std::string string(const std::string& key, const std::string& fallback);
  std::optional<std::string> optionalString(const std::string& key);
  std::string requiredString(const std::string& key);
  int64_t integer(const std::string& key, int64_t fallback, int64_t min, int64_t max);
  double number(const std::string& key, double fallback, double min, double max);
  bool boolean(const std::string& key, bool fallback);
  /** One of `allowed`, else a problem listing them. */
  std::string choice(const std::string& key, const std::string& fallback,
                     const std::vector<std::string>& allowed);
  /** A value that may be a secret reference (${env:NAME}, file:PATH), resolved. */
  std::optional<Secret> secret(const std::string& key, bool required);
  /** A comma-separated list, items trimmed, empty items dropped. */
  std::vector<std::string> list(const std::string& key);

  /** Keys under prefix are read by someone else (e.g. a plugin's schema); not unknown. */
  void claimPrefix(const std::string& prefix) { claimedPrefixes_.push_back(prefix); }
  void claimKey(const std::string& key) { read_.insert(key); }
  /** Adds an "unknown key" problem for each leaf key nobody read or claimed. */
  void reportUnknownKeys();

  void problem(const std::string& key, const std::string& message);
  /**
   * Every key read so far, with its default as text (a number, a word, a path), or nothing where
   * the key has none (required, optional, secrets and lists). What the documentation is checked
   * against.
   */
  const std::map<std::string, std::optional<std::string>>& keysRead() const { return keysRead_; }
  const std::string& file() const { return file_; }
  const std::string& baseDir() const { return baseDir_; }
  const Poco::Util::AbstractConfiguration& config() const { return config_; }

 private:
  std::optional<std::string> raw(const std::string& key);
  /** raw(), noting `fallback` as the key's default. */
  std::optional<std::string> raw(const std::string& key, std::string fallback);

  const Poco::Util::AbstractConfiguration& config_;
  std::string file_;
  std::string baseDir_;
  Problems& problems_;
  std::set<std::string> read_;
  std::map<std::string, std::optional<std::string>> keysRead_;
  std::vector<std::string> claimedPrefixes_;
};

}  // namespace baraza::config
