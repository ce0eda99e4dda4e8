#pragma once

#include "common/HttpTypes.h"
#include "common/Status.h"

#include <cstdint>
#include <string>
#include <string_view>

namespace baraza::plugins {

/** Who is calling the host: one plugin instance of one tenant. */
struct InstanceRef {
  std::string tenant;
  std::string instance;  // the name the tenant configured it under (plugins.<name>.*)
  std::string pluginId;
};

/**
 * The host services behind the plugin ABI's host table. core/plugins only defines the contract;
 * the application wires the implementations (HTTP client, store, outbox) so this layer stays
 * below them. Every call is scoped to the calling instance: data of one tenant is never visible
 * to another.
 */
class HostServices {
 public:
  virtual ~HostServices() = default;

  /** level is a baraza_log_level. */
  virtual void log(const InstanceRef& who, int level, std::string_view message) = 0;
  /** Transport failures are errors; HTTP error statuses are responses. */
  virtual StatusOr<HttpResponse> http(const InstanceRef& who, const HttpRequest& request) = 0;
  /** A secret of the caller's tenant (secrets.<name> in its file). */
  virtual StatusOr<std::string> secret(const InstanceRef& who, std::string_view name) = 0;
  /** NOT_FOUND when absent or expired. */
  virtual StatusOr<std::string> kvGet(const InstanceRef& who, std::string_view key) = 0;
  virtual Status kvPut(const InstanceRef& who, std::string_view key, std::string_view value,
                       int64_t ttlSeconds) = 0;
  virtual Status kvDelete(const InstanceRef& who, std::string_view key) = 0;
  virtual void counterAdd(const InstanceRef& who, std::string_view name, int64_t delta) = 0;
  /** Queues an outbound message; returns its outbox id. */
  virtual StatusOr<std::string> send(const InstanceRef& who, std::string_view messageJson) = 0;
};

}  // namespace baraza::plugins
