#include "tenants/TenantManager.h"

#include <Poco/Logger.h>

namespace baraza::tenants {

void TenantManager::start() {
  std::lock_guard<std::mutex> lock(reloadMutex_);
  Poco::Logger& log = Poco::Logger::get("baraza.tenants");
  TenantLoad load = loadTenants(tenantsDir_, registry_);
  for (const auto& problem : load.problems) log.error(problem.toString());
  for (const auto& id : load.invalid)
    log.error("tenant " + id + " not started: its configuration has problems");
  auto set = TenantSet::build(std::move(load.valid), registry_, shared_, 1);
  for (const auto& tenant : set->all()) log.information("tenant " + tenant->id() + " started");
  std::atomic_store(&current_, set);
}

Status TenantManager::reload() {
  std::lock_guard<std::mutex> lock(reloadMutex_);
  Poco::Logger& log = Poco::Logger::get("baraza.tenants");
  TenantLoad load = loadTenants(tenantsDir_, registry_);
  if (!load.problems.empty()) {
    std::string summary;
    for (const auto& problem : load.problems) {
      log.error("reload: " + problem.toString());
      summary += (summary.empty() ? "" : "; ") + problem.toString();
    }
    log.error("reload rejected: " + std::to_string(load.problems.size()) +
              " problem(s); the current tenants keep serving");
    return failedPrecondition(summary);
  }
  const uint64_t generation = current() ? current()->generation() + 1 : 1;
  auto set = TenantSet::build(std::move(load.valid), registry_, shared_, generation);
  std::atomic_store(&current_, set);
  log.information("reload applied: generation " + std::to_string(generation) + ", " +
                  std::to_string(set->all().size()) + " tenant(s)");
  return Status::ok();
}

}  // namespace baraza::tenants
