#include "app/Serve.h"

#include <Poco/Environment.h>
#include <Poco/Logger.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <iostream>

#include "app/FlowRoutes.h"
#include "app/HostConfig.h"
#include "app/HostRoutes.h"
#include "app/Logging.h"
#include "app/WebhookRoutes.h"
#include "http/HttpClient.h"
#include "http/HttpServer.h"
#include "inbound/InboundProcessor.h"
#include "inbound/WebhookReceiver.h"
#include "media/FlowMediaStore.h"
#include "media/MediaFetcher.h"
#include "media/MediaRetention.h"
#include "outbound/Dispatcher.h"
#include "outbound/OutboundQueue.h"
#include "plugins/CallRunner.h"
#include "plugins/PluginRegistry.h"
#include "store/Database.h"
#include "store/HostIdentity.h"
#include "store/Inbox.h"
#include "store/InboxWriter.h"
#include "store/Migrations.h"
#include "store/SecretStore.h"
#include "store/SqlKeyValueStore.h"
#include "tenants/TenantManager.h"

namespace baraza::app {
namespace {

std::string describeTenant(const tenants::Tenant& tenant) {
  std::string numbers;
  for (const auto& n : tenant.config().phoneNumberIds) numbers += (numbers.empty() ? "" : ",") + n;
  std::string plugins;
  for (const auto& slot : tenant.instances()) {
    plugins += (plugins.empty() ? "" : ", ") + slot.binding.name + "=" + slot.binding.pluginId +
               (slot.instance ? "" : " (disabled)");
  }
  return "tenant " + tenant.id() + ": phone_number_ids " + numbers +
         "; plugins: " + (plugins.empty() ? "none" : plugins);
}

}  // namespace

int serve(const std::string& configPath, const std::map<std::string, std::string>& overrides) {
  // Signals are taken synchronously by this thread (sigwait); every thread started from here on
  // inherits the mask, so none of them is interrupted by one.
  sigset_t signals;
  sigemptyset(&signals);
  for (int s : {SIGHUP, SIGTERM, SIGINT}) sigaddset(&signals, s);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  config::Problems problems;
  HostConfig host = loadHostConfig(configPath, overrides, problems);
  if (!problems.empty()) {
    for (const auto& p : problems) std::cerr << p.toString() << "\n";
    std::cerr << "baraza serve: not starting: the host configuration has problems\n";
    return 1;
  }
  if (!host.store.masterKey.empty()) {
    if (auto key = store::MasterKey::parse(host.store.masterKey.reveal()); !key.isOk()) {
      std::cerr << configPath << ": " << key.status().message() << "\n";
      return 1;
    }
  }
  configureLogging(host.logLevel, host.logFormat);
  Poco::Logger& log = Poco::Logger::get("baraza");
  log.information("baraza " BARAZA_VERSION " starting with " + configPath);

  auto database = store::Database::open(host.store.url, host.store.password.reveal(),
                                        host.store.ioTimeoutSeconds);
  if (!database.isOk()) {
    log.fatal("not starting: " + database.status().message());
    return 1;
  }
  log.information("store: " + (*database)->describe());
  if (auto migrated = store::migrate(**database); !migrated.isOk()) {
    log.fatal("not starting: " + migrated.status().message());
    return 1;
  }

  // Before any work: a previous process of this host (killed, crashed) may hold claims to take
  // back.
  auto identity = store::HostIdentity::take(*database, host.hostId, host.identity);
  if (!identity.isOk()) {
    log.fatal("not starting: " + identity.status().message());
    return 1;
  }
  const std::string owner = (*identity)->owner();

  plugins::PluginRegistry registry = plugins::PluginRegistry::scan(host.pluginsDir);
  if (!registry.error().empty()) log.error(registry.error());
  registry.loadAll();

  http::HttpClient client(host.httpClient);
  store::SqlKeyValueStore kv(*database);
  Metrics metrics;
  tenants::SharedServices shared;
  shared.http = [&client](const HttpRequest& request) { return client.send(request); };
  shared.kv = &kv;
  shared.database = database->get();
  shared.metrics = &metrics;
  shared.callLimits = host.pluginCalls;
  // The queue and the dispatcher need the tenants, and the tenants' host API needs the queue.
  std::unique_ptr<outbound::OutboundQueue> queue;
  std::unique_ptr<outbound::Dispatcher> dispatcher;
  shared.enqueue = [&queue, &dispatcher](const std::string& tenant, const std::string& json,
                                         const std::string& key) -> StatusOr<int64_t> {
    if (!queue) return unavailable("the outbound queue is not running yet");
    StatusOr<int64_t> id = queue->submit(tenant, json, key);
    if (id.isOk() && dispatcher) dispatcher->wake();
    return id;
  };

  tenants::TenantManager tenants(host.tenantsDir, registry, shared);
  tenants.start();
  for (const auto& tenant : tenants.current()->all()) {
    log.information(describeTenant(*tenant));
    for (const auto& warning : tenants::tenantWarnings(tenant->config())) log.warning(warning);
  }

  queue = std::make_unique<outbound::OutboundQueue>(*database, tenants,
                                                    host.flowTokenTtlSeconds * 1000);
  outbound::DispatchSettings dispatch = host.outbound;
  if (!host.store.masterKey.empty()) {
    dispatch.masterKey = *store::MasterKey::parse(host.store.masterKey.reveal());
  }
  dispatcher = std::make_unique<outbound::Dispatcher>(*database, tenants, *queue, client, dispatch,
                                                      owner, &metrics);

  store::InboxWriter inbox(*database, host.groupCommit);
  inbound::WebhookReceiver webhooks(tenants, inbox);
  inbound::InboundProcessor processor(*database, tenants, *queue, host.inbound, owner);
  media::MediaFetcher fetcher(*database, tenants, client, host.media, owner);
  // Media downloads and uploads carry the token sends carry: an exchanged one once it replaced
  // the file's.
  const media::AccessToken token = [&dispatcher](const tenants::TenantConfig& tenant) {
    return dispatcher->accessToken(tenant);
  };
  fetcher.useAccessToken(token);
  queue->useAccessToken(token);
  webhooks.onStored([&processor] { processor.wake(); });
  processor.onQueued([&dispatcher] { dispatcher->wake(); });
  processor.onMedia([&fetcher] { fetcher.wake(); });
  processor.start();
  fetcher.start();
  store::Retention retention(*database, host.retention);
  if (const int days = host.retention.mediaDays; days > 0) {
    retention.alsoPurge("media", [&database, &tenants, days](int64_t now) {
      return media::purgeMedia(**database, tenants, now - int64_t{days} * 24 * 3600 * 1000);
    });
  }
  retention.start();

  flows::FlowEndpoint flowEndpoint(tenants, *database);
  media::FlowMediaStore flowMedia(*database, tenants, client);
  flowEndpoint.resolveMediaWith([&flowMedia](const std::string& tenant, const std::string& data) {
    return flowMedia.resolve(tenant, data);
  });

  http::Router router;
  addHostRoutes(router, **database, tenants, metrics, [&inbox] { return inbox.health(); });
  addWebhookRoutes(router, webhooks);
  addFlowRoutes(router, flowEndpoint);
  http::HttpServer server(host.http, std::move(router));
  try {
    server.start();
  } catch (const std::exception& e) {
    log.fatal("not starting: cannot listen on " + host.http.host + ":" +
              std::to_string(host.http.port) + ": " + e.what());
    return 1;
  }
  const std::string shownHost =
      host.http.host.find(':') != std::string::npos ? "[" + host.http.host + "]" : host.http.host;
  log.information("listening on http://" + shownHost + ":" + std::to_string(server.port()));
  // Started last: on the early returns above it never ran, so nothing outlives the tenants.
  dispatcher->start();

  while (true) {
    int received = 0;
    if (sigwait(&signals, &received) != 0) continue;
    if (received == SIGHUP) {
      log.information("SIGHUP: reloading tenants from " + host.tenantsDir);
      if (tenants.reload().isOk()) {
        for (const auto& tenant : tenants.current()->all())
          log.information(describeTenant(*tenant));
      }
      continue;
    }
    log.information(std::string(received == SIGTERM ? "SIGTERM" : "SIGINT") +
                    ": stopping; requests in flight may take up to " +
                    std::to_string(host.http.drainSeconds) + "s");
    break;
  }
  server.stop();
  processor.stop();
  fetcher.stop();
  dispatcher->stop();
  if (const size_t stuck = plugins::CallRunner::shared().stuckThreads(); stuck > 0) {
    // Such a call can return at any time into a process tearing itself down (its tenant, the
    // store, the loggers): the process ends here instead, everything acknowledged being committed.
    log.warning("stopped with " + std::to_string(stuck) +
                " plugin call(s) stuck past their deadline; exiting without waiting for them");
    std::clog.flush();
    std::_Exit(0);
  }
  log.information("stopped");
  return 0;
}

}  // namespace baraza::app
