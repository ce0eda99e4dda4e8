#include "app/HostConfig.h"

#include <Poco/Environment.h>
#include <Poco/Exception.h>
#include <Poco/Net/IPAddress.h>
#include <Poco/NumberParser.h>
#include <Poco/Path.h>
#include <Poco/URI.h>
#include <Poco/Util/MapConfiguration.h>

#include "config/KeyReader.h"
#include "config/Properties.h"

namespace baraza::app {

using config::KeyReader;
using config::Problems;
using config::resolvePath;
using config::Secret;

namespace {

void readListen(KeyReader& r, http::HttpServerSettings& http) {
  const std::string listen = r.string("http.listen", "127.0.0.1:8080");
  const size_t colon = listen.rfind(':');
  unsigned port = 0;
  std::string host = colon == std::string::npos ? "" : listen.substr(0, colon);
  if (host.size() > 1 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  Poco::Net::IPAddress address;
  if (colon == std::string::npos ||
      !Poco::NumberParser::tryParseUnsigned(listen.substr(colon + 1), port) || port > 65535 ||
      !Poco::Net::IPAddress::tryParse(host, address)) {
    r.problem("http.listen",
              "\"" + listen + "\" is not ADDRESS:PORT (e.g. 127.0.0.1:8080, [::]:8080)");
    return;
  }
  http.host = host;
  http.port = static_cast<uint16_t>(port);
}

void readServiceOverrides(KeyReader& r, http::HttpClientSettings& client) {
  Poco::Util::AbstractConfiguration::Keys services;
  r.config().keys("http_client.service", services);
  for (const auto& name : services) {
    const std::string key = "http_client.service." + name + ".base_url";
    const std::string url = r.requiredString(key);
    if (url.empty()) continue;
    try {
      Poco::URI uri(url);
      if ((uri.getScheme() != "http" && uri.getScheme() != "https") || uri.getHost().empty()) {
        r.problem(key, "\"" + url + "\" is not an http(s) URL");
        continue;
      }
      client.serviceBaseUrls[name] = url;
    } catch (const Poco::Exception& e) {
      r.problem(key, "\"" + url + "\" is not a URL: " + e.message());
    }
  }
}

/** Every key of the host file, into `config` (defaults where absent or bad). */
void readHostConfig(KeyReader& r, HostConfig& config);

}  // namespace

HostConfig loadHostConfig(const std::string& path,
                          const std::map<std::string, std::string>& overrides, Problems& problems) {
  HostConfig config;
  config.file = path;
  config.configDir = Poco::Path(path).makeAbsolute().parent().toString();
  config.tenantsDir = resolvePath("tenants.d", config.configDir);

  auto fileLayer = config::loadPropertiesFile(path, problems);
  if (fileLayer.isNull()) return config;

  Poco::AutoPtr<Poco::Util::LayeredConfiguration> layered = new Poco::Util::LayeredConfiguration;
  Poco::AutoPtr<Poco::Util::MapConfiguration> overrideLayer = new Poco::Util::MapConfiguration;
  for (const auto& [key, value] : overrides) overrideLayer->setString(key, value);
  layered->add(overrideLayer, "overrides", -100, false);
  layered->add(fileLayer, "file", 0, false);

  KeyReader r(*layered, path, config.configDir, problems);
  readHostConfig(r, config);
  r.reportUnknownKeys();
  return config;
}

std::map<std::string, std::optional<std::string>> hostConfigKeys() {
  Poco::AutoPtr<Poco::Util::MapConfiguration> empty = new Poco::Util::MapConfiguration;
  Problems ignored;
  KeyReader r(*empty, "", "/", ignored);
  HostConfig config;
  readHostConfig(r, config);
  return r.keysRead();
}

namespace {

/** An integer setting into `field`, whose value is the default. */
template <class T>
void read(KeyReader& r, const char* key, T& field, int64_t min, int64_t max) {
  field = static_cast<T>(r.integer(key, static_cast<int64_t>(field), min, max));
}

/** A setting written in `unit`s of `field` (e.g. seconds of a millisecond field). */
template <class T>
void readIn(KeyReader& r, const char* key, T& field, int64_t unit, int64_t min, int64_t max) {
  field = static_cast<T>(r.integer(key, static_cast<int64_t>(field) / unit, min, max) * unit);
}

/** A duration setting, written in `Unit`s. */
template <class Unit, class Rep, class Period>
void readDuration(KeyReader& r, const char* key, std::chrono::duration<Rep, Period>& field,
                  int64_t min, int64_t max) {
  const auto fallback = std::chrono::duration_cast<Unit>(field).count();
  field = std::chrono::duration_cast<std::chrono::duration<Rep, Period>>(
      Unit(r.integer(key, fallback, min, max)));
}

void readHostConfig(KeyReader& r, HostConfig& config) {
  auto& http = config.http;
  readListen(r, http);
  read(r, "http.io_threads", http.ioThreads, 0, 64);
  read(r, "http.threads", http.threads, 1, 1024);
  read(r, "http.queue", http.queue, 1, 65536);
  read(r, "http.max_connections", http.maxConnections, 1, 1000000);
  read(r, "http.max_body_bytes", http.maxBodyBytes, 1024, 1LL << 30);
  read(r, "http.timeout_seconds", http.timeoutSeconds, 1, 3600);
  read(r, "http.keep_alive_seconds", http.keepAliveSeconds, 0, 3600);
  read(r, "http.max_keep_alive_requests", http.maxKeepAliveRequests, 0, 1000000);
  read(r, "http.drain_seconds", http.drainSeconds, 0, 3600);

  auto& client = config.httpClient;
  read(r, "http_client.connect_timeout_ms", client.connectTimeoutMs, 1, 600000);
  read(r, "http_client.timeout_ms", client.timeoutMs, 1, 3600000);
  read(r, "http_client.max_response_bytes", client.maxResponseBytes, 1024, 1LL << 31);
  client.caFile = resolvePath(r.string("http_client.ca_file", ""), config.configDir);
  readServiceOverrides(r, client);

  auto& store = config.store;
  store.url = r.string("store.url", store.url);  // parsed by core/store
  store.password = r.secret("store.password", false).value_or(Secret());
  store.masterKey = r.secret("store.master_key", false).value_or(Secret());
  read(r, "store.io_timeout_seconds", store.ioTimeoutSeconds, 1, 3600);
  auto& groupCommit = config.groupCommit;
  read(r, "store.group_commit.max_batch", groupCommit.maxBatch, 1, 10000);
  readDuration<std::chrono::microseconds>(r, "store.group_commit.max_wait_us", groupCommit.maxWait,
                                          0, 1000000);
  read(r, "store.group_commit.writers", groupCommit.writers, 0, 64);
  read(r, "store.group_commit.writer_nice", groupCommit.writerNice, -20, 0);
  read(r, "store.group_commit.max_queued", groupCommit.maxQueued, 1, 1000000);
  readDuration<std::chrono::milliseconds>(r, "webhooks.ack_deadline_ms", groupCommit.answerWithin,
                                          100, 600000);

  config.hostId = r.string("host.id", Poco::Environment::nodeName());
  if (config.hostId.empty() || config.hostId.size() > 64 ||
      config.hostId.find_first_not_of(
          "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") !=
          std::string::npos) {
    r.problem("host.id", "must be 1-64 of A-Z a-z 0-9 . _ - (got '" + config.hostId + "')");
  }
  readDuration<std::chrono::seconds>(r, "host.id_lease_seconds", config.identity.ttl, 1, 300);
  config.identity.patience = 3 * config.identity.ttl;  // a previous holder's lease runs out first

  auto& inbound = config.inbound;
  read(r, "inbound.workers", inbound.workers, 1, 64);
  read(r, "inbound.turns_at_once", inbound.turnsAtOnce, 1, 64);
  read(r, "inbound.max_attempts", inbound.maxAttempts, 1, 1000);
  readIn(r, "inbound.lease_seconds", inbound.leaseMs, 1000, 10, 3600);

  auto& media = config.media;
  read(r, "media.workers", media.workers, 1, 64);
  read(r, "media.max_attempts", media.maxAttempts, 1, 100);
  readIn(r, "media.lease_seconds", media.leaseMs, 1000, 60, 24 * 3600);
  readIn(r, "media.retry_seconds", media.retryBaseMs, 1000, 1, 3600);
  readIn(r, "media.retry_max_seconds", media.retryMaxMs, 1000, 1, 24 * 3600);

  auto& outbound = config.outbound;
  read(r, "outbound.max_in_flight", outbound.maxInFlight, 1, 100000);
  if (r.config().has("outbound.senders")) {  // a thread per call, before calls became asynchronous
    r.claimKey("outbound.senders");
    r.problem("outbound.senders",
              "replaced by outbound.max_in_flight (Graph calls under way at once, default 1000; "
              "see docs/sending.md, \"How many calls at once\")");
  }
  readIn(r, "outbound.window_guard_ms", outbound.windowGuardUs, 1000, 0, 1000);
  read(r, "outbound.max_attempts", outbound.retry.maxAttempts, 1, 1000);
  readIn(r, "outbound.lease_seconds", outbound.leaseMs, 1000, 10, 3600);
  read(r, "flows.token_ttl_seconds", config.flowTokenTtlSeconds, 60, 90LL * 24 * 3600);

  // Retention (days; 0 keeps for ever).
  auto& retention = config.retention;
  read(r, "retention.processed_days", retention.processedDays, 0, 36500);
  read(r, "retention.failed_days", retention.failedDays, 0, 36500);
  read(r, "retention.events_days", retention.eventsDays, 0, 36500);
  read(r, "retention.outbox_days", retention.outboxDays, 0, 36500);
  read(r, "retention.flow_sessions_days", retention.flowSessionsDays, 0, 36500);
  read(r, "retention.media_days", retention.mediaDays, 0, 36500);
  readDuration<std::chrono::seconds>(r, "retention.interval_seconds", retention.every, 10, 86400);

  config.pluginsDir = resolvePath(r.string("plugins.dir", config.pluginsDir), config.configDir);
  read(r, "plugins.max_stuck_calls", config.pluginCalls.maxStuck, 1, 1000);
  config.tenantsDir = resolvePath(r.string("tenants.dir", "tenants.d"), config.configDir);
  config.logLevel = r.choice(
      "log.level", config.logLevel,
      {"fatal", "critical", "error", "warning", "notice", "information", "debug", "trace"});
  config.logFormat = r.choice("log.format", config.logFormat, {"text", "json"});
}

}  // namespace

}  // namespace baraza::app
