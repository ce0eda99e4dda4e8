#include "config/KeyReader.h"

#include <Poco/NumberFormatter.h>
#include <Poco/NumberParser.h>
#include <Poco/String.h>
#include <Poco/StringTokenizer.h>

#include "config/SecretRef.h"

namespace baraza::config {

std::vector<std::string> leafKeys(const Poco::Util::AbstractConfiguration& config,
                                  const std::string& root) {
  std::vector<std::string> out;
  Poco::Util::AbstractConfiguration::Keys children;
  config.keys(root, children);
  for (const auto& child : children) {
    if (child.empty()) {
      // A key with an empty part ("a..b", ".a", "a."): named up to it, not descended into
      // (its children would be this level's again, without end).
      out.push_back(root + ".");
      continue;
    }
    const std::string key = root.empty() ? child : root + "." + child;
    Poco::Util::AbstractConfiguration::Keys grandChildren;
    config.keys(key, grandChildren);
    if (config.hasProperty(key)) out.push_back(key);
    if (!grandChildren.empty()) {
      auto nested = leafKeys(config, key);
      out.insert(out.end(), nested.begin(), nested.end());
    }
  }
  return out;
}

KeyReader::KeyReader(const Poco::Util::AbstractConfiguration& config, std::string file,
                     std::string baseDir, Problems& problems)
    : config_(config), file_(std::move(file)), baseDir_(std::move(baseDir)), problems_(problems) {}

void KeyReader::problem(const std::string& key, const std::string& message) {
  problems_.push_back({file_, key, message});
}

std::optional<std::string> KeyReader::raw(const std::string& key, std::string fallback) {
  keysRead_[key] = std::move(fallback);
  return raw(key);
}

std::optional<std::string> KeyReader::raw(const std::string& key) {
  read_.insert(key);
  keysRead_.emplace(key, std::nullopt);
  if (!config_.hasProperty(key)) return std::nullopt;
  // getRawString: Poco's own ${...} expansion must not touch secret references.
  return Poco::trim(config_.getRawString(key));
}

std::string KeyReader::string(const std::string& key, const std::string& fallback) {
  return raw(key, fallback).value_or(fallback);
}

std::optional<std::string> KeyReader::optionalString(const std::string& key) {
  auto value = raw(key);
  if (value && value->empty()) return std::nullopt;
  return value;
}

std::string KeyReader::requiredString(const std::string& key) {
  auto value = optionalString(key);
  if (!value) {
    problem(key, "required but missing");
    return {};
  }
  return *value;
}

int64_t KeyReader::integer(const std::string& key, int64_t fallback, int64_t min, int64_t max) {
  auto value = raw(key, std::to_string(fallback));
  if (!value) return fallback;
  Poco::Int64 parsed = 0;
  if (!Poco::NumberParser::tryParse64(*value, parsed)) {
    problem(key, "\"" + *value + "\" is not an integer");
    return fallback;
  }
  if (parsed < min || parsed > max) {
    problem(key, std::to_string(parsed) + " is outside " + std::to_string(min) + ".." +
                     std::to_string(max));
    return fallback;
  }
  return parsed;
}

double KeyReader::number(const std::string& key, double fallback, double min, double max) {
  auto value = raw(key, Poco::NumberFormatter::format(fallback));
  if (!value) return fallback;
  double parsed = 0;
  if (!Poco::NumberParser::tryParseFloat(*value, parsed)) {
    problem(key, "\"" + *value + "\" is not a number");
    return fallback;
  }
  if (parsed < min || parsed > max) {
    problem(key, *value + " is outside " + Poco::NumberFormatter::format(min) + ".." +
                     Poco::NumberFormatter::format(max));
    return fallback;
  }
  return parsed;
}

bool KeyReader::boolean(const std::string& key, bool fallback) {
  auto value = raw(key, fallback ? "true" : "false");
  if (!value) return fallback;
  bool parsed = false;
  if (!Poco::NumberParser::tryParseBool(*value, parsed)) {
    problem(key, "\"" + *value + "\" is not a boolean (true/false)");
    return fallback;
  }
  return parsed;
}

std::string KeyReader::choice(const std::string& key, const std::string& fallback,
                              const std::vector<std::string>& allowed) {
  auto value = raw(key, fallback);
  if (!value) return fallback;
  for (const auto& option : allowed) {
    if (*value == option) return *value;
  }
  std::string list;
  for (const auto& option : allowed) list += (list.empty() ? "" : ", ") + option;
  problem(key, "\"" + *value + "\" is not one of " + list);
  return fallback;
}

std::optional<Secret> KeyReader::secret(const std::string& key, bool required) {
  auto value = optionalString(key);
  if (!value) {
    if (required) problem(key, "required but missing");
    return std::nullopt;
  }
  auto resolved = resolveSecretRefs(*value, baseDir_);
  if (!resolved.isOk()) {
    problem(key, resolved.status().message());
    return std::nullopt;
  }
  if (resolved->empty()) {
    if (required) problem(key, "resolves to an empty value");
    return std::nullopt;
  }
  return Secret(std::move(resolved).value());
}

std::vector<std::string> KeyReader::list(const std::string& key) {
  std::vector<std::string> items;
  auto value = raw(key);
  if (!value) return items;
  Poco::StringTokenizer tokens(
      *value, ",", Poco::StringTokenizer::TOK_TRIM | Poco::StringTokenizer::TOK_IGNORE_EMPTY);
  items.assign(tokens.begin(), tokens.end());
  return items;
}

void KeyReader::reportUnknownKeys() {
  for (const auto& key : leafKeys(config_)) {
    if (read_.count(key)) continue;
    bool claimed = false;
    for (const auto& prefix : claimedPrefixes_) {
      claimed = claimed || key.compare(0, prefix.size(), prefix) == 0;
    }
    if (key.back() == '.') {
      problem(key, "a key with an empty part (two dots in a row, or a dot at its start or end)");
    } else if (!claimed) {
      problem(key, "unknown key");
    }
  }
}

}  // namespace baraza::config
