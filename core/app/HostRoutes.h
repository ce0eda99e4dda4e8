#pragma once

#include "common/Metrics.h"
#include "http/Router.h"
#include "store/Database.h"
#include "tenants/TenantManager.h"

namespace baraza::app {

/** /healthz (alive), /readyz (store reachable, tenants loaded) and /metrics. */
void addHostRoutes(http::Router& router, store::Database& database,
                   const tenants::TenantManager& tenants, const Metrics& metrics);

}  // namespace baraza::app
