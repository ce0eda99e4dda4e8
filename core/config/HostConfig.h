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

namespace baraza::config {

struct HttpServerSettings {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;
  int ioThreads = 0;  // event loops that read and write every connection; 0: one per core
  int threads = 16;   // handler threads, for routes that may block (Router's Runs::kOnWorker)
  int queue = 128;    // the listen backlog: connections the kernel completed, not yet accepted
  int maxConnections = 10000;             // open at once; beyond, new ones wait in the backlog
  size_t maxBodyBytes = 3 * 1024 * 1024;  // Meta's webhook maximum
  int timeoutSeconds = 15;                // socket receive/send: bounds slow headers and bodies
  int keepAliveSeconds = 15;
  int maxKeepAliveRequests = 1000;
  int drainSeconds = 25;  // graceful stop: how long in-flight requests may take
};

struct HttpClientSettings {
  int connectTimeoutMs = 5000;
  int timeoutMs = 30000;
  size_t maxResponseBytes = 16 * 1024 * 1024;
  std::string caFile;  // empty: the system store
  /** service name ("graph", "openai", "kra") -> base URL that replaces the plugin's. */
  std::map<std::string, std::string> serviceBaseUrls;
};

/** The host's own settings: baraza.properties. Defaults are production values. */
struct HostConfig {
  std::string file;       // the properties file read
  std::string configDir;  // its directory: relative paths are resolved from here
  HttpServerSettings http;
  HttpClientSettings httpClient;
  std::string storeUrl = "sqlite:///var/lib/baraza/baraza.db";
  Secret storePassword;  // MySQL/MariaDB only; a secret reference in practice
  int storeIoTimeoutSeconds =
      30;                 // MySQL/MariaDB: a read or write on a connection gives up after this
  Secret storeMasterKey;  // encrypts stored secrets; 64 hex digits or base64 of 32 bytes
  size_t groupCommitMaxBatch = 256;
  int groupCommitMaxWaitUs = 0;
  int groupCommitWriters = 0;  // 0: by backend
  int groupCommitWriterNice = -10;
  size_t groupCommitMaxQueued =
      10000;  // webhooks waiting for a commit at most; beyond: 503 at once
  int webhookAckDeadlineMs =
      5000;  // a webhook not committed by then is answered 503 (Meta retries)
  std::string pluginsDir = "/usr/lib/baraza/plugins";
  int pluginsMaxStuckCalls =
      8;  // an instance's calls past their deadline not returned yet; then it is not called
  std::string tenantsDir;  // default: <configDir>/tenants.d
  std::string
      hostId;  // host.id: owner of this host's claims and leases (default: the machine's name)
  int hostIdLeaseSeconds =
      10;  // a host restarted after a kill -9 waits up to this long for its identity
  int inboundWorkers = 2;       // threads processing stored webhook deliveries
  int inboundMaxAttempts = 10;  // then a delivery or conversation job fails for good
  int inboundLeaseSeconds =
      60;  // a delivery claimed by a host that died is processed by another after this
  int outboundMaxInFlight =
      1000;  // provider send calls under way at once (each on its own connection)
  int outboundWindowGuardMs =
      50;  // a send in flight counts as arriving up to this long after it was written
  int outboundMaxAttempts = 10;   // then a message fails for good
  int outboundLeaseSeconds = 60;  // a message being sent by a host that died is retried after this
  int64_t flowTokenTtlSeconds = 7 * 24 * 3600;  // flow tokens minted when a Flow is sent
  // Retention (days; 0 keeps for ever): see store::RetentionSettings.
  int retentionProcessedDays = 30;
  int retentionFailedDays = 90;
  int retentionEventsDays = 90;
  int retentionOutboxDays = 30;
  int retentionFlowSessionsDays = 7;
  int retentionIntervalSeconds = 600;
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
                          const std::map<std::string, std::string>& overrides, Problems& problems);

/**
 * Every key of the host file this version reads, with its default as text (nothing for keys
 * without one, such as secrets). docs/configuration.md is checked against it.
 */
std::map<std::string, std::optional<std::string>> hostConfigKeys();

/** Loads one properties file; a parse error becomes a Problem and null is returned. */
Poco::AutoPtr<Poco::Util::AbstractConfiguration> loadPropertiesFile(const std::string& path,
                                                                    Problems& problems);

/** path made absolute against baseDir when relative. */
std::string resolvePath(const std::string& path, const std::string& baseDir);

}  // namespace baraza::config
