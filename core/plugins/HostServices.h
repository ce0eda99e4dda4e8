#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "common/HttpTypes.h"
#include "common/Status.h"

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
  /**
   * Runs the caller's tenant's intent instance `instance` on an intent input document, or its
   * intent chain when `instance` is empty; returns the intent result document.
   */
  virtual StatusOr<std::string> detectIntent(const InstanceRef& who, std::string_view instance,
                                             std::string_view inputJson) = 0;
  /** Runs the tenant's verifier `instance` (empty: its first) on a verification request. */
  virtual StatusOr<std::string> verify(const InstanceRef& who, std::string_view instance,
                                       std::string_view requestJson) = 0;
  /** One contact's conversation state of the tenant; version 0 and empty JSON when none. */
  virtual StatusOr<std::pair<std::string, int64_t>> stateGet(const InstanceRef& who,
                                                             std::string_view contact) = 0;
  /** Writes it if the version is still `expectedVersion`; ABORTED if not. The new version. */
  virtual StatusOr<int64_t> statePut(const InstanceRef& who, std::string_view contact,
                                     std::string_view stateJson, int64_t expectedVersion) = 0;
  /**
   * A stored media item of the caller's tenant as {"id", "kind", "mime_type", "size", "sha256"};
   * NOT_FOUND for an item of no such id of this tenant, FAILED_PRECONDITION when not stored.
   */
  virtual StatusOr<std::string> mediaInfo(const InstanceRef& who, int64_t mediaId) = 0;
  /** Up to `capacity` bytes of that item from `offset` into `out`; 0 at its end. */
  virtual StatusOr<size_t> mediaRead(const InstanceRef& who, int64_t mediaId, uint64_t offset,
                                     char* out, size_t capacity) = 0;
};

}  // namespace baraza::plugins
