#pragma once

#include <functional>

#include "common/Metrics.h"
#include "http/Router.h"
#include "store/Database.h"
#include "tenants/TenantManager.h"

namespace baraza::app {

/**
 * /healthz, /readyz and /metrics. Ready means: the database answers, the tenants are loaded,
 * and `writes` (the webhook group commit's health) is OK: a database that answers SELECT 1 but
 * cannot write (a full disk, a stalled lock) is not ready. The `plugins` check lists instances
 * with calls stuck past their deadline without making the host unready (see pluginsCheck).
 */
void addHostRoutes(http::Router& router, store::Database& database,
                   const tenants::TenantManager& tenants, const Metrics& metrics,
                   std::function<Status()> writes);

}  // namespace baraza::app
