#include "app/HostRoutes.h"

#include <baraza/sdk/Json.hpp>

#include "plugins/CallRunner.h"

namespace baraza::app {
namespace {

/** Calls each running plugin instance of the current tenants with (tenant id, instance name,
 * instance). */
template <class F>
void forEachInstance(const tenants::TenantManager& tenants, F&& visit) {
  const tenants::TenantSetPtr set = tenants.current();
  if (!set) return;
  for (const auto& tenant : set->all()) {
    for (const auto& slot : tenant->instances()) {
      if (slot.instance) visit(tenant->id(), slot.binding.name, *slot.instance);
    }
  }
}

/**
 * Instances with calls stuck past their deadline. Reported, but the host stays ready: readiness
 * routes every tenant's webhooks, and one tenant's stuck plugin must not turn the others away
 * (its own deliveries are stored and retried all the same).
 */
std::string pluginsCheck(const tenants::TenantManager& tenants) {
  std::string stuck;
  forEachInstance(tenants, [&](const std::string& tenant, const std::string& name,
                               const plugins::PluginInstance& instance) {
    if (instance.stuckCalls() == 0) return;
    if (!stuck.empty()) stuck += ",";
    stuck += sdk::json::Object()
                 .add("tenant", tenant)
                 .add("instance", name)
                 .add("plugin", instance.ref().pluginId)
                 .add("stuck_calls", static_cast<long long>(instance.stuckCalls()))
                 .str();
  });
  return sdk::json::Object()
      .add("ok", stuck.empty())
      .add("stuck_threads", static_cast<long long>(plugins::CallRunner::shared().stuckThreads()))
      .add("unhealthy", sdk::json::Object::Raw{"[" + stuck + "]"})
      .str();
}

/** The per-instance call figures, in the Prometheus text format. */
std::string pluginMetrics(const tenants::TenantManager& tenants) {
  std::string stuck = "# TYPE baraza_plugin_stuck_calls gauge\n";
  std::string abandoned = "# TYPE baraza_plugin_calls_abandoned_total counter\n";
  forEachInstance(tenants, [&](const std::string& tenant, const std::string& name,
                               const plugins::PluginInstance& instance) {
    const std::string labels = "{tenant=\"" + tenant + "\",instance=\"" + name + "\"} ";
    stuck += "baraza_plugin_stuck_calls" + labels + std::to_string(instance.stuckCalls()) + "\n";
    abandoned += "baraza_plugin_calls_abandoned_total" + labels +
                 std::to_string(instance.abandonedCalls()) + "\n";
  });
  return stuck + abandoned +
         "# TYPE baraza_plugin_stuck_threads gauge\nbaraza_plugin_stuck_threads " +
         std::to_string(plugins::CallRunner::shared().stuckThreads()) + "\n";
}

}  // namespace

void addHostRoutes(http::Router& router, store::Database& database,
                   const tenants::TenantManager& tenants, const Metrics& metrics,
                   std::function<Status()> writes) {
  router.add("GET", "/healthz",
             [](http::Exchange& ex) { ex.sendJson(200, R"({"status":"alive"})"); });

  router.add("GET", "/readyz", [&database, &tenants, writes](http::Exchange& ex) {
    const Status store = database.ping();
    const Status written = writes ? writes() : Status();
    const tenants::TenantSetPtr set = tenants.current();
    const bool ready = store.isOk() && written.isOk() && set != nullptr;
    sdk::json::Object storeCheck;
    storeCheck.add("ok", store.isOk());
    if (!store.isOk()) storeCheck.add("error", store.message());
    sdk::json::Object writeCheck;
    writeCheck.add("ok", written.isOk());
    if (!written.isOk()) writeCheck.add("error", written.message());
    sdk::json::Object tenantCheck;
    tenantCheck.add("ok", set != nullptr);
    if (set) {
      tenantCheck.add("count", static_cast<long long>(set->all().size()))
          .add("generation", static_cast<long long>(set->generation()))
          .add("disabled_instances", static_cast<long long>(set->disabledInstances()));
    }
    const std::string checks = sdk::json::Object()
                                   .add("store", sdk::json::Object::Raw{storeCheck.str()})
                                   .add("writes", sdk::json::Object::Raw{writeCheck.str()})
                                   .add("tenants", sdk::json::Object::Raw{tenantCheck.str()})
                                   .add("plugins", sdk::json::Object::Raw{pluginsCheck(tenants)})
                                   .str();
    ex.sendJson(ready ? 200 : 503, sdk::json::Object()
                                       .add("status", ready ? "ready" : "not ready")
                                       .add("checks", sdk::json::Object::Raw{checks})
                                       .str());
  });

  router.add("GET", "/metrics", [&metrics, &tenants](http::Exchange& ex) {
    ex.send(200, metrics.prometheusText() + pluginMetrics(tenants), "text/plain; version=0.0.4");
  });
}

}  // namespace baraza::app
