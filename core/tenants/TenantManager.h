#pragma once

#include <atomic>
#include <memory>
#include <mutex>

#include "tenants/TenantSet.h"

namespace baraza::tenants {

/**
 * Owns the current TenantSet. Readers take a snapshot (current()) and keep it for the whole
 * request; start() and reload() build a new set beside it and swap atomically.
 */
class TenantManager {
 public:
  TenantManager(std::string tenantsDir, const plugins::PluginRegistry& registry,
                SharedServices shared)
      : tenantsDir_(std::move(tenantsDir)), registry_(registry), shared_(std::move(shared)) {}

  /** Builds the first set: invalid tenants are logged and left out; the others start. */
  void start();

  /**
   * Re-reads every tenant file. The new set replaces the current one only if every file is
   * valid; otherwise each problem is logged, the current set keeps serving and the problems are
   * returned (FAILED_PRECONDITION).
   */
  Status reload();

  TenantSetPtr current() const { return std::atomic_load(&current_); }

 private:
  std::string tenantsDir_;
  const plugins::PluginRegistry& registry_;
  SharedServices shared_;
  std::mutex reloadMutex_;
  TenantSetPtr current_;
};

}  // namespace baraza::tenants
