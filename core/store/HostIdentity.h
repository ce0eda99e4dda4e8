#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/Status.h"
#include "store/Database.h"

namespace baraza::store {

/**
 * A running host's hold on its identity (`host.id`, the machine's name by default). Its claims
 * and leases carry the owner name "<identity>:<pid>". The identity itself is a lease renewed in
 * the background, so at most one running process holds it. A process that takes the identity
 * over from a previous one (stopped, crashed or killed) takes back at once what that one held:
 * its deliveries, conversation jobs and messages become claimable (as abandoned rows, see
 * claimAbandoned) and its sending numbers' leases end, instead of waiting for them to expire.
 * Other hosts' claims are not touched.
 */
class HostIdentity {
 public:
  struct Settings {
    /** How long the identity outlives a process that stops renewing it (kill -9). */
    std::chrono::milliseconds ttl{10000};
    /** How long take() waits for a previous holder's lease to run out before giving up. */
    std::chrono::milliseconds patience{30000};
    /** Names this process in the owner name "<identity>:<process>"; empty: its pid. */
    std::string process;
  };

  /**
   * Takes `identity` for this process. Waits while a previous process's lease runs out; fails
   * (kFailedPrecondition) when a running host keeps renewing it: two hosts with one identity
   * would take each other's work.
   */
  static StatusOr<std::unique_ptr<HostIdentity>> take(DatabasePtr db, const std::string& identity,
                                                      Settings settings);
  /** Stops renewing and releases the identity. */
  ~HostIdentity();

  const std::string& identity() const { return identity_; }
  /** "<identity>:<pid>": the owner of this process's claims and leases (see Settings::process). */
  const std::string& owner() const { return owner_; }
  /** Claimed rows of previous processes taken back by take(). */
  size_t takenBack() const { return takenBack_; }

  /** A valid identity: 1-64 of [A-Za-z0-9._-]. */
  static bool valid(const std::string& identity);

 private:
  HostIdentity(DatabasePtr db, std::string identity, std::string owner, Settings settings);
  void renewLoop();

  DatabasePtr db_;
  std::string identity_;
  std::string owner_;
  Settings settings_;
  size_t takenBack_ = 0;
  std::mutex mutex_;
  std::condition_variable stop_;
  bool stopping_ = false;
  std::thread renewer_;
};

}  // namespace baraza::store
