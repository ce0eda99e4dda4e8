#include "app/HostRoutes.h"

#include <baraza/sdk/Json.hpp>

namespace baraza::app {

void addHostRoutes(http::Router& router, store::Database& database, const tenants::TenantManager& tenants,
                   const Metrics& metrics, std::function<Status()> writes) {
  router.add("GET", "/healthz", [](http::Exchange& ex) { ex.sendJson(200, R"({"status":"alive"})"); });

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
                                   .str();
    ex.sendJson(ready ? 200 : 503, sdk::json::Object()
                                       .add("status", ready ? "ready" : "not ready")
                                       .add("checks", sdk::json::Object::Raw{checks})
                                       .str());
  });

  router.add("GET", "/metrics", [&metrics](http::Exchange& ex) {
    ex.send(200, metrics.prometheusText(), "text/plain; version=0.0.4");
  });
}

}  // namespace baraza::app
