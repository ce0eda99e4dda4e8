// The host file (baraza.properties): read into each subsystem's own settings struct, every key
// checked (typos reported), and the list of keys the documentation is checked against.
#pragma once

#include <Poco/AutoPtr.h>
#include <Poco/Util/LayeredConfiguration.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "config/Problem.h"
#include "config/Secret.h"
#include "http/HttpSettings.h"
#include "inbound/ProcessorSettings.h"
#include "media/MediaSettings.h"
#include "outbound/DispatchSettings.h"
#include "plugins/PluginInstance.h"
#include "store/GroupCommitSettings.h"
#include "store/HostIdentity.h"
#include "store/Retention.h"

namespace baraza::app {

/** Where the store is and how it is reached (store.*; group commit has its own struct). */
struct StoreSettings {
  std::string url = "sqlite:///var/lib/baraza/baraza.db";
  config::Secret password;  // MySQL/MariaDB only; a secret reference in practice
  /** MySQL/MariaDB: a read or write on a connection gives up after this. */
  int ioTimeoutSeconds = 30;
  config::Secret masterKey;  // encrypts stored secrets: 64 hex digits or base64 of 32 bytes
};

/**
 * The host's own settings: baraza.properties. Each part is the settings struct of the subsystem
 * it configures, whose defaults (production values) are the keys' defaults: a setting's default
 * is written once, where it is used.
 */
struct HostConfig {
  std::string file;       // the properties file read
  std::string configDir;  // its directory: relative paths are resolved from here
  http::HttpServerSettings http;
  http::HttpClientSettings httpClient;
  StoreSettings store;
  /**
   * Webhook acknowledgements' group commit. answerWithin is webhooks.ack_deadline_ms: the host
   * answers a webhook not committed within 5 s with 503 (Meta delivers it again); the library's
   * own default is to wait.
   */
  store::GroupCommitSettings groupCommit = [] {
    store::GroupCommitSettings s;
    s.answerWithin = std::chrono::seconds(5);
    return s;
  }();
  /** host.id: owner of this host's claims and leases (default: the machine's name). */
  std::string hostId;
  /** host.id_lease_seconds: how long a host restarted after a kill -9 may wait for its identity. */
  store::HostIdentity::Settings identity;
  inbound::ProcessorSettings inbound;
  media::MediaSettings media;  // media.*: downloads of inbound media
  /** outbound.*; the master key is the store's (StoreSettings), set when the store is opened. */
  outbound::DispatchSettings outbound;
  int64_t flowTokenTtlSeconds = 7 * 24 * 3600;  // flow tokens minted when a Flow is sent
  store::RetentionSettings retention;
  std::string pluginsDir = "/usr/lib/baraza/plugins";
  plugins::CallLimits pluginCalls;  // plugins.max_stuck_calls (deadlines are per tenant)
  std::string tenantsDir;           // default: <configDir>/tenants.d
  std::string logLevel = "information";
  std::string logFormat = "text";
};

constexpr const char* kDefaultConfigPath = "/etc/baraza/baraza.properties";

/**
 * Loads baraza.properties into a LayeredConfiguration: `overrides` (key=value given on the
 * command line) above the file. Every problem is appended to `problems`; the returned config
 * holds defaults where a value was bad, so callers can go on to check tenants too.
 */
HostConfig loadHostConfig(const std::string& path,
                          const std::map<std::string, std::string>& overrides,
                          config::Problems& problems);

/**
 * Every key of the host file this version reads, with its default as text (nothing for keys
 * without one, such as secrets). docs/configuration.md is checked against it.
 */
std::map<std::string, std::optional<std::string>> hostConfigKeys();

}  // namespace baraza::app
