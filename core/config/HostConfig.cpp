#include "config/HostConfig.h"

#include <Poco/Environment.h>
#include <Poco/Exception.h>
#include <Poco/File.h>
#include <Poco/Net/IPAddress.h>
#include <Poco/NumberParser.h>
#include <Poco/Path.h>
#include <Poco/URI.h>
#include <Poco/Util/MapConfiguration.h>
#include <Poco/Util/PropertyFileConfiguration.h>

#include "config/KeyReader.h"

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

namespace {

void readListen(KeyReader& r, HttpServerSettings& http) {
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

void readServiceOverrides(KeyReader& r, HttpClientSettings& client) {
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

  auto fileLayer = loadPropertiesFile(path, problems);
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

void readHostConfig(KeyReader& r, HostConfig& config) {
  auto& http = config.http;
  readListen(r, http);
  http.ioThreads = static_cast<int>(r.integer("http.io_threads", http.ioThreads, 0, 64));
  http.threads = static_cast<int>(r.integer("http.threads", http.threads, 1, 1024));
  http.queue = static_cast<int>(r.integer("http.queue", http.queue, 1, 65536));
  http.maxConnections =
      static_cast<int>(r.integer("http.max_connections", http.maxConnections, 1, 1000000));
  http.maxBodyBytes = static_cast<size_t>(
      r.integer("http.max_body_bytes", static_cast<int64_t>(http.maxBodyBytes), 1024, 1LL << 30));
  http.timeoutSeconds =
      static_cast<int>(r.integer("http.timeout_seconds", http.timeoutSeconds, 1, 3600));
  http.keepAliveSeconds =
      static_cast<int>(r.integer("http.keep_alive_seconds", http.keepAliveSeconds, 0, 3600));
  http.maxKeepAliveRequests = static_cast<int>(
      r.integer("http.max_keep_alive_requests", http.maxKeepAliveRequests, 0, 1000000));
  http.drainSeconds = static_cast<int>(r.integer("http.drain_seconds", http.drainSeconds, 0, 3600));

  auto& client = config.httpClient;
  client.connectTimeoutMs = static_cast<int>(
      r.integer("http_client.connect_timeout_ms", client.connectTimeoutMs, 1, 600000));
  client.timeoutMs =
      static_cast<int>(r.integer("http_client.timeout_ms", client.timeoutMs, 1, 3600000));
  client.maxResponseBytes = static_cast<size_t>(
      r.integer("http_client.max_response_bytes", static_cast<int64_t>(client.maxResponseBytes),
                1024, 1LL << 31));
  client.caFile = resolvePath(r.string("http_client.ca_file", ""), config.configDir);
  readServiceOverrides(r, client);

  config.storeUrl = r.string("store.url", config.storeUrl);  // parsed by core/store
  config.storePassword = r.secret("store.password", false).value_or(Secret());
  config.storeMasterKey = r.secret("store.master_key", false).value_or(Secret());
  config.groupCommitMaxBatch = static_cast<size_t>(r.integer(
      "store.group_commit.max_batch", static_cast<int64_t>(config.groupCommitMaxBatch), 1, 10000));
  config.groupCommitMaxWaitUs = static_cast<int>(
      r.integer("store.group_commit.max_wait_us", config.groupCommitMaxWaitUs, 0, 1000000));
  config.groupCommitWriters =
      static_cast<int>(r.integer("store.group_commit.writers", config.groupCommitWriters, 0, 64));
  config.groupCommitWriterNice = static_cast<int>(
      r.integer("store.group_commit.writer_nice", config.groupCommitWriterNice, -20, 0));
  config.hostId = r.string("host.id", Poco::Environment::nodeName());
  if (config.hostId.empty() || config.hostId.size() > 64 ||
      config.hostId.find_first_not_of(
          "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") !=
          std::string::npos) {
    r.problem("host.id", "must be 1-64 of A-Z a-z 0-9 . _ - (got '" + config.hostId + "')");
  }
  config.hostIdLeaseSeconds =
      static_cast<int>(r.integer("host.id_lease_seconds", config.hostIdLeaseSeconds, 1, 300));
  config.storeIoTimeoutSeconds = static_cast<int>(
      r.integer("store.io_timeout_seconds", config.storeIoTimeoutSeconds, 1, 3600));
  config.groupCommitMaxQueued =
      static_cast<size_t>(r.integer("store.group_commit.max_queued",
                                    static_cast<int64_t>(config.groupCommitMaxQueued), 1, 1000000));
  config.webhookAckDeadlineMs = static_cast<int>(
      r.integer("webhooks.ack_deadline_ms", config.webhookAckDeadlineMs, 100, 600000));
  config.inboundWorkers =
      static_cast<int>(r.integer("inbound.workers", config.inboundWorkers, 1, 64));
  config.inboundMaxAttempts =
      static_cast<int>(r.integer("inbound.max_attempts", config.inboundMaxAttempts, 1, 1000));
  config.inboundLeaseSeconds =
      static_cast<int>(r.integer("inbound.lease_seconds", config.inboundLeaseSeconds, 10, 3600));
  config.outboundMaxInFlight =
      static_cast<int>(r.integer("outbound.max_in_flight", config.outboundMaxInFlight, 1, 100000));
  if (r.config().has("outbound.senders")) {  // a thread per call, before calls became asynchronous
    r.claimKey("outbound.senders");
    r.problem("outbound.senders",
              "replaced by outbound.max_in_flight (Graph calls under way at once, default 1000; "
              "see docs/sending.md, \"How many calls at once\")");
  }
  config.outboundWindowGuardMs = static_cast<int>(
      r.integer("outbound.window_guard_ms", config.outboundWindowGuardMs, 0, 1000));
  config.outboundMaxAttempts =
      static_cast<int>(r.integer("outbound.max_attempts", config.outboundMaxAttempts, 1, 1000));
  config.outboundLeaseSeconds =
      static_cast<int>(r.integer("outbound.lease_seconds", config.outboundLeaseSeconds, 10, 3600));
  config.flowTokenTtlSeconds =
      r.integer("flows.token_ttl_seconds", config.flowTokenTtlSeconds, 60, 90LL * 24 * 3600);
  auto days = [&](const char* key, int fallback) {
    return static_cast<int>(r.integer(key, fallback, 0, 36500));
  };
  config.retentionProcessedDays = days("retention.processed_days", config.retentionProcessedDays);
  config.retentionFailedDays = days("retention.failed_days", config.retentionFailedDays);
  config.retentionEventsDays = days("retention.events_days", config.retentionEventsDays);
  config.retentionOutboxDays = days("retention.outbox_days", config.retentionOutboxDays);
  config.retentionFlowSessionsDays =
      days("retention.flow_sessions_days", config.retentionFlowSessionsDays);
  config.retentionIntervalSeconds = static_cast<int>(
      r.integer("retention.interval_seconds", config.retentionIntervalSeconds, 10, 86400));
  config.pluginsDir = resolvePath(r.string("plugins.dir", config.pluginsDir), config.configDir);
  config.pluginsMaxStuckCalls =
      static_cast<int>(r.integer("plugins.max_stuck_calls", config.pluginsMaxStuckCalls, 1, 1000));
  config.tenantsDir = resolvePath(r.string("tenants.dir", "tenants.d"), config.configDir);
  config.logLevel = r.choice(
      "log.level", config.logLevel,
      {"fatal", "critical", "error", "warning", "notice", "information", "debug", "trace"});
  config.logFormat = r.choice("log.format", config.logFormat, {"text", "json"});
}

}  // namespace

}  // namespace baraza::config
