#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/Metrics.h"
#include "plugins/PluginInstance.h"
#include "plugins/PluginRegistry.h"
#include "store/Database.h"
#include "store/KeyValueStore.h"
#include "store/MediaItems.h"
#include "store/Outbox.h"
#include "tenants/TenantConfig.h"

namespace baraza::tenants {

/** The process-wide services behind every tenant's host API (wired by the application). */
struct SharedServices {
  std::function<StatusOr<HttpResponse>(const HttpRequest&)> http;
  store::KeyValueStore* kv = nullptr;
  /**
   * Conversation state (host API state_get/state_put) and media items (media_info/media_read);
   * null: those calls are UNAVAILABLE.
   */
  store::Database* database = nullptr;
  Metrics* metrics = nullptr;
  /** Bounds of every instance's calls; a tenant file's plugins.<name>.call_deadline_ms sets its own
   * deadline. */
  plugins::CallLimits callLimits;
  /**
   * Queues an outbound message of `tenant` (checked and built by its channel plugin, then stored
   * in the outbox); returns its id. A second call with the same non-empty key is the same message.
   */
  std::function<StatusOr<int64_t>(const std::string& tenant, const std::string& messageJson,
                                  const std::string& idempotencyKey)>
      enqueue;
};

/**
 * The host API as one tenant's plugins see it: secrets are that tenant's, key/value entries are
 * scoped to (tenant, instance), logs and metrics carry the tenant.
 */
class Tenant;

class TenantServices : public plugins::HostServices {
 public:
  TenantServices(const Tenant& tenant, SharedServices shared)
      : tenant_(tenant), shared_(std::move(shared)) {}

  void log(const plugins::InstanceRef& who, int level, std::string_view message) override;
  StatusOr<HttpResponse> http(const plugins::InstanceRef& who, const HttpRequest& request) override;
  StatusOr<std::string> secret(const plugins::InstanceRef& who, std::string_view name) override;
  StatusOr<std::string> kvGet(const plugins::InstanceRef& who, std::string_view key) override;
  Status kvPut(const plugins::InstanceRef& who, std::string_view key, std::string_view value,
               int64_t ttlSeconds) override;
  Status kvDelete(const plugins::InstanceRef& who, std::string_view key) override;
  void counterAdd(const plugins::InstanceRef& who, std::string_view name, int64_t delta) override;
  StatusOr<std::string> send(const plugins::InstanceRef& who,
                             std::string_view messageJson) override;
  StatusOr<std::string> detectIntent(const plugins::InstanceRef& who, std::string_view instance,
                                     std::string_view inputJson) override;
  StatusOr<std::string> verify(const plugins::InstanceRef& who, std::string_view instance,
                               std::string_view requestJson) override;
  StatusOr<std::pair<std::string, int64_t>> stateGet(const plugins::InstanceRef& who,
                                                     std::string_view contact) override;
  StatusOr<int64_t> statePut(const plugins::InstanceRef& who, std::string_view contact,
                             std::string_view stateJson, int64_t expectedVersion) override;
  StatusOr<std::string> mediaInfo(const plugins::InstanceRef& who, int64_t mediaId) override;
  StatusOr<size_t> mediaRead(const plugins::InstanceRef& who, int64_t mediaId, uint64_t offset,
                             char* out, size_t capacity) override;

 private:
  const TenantConfig& config() const;
  /** The tenant's stored item `mediaId` (the media plugin keeping it in *store). */
  StatusOr<store::MediaItem> storedMedia(int64_t mediaId, plugins::PluginInstancePtr* store) const;

  const Tenant& tenant_;
  SharedServices shared_;
};

/** A configured plugin instance of a tenant: running, or disabled with the reason. */
struct InstanceSlot {
  PluginBinding binding;
  plugins::PluginInstancePtr instance;  // null when disabled
  std::string error;                    // why it is disabled
};

/** One running tenant: its configuration and its plugin instances. */
class Tenant {
 public:
  Tenant(TenantConfig config, SharedServices shared);
  Tenant(const Tenant&) = delete;
  Tenant& operator=(const Tenant&) = delete;
  ~Tenant();

  const TenantConfig& config() const { return config_; }
  const std::string& id() const { return config_.id; }
  const std::vector<InstanceSlot>& instances() const { return instances_; }
  /** The first running instance providing `kind` (a BARAZA_KIND_* bit), or null. */
  plugins::PluginInstancePtr firstOfKind(baraza_kind_set kind) const;
  /** The running instance configured as plugins.<name>, or null. */
  plugins::PluginInstancePtr instance(const std::string& name) const;

  /**
   * Runs the intent chain (intent.chain) on an intent input document: each instance in order,
   * the first whose top intent reaches intent.threshold (and is not "fallback") wins, and the
   * last one's answer stands whatever it is. An instance that fails is skipped (and logged).
   * Returns its result document with "source" naming the instance that gave it; an error only
   * when no instance answered.
   */
  StatusOr<std::string> detectIntent(const std::string& inputJson) const;

 private:
  friend class TenantSet;
  TenantConfig config_;
  std::unique_ptr<TenantServices> services_;
  std::vector<InstanceSlot> instances_;
};
using TenantPtr = std::shared_ptr<const Tenant>;

/**
 * An immutable set of running tenants. Reload builds a new set beside the current one and swaps
 * it in; requests hold the set they started with, so they finish on it.
 */
class TenantSet {
 public:
  /**
   * Creates every tenant's plugin instances. A plugin that is not loaded, or whose create fails
   * (or throws), disables only that tenant's instance, logged with the reason.
   */
  static std::shared_ptr<const TenantSet> build(std::vector<TenantConfig> configs,
                                                const plugins::PluginRegistry& registry,
                                                const SharedServices& shared, uint64_t generation);

  TenantPtr byId(const std::string& id) const;
  TenantPtr byPhoneNumberId(const std::string& phoneNumberId) const;
  const std::vector<TenantPtr>& all() const { return tenants_; }
  /** 1 for the set built at start, +1 for each accepted reload. */
  uint64_t generation() const { return generation_; }
  /** Instances that failed to start, over all tenants. */
  size_t disabledInstances() const;

 private:
  std::vector<TenantPtr> tenants_;
  std::map<std::string, TenantPtr> byId_;
  std::map<std::string, TenantPtr> byNumber_;
  uint64_t generation_ = 0;
};
using TenantSetPtr = std::shared_ptr<const TenantSet>;

}  // namespace baraza::tenants
