#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "plugins/PluginInstance.h"
#include "store/Database.h"
#include "store/SecretStore.h"
#include "tenants/TenantSet.h"

namespace baraza::outbound {

/**
 * The access token each tenant sends with, and the pause a refused token puts the tenant in.
 *
 * A tenant sends with its file's whatsapp.access_token, or with the long-lived token its channel
 * plugin exchanged that one for after the provider refused it (channel.exchange_token, ABI 1.3;
 * only when the tenant file has the app id and secret). A refused token pauses the tenant's
 * sending until the token is another: a reload with a new one, or a successful exchange. With
 * store.master_key an exchanged token is kept, encrypted, in the secrets table, and used after a
 * restart while the file still has the token it replaced.
 *
 * The state is guarded by the lock the owner passes in: the dispatcher asks on every pick, under
 * the lock the pick already holds. Methods say whether they expect it held. Exchanges run on a
 * thread of their own: the plugin calls the provider, and no thread of the dispatcher waits.
 */
class Credentials {
 public:
  /** `changed` runs (lock not held) after an exchange: something may be sent now, or kept. */
  Credentials(std::mutex& lock, store::DatabasePtr db, std::optional<store::MasterKey> masterKey,
              std::function<void()> changed);
  ~Credentials();
  Credentials(const Credentials&) = delete;
  Credentials& operator=(const Credentials&) = delete;

  /** Starts the exchange thread. */
  void start();
  /** Waits for an exchange under way (each is bounded by its call deadline) and ends the thread. */
  void stop();

  /** A stable, non-secret name for a token (its SHA-256): what logs and maps compare. */
  static std::string fingerprint(const std::string& token);

  /** Lock held. The token to send with: an exchanged one while it replaces the file's. */
  std::string tokenFor(const tenants::TenantConfig& tenant) const;
  /** Lock held. */
  bool paused(const std::string& tenant) const { return paused_.count(tenant) > 0; }
  /** Lock held. Pauses the tenant on the refused token's fingerprint; true when it was not paused.
   */
  bool pause(const std::string& tenant, const std::string& refused);
  /** Lock held. Lifts the pauses whose tenant is gone or sends with another token now; logs each.
   */
  void resumeChanged(const tenants::TenantSet& set);

  /**
   * Lock not held. Has the tenant's channel plugin exchange `refused` for a long-lived token, once
   * at a time per tenant; returns at once. Nothing happens without the tenant's app id and secret.
   */
  void exchange(const tenants::TenantPtr& tenant, const plugins::PluginInstancePtr& channel,
                const std::string& refused);

  /**
   * Lock not held; the scheduler thread. Writes the exchanged tokens to keep to the secrets table,
   * and reads the kept token of each tenant not seen yet. A failed write is tried again next time.
   */
  void keep(const tenants::TenantSet& set);

 private:
  struct Job {
    std::string tenant, configured, refused, appId, appSecret;
    plugins::PluginInstancePtr channel;
  };
  void serve();
  void run(const Job& job);

  std::mutex& lock_;
  store::DatabasePtr db_;
  std::optional<store::MasterKey> masterKey_;
  std::function<void()> changed_;

  /** tenant -> fingerprint of the token that was refused; sending resumes when it changes. */
  std::map<std::string, std::string> paused_;
  /** tenant -> (fingerprint of the token it replaced, the exchanged long-lived token). */
  std::map<std::string, std::pair<std::string, std::string>> exchanged_;
  std::set<std::string> exchanging_;  // tenants whose exchange is queued or under way
  std::deque<Job> jobs_;
  bool stopping_ = false;
  std::condition_variable jobsReady_;
  std::thread worker_;
  /** Exchanged tokens to keep in the secrets table: tenant, "<fingerprint> <token>". */
  std::vector<std::pair<std::string, std::string>> toKeep_;
  std::set<std::string> looked_;  // tenants whose kept token was looked for (scheduler thread only)
};

}  // namespace baraza::outbound
